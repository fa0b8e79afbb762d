import Foundation
import SidecarCache
import SidecarModel

/// What Sync knows about entitlement states, for the application to answer from: a lookup in
/// memory (the hot path, safe on an event loop), and `resolve` for everything that needs SQLite
/// or upstream, which completes on another queue (DESIGN.md §2, §5, §11).
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

    let store: EntitlementStore
    let policy: Policy
    /// nil in offline mode.
    public let engine: SyncEngine?
    /// When the offline snapshot was loaded; nil online.
    public let snapshotLoadedAt: Date?
    public let now: @Sendable () -> Date

    public init(store: EntitlementStore, mode: Mode, policy: Policy, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.policy = policy
        self.now = now
        switch mode {
        case .offline(let loadedAt):
            engine = nil
            snapshotLoadedAt = loadedAt
        case .online(let engine):
            self.engine = engine
            snapshotLoadedAt = nil
        }
    }

    public var isOffline: Bool { engine == nil }

    /// The end of a clean shutdown: the next start may skip the database's full check.
    public func recordCleanShutdown() { store.recordCleanShutdown() }

    /// What memory says about `key` now. Never blocks: `.unloaded` and `.missing(.available)`
    /// are the caller's cue to `resolve`.
    public func lookup(_ key: StateKey, now: Date) -> StateLookup {
        classify(store.lookupInMemory(key), key, now: now)
    }

    /// `lookup`, reading SQLite when memory does not hold the state: blocks, so never call it
    /// on an event loop (for background work and tests). Never answers `.unloaded`.
    public func lookupWaiting(_ key: StateKey, now: Date) -> StateLookup {
        classify(store.lookup(key), key, now: now)
    }

    /// Loads `key` from SQLite and, online, reads it through from upstream within the miss
    /// deadline. `completion` runs on another queue, never on the caller's thread, with
    /// anything but `.unloaded` or `.missing(.available)`.
    /// `askedAt` is when the caller's `lookup` found nothing: a state synced since then was
    /// fetched by a concurrent miss's flight for this request too (provenance `upstream`).
    public func resolve(_ key: StateKey, askedAt: Date, completion: @escaping @Sendable (StateLookup) -> Void) {
        store.load(key) { [self] found in
            let now = self.now()
            if case .state(let cached) = found, engine != nil, cached.syncedAt >= askedAt {
                cached.markAccessed(now)
                return completion(.fetched(cached))
            }
            switch classify(found, key, now: now) {
            case .missing(.available):
                fetch(key, askedAt: askedAt, completion: completion)
            case .unloaded:
                completion(.missing(upstream: .unavailable))
            case let lookup:
                completion(lookup)
            }
        }
    }

    private func fetch(_ key: StateKey, askedAt: Date, completion: @escaping @Sendable (StateLookup) -> Void) {
        guard let engine else { return completion(.missing(upstream: .offline)) }
        engine.fetch(key) { [self] outcome in
            switch outcome {
            case .state(let cached):
                let freshness = freshness(cached, now: now())
                if freshness == .expired { return completion(.cached(cached, .expired)) }
                cached.markAccessed(now())
                // Synced before this request asked: another sidecar's read, shared through
                // Redis (DESIGN.md §13), so provenance `cache` with its own syncedAt.
                if cached.syncedAt < askedAt { return completion(.cached(cached, freshness)) }
                completion(.fetched(cached))
            case .notFound(let since):
                completion(.notFound(since: since))
            case .failed, .unavailable, .timedOut:
                completion(.missing(upstream: .unavailable))
            }
        }
    }

    private func classify(_ found: StoreLookup, _ key: StateKey, now: Date) -> StateLookup {
        switch found {
        case .state(let cached):
            cached.markAccessed(now)
            return .cached(cached, freshness(cached, now: now))
        case .unloaded:
            if let since = engine?.notFoundSince(key, at: now) { return .notFound(since: since) }
            return .unloaded
        case .resourceNotFound where engine == nil:
            return .resourceNotFound(snapshotAt: snapshotLoadedAt ?? now)
        case .resourceNotFound, .missing:
            guard let engine else { return .missing(upstream: .offline) }
            if let since = engine.notFoundSince(key, at: now) { return .notFound(since: since) }
            // The circuit is open or upstream asked us to wait: do not make callers wait too,
            // unless the fleet's Redis (answering, or failing, within 50 ms) may have the state.
            return .missing(upstream: engine.allowsMiss(at: now) || engine.fleet?.isConnected == true ? .available : .unavailable)
        }
    }

    /// `stale` when the data is older than the refresh interval and upstream is failing for
    /// it (its last attempt failed, or the circuit is open); otherwise fresh, even if the
    /// poller lags (DESIGN.md §11). `SIDECAR_STALE_POLICY=fallback` acts on age alone, and
    /// never offline: the snapshot is the whole truth there, and its age is only the uptime.
    func freshness(_ cached: CachedState, now: Date) -> StateLookup.Freshness {
        guard let engine else { return .fresh }
        let age = now.timeIntervalSince(cached.syncedAt)
        if !policy.serveStale, let limit = policy.maxStaleness, age > limit.seconds { return .expired }
        let old = age > engine.settings.refreshInterval.seconds
        return old && (cached.lastAttemptFailed || engine.circuitOpen) ? .stale : .fresh
    }

    // MARK: ENUM checks (upstream `/check`, DESIGN.md §11)

    /// A cached upstream `/check` answer and when it was fetched; nil offline or when none
    /// is fresh.
    public func enumAnswer(for request: CheckRequest, at now: Date) -> (Entitlement, Date)? {
        engine?.enumAnswer(for: request, at: now)
    }

    /// Whether upstream's `/check` may be asked now (online, circuit closed).
    public func mayAskUpstream(at now: Date) -> Bool { engine?.allowsMiss(at: now) ?? false }

    /// Asks upstream's `/check` within the miss deadline; nil when it failed or offline.
    public func checkUpstream(_ request: CheckRequest, completion: @escaping @Sendable ((Entitlement, Date)?) -> Void) {
        guard let engine else { return completion(nil) }
        engine.checkUpstream(request, completion: completion)
    }
}
