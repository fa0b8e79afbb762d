import Foundation
import SidecarCache
import SidecarModel

/// Answers entitlement questions: from the cache when it can (synchronously, the hot path),
/// otherwise by reading through to upstream, and from the fallback rules when there is no
/// data (DESIGN.md §5, §11).
///
/// Two phases so the hot path allocates no closure: `cachedCheck` answers or returns nil,
/// and only then does the caller set up `resolveCheck` with a completion.
public final class EntitlementService: Sendable {
    public enum Mode: Sendable {
        /// Answers from the snapshot loaded at `loadedAt`; nothing is fetched.
        case offline(loadedAt: Date)
        case online(SyncEngine)
    }

    /// `SIDECAR_MAX_STALENESS` / `SIDECAR_STALE_POLICY`. The refresh interval and the miss
    /// deadline are the sync engine's own settings, read from it so the two cannot disagree.
    public struct Policy: Sendable {
        public var maxStaleness: Duration?
        public var serveStale: Bool

        public init(maxStaleness: Duration? = nil, serveStale: Bool = true) {
            self.maxStaleness = maxStaleness
            self.serveStale = serveStale
        }
    }

    public struct Answer: Sendable {
        public var entitlement: Entitlement
        public var provenance: Provenance
    }

    public enum ListingAnswer: Sendable {
        case state(EntitlementsState, Provenance)
        /// The customer exists but has no state for this resource: a 404 for listings.
        case resourceNotFound
    }

    let store: EntitlementStore
    let fallback: FallbackRules
    let mode: Mode
    let policy: Policy
    /// nil in offline mode.
    public let engine: SyncEngine?
    let offlineLoadedAt: (date: Date, text: String)?
    public let now: @Sendable () -> Date

    public init(store: EntitlementStore, fallback: FallbackRules, mode: Mode, policy: Policy, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.fallback = fallback
        self.mode = mode
        self.policy = policy
        self.now = now
        switch mode {
        case .offline(let loadedAt):
            engine = nil
            offlineLoadedAt = (loadedAt, Timestamp.formatRFC3339(loadedAt))
        case .online(let engine):
            self.engine = engine
            offlineLoadedAt = nil
        }
    }

    public var isOffline: Bool { engine == nil }

    // MARK: Checks

    /// The answer if the cache (or the fallback, when upstream must not be asked) can give
    /// it now; nil means call `resolveCheck`.
    public func cachedCheck(_ request: CheckRequest, now: Date) -> Answer? {
        switch store.lookup(request.stateKey) {
        case .state(let cached):
            return answer(from: cached, request, now: now)
        case .resourceNotFound where engine == nil:
            let denied = deniedPlaceholder(for: request.target, reason: .customerResourceNotFound, now: now)
            return Answer(entitlement: denied, provenance: snapshotProvenance(now: now))
        case .resourceNotFound, .missing:
            guard let engine else { return fallbackAnswer(request, now: now) }
            if let since = engine.notFoundSince(request.stateKey, at: now) {
                return notFoundAnswer(request, since: since, now: now)
            }
            // The circuit is open or upstream asked us to wait: do not make callers wait too.
            return engine.allowsMiss(at: now) ? nil : fallbackAnswer(request, now: now)
        }
    }

    /// Reads through to upstream (misses) or asks upstream's `/check` (ENUM values), within
    /// the miss deadline; whatever happens, `completion` gets an answer.
    public func resolveCheck(_ request: CheckRequest, completion: @escaping @Sendable (Answer) -> Void) {
        guard let engine else { return completion(fallbackAnswer(request, now: now())) }
        if case .state(let cached) = store.lookup(request.stateKey) {
            return resolveEnum(request, cached: cached, engine: engine, completion: completion)
        }
        engine.fetch(request.stateKey) { [self] outcome in
            let now = self.now()
            switch outcome {
            case .state(let cached):
                guard var answer = answer(from: cached, request, now: now) else {
                    return resolveEnum(request, cached: cached, engine: engine, completion: completion)
                }
                if answer.provenance.source != .fallback { answer.provenance.source = .upstream }
                completion(answer)
            case .notFound(let since):
                completion(notFoundAnswer(request, since: since, now: now))
            case .failed, .unavailable, .timedOut:
                completion(fallbackAnswer(request, now: now))
            }
        }
    }

    private func resolveEnum(_ request: CheckRequest, cached: CachedState, engine: SyncEngine, completion: @escaping @Sendable (Answer) -> Void) {
        engine.checkUpstream(request) { [self] fetched in
            guard let (entitlement, at) = fetched else { return completion(fallbackAnswer(request, now: now())) }
            completion(Answer(entitlement: entitlement, provenance: .known(since: at, now: at, source: .upstream)))
        }
    }

    /// Decides from a cached state, or nil when only upstream can (ENUM values online).
    private func answer(from cached: CachedState, _ request: CheckRequest, now: Date) -> Answer? {
        cached.markAccessed(now)
        if tooOld(cached, now: now) { return fallbackAnswer(request, now: now) }
        let decision = decide(state: cached.state, request: request, now: now)
        guard decision.needsUpstream else {
            return Answer(entitlement: decision.entitlement, provenance: provenance(cached, now: now))
        }
        guard let engine else { return fallbackAnswer(request, now: now) }
        if let (entitlement, at) = engine.enumAnswer(for: request, at: now) {
            return Answer(entitlement: entitlement, provenance: .known(since: at, now: now))
        }
        return engine.allowsMiss(at: now) ? nil : fallbackAnswer(request, now: now)
    }

    private func notFoundAnswer(_ request: CheckRequest, since: Date, now: Date) -> Answer {
        Answer(entitlement: decide(state: nil, request: request, now: now).entitlement, provenance: .known(since: since, now: now))
    }

    private func fallbackAnswer(_ request: CheckRequest, now: Date) -> Answer {
        Answer(entitlement: fallback.decide(request, now: now).entitlement, provenance: .fallback)
    }
}

extension Provenance {
    /// For what upstream told us at `since` outside a cached state: a CustomerNotFound, an
    /// ENUM `/check` answer.
    static func known(since: Date, now: Date, source: Source = .cache) -> Provenance {
        Provenance(source: source, syncedAt: Timestamp.formatRFC3339(since), ageSeconds: max(0, Int(now.timeIntervalSince(since).rounded(.down))))
    }
}
