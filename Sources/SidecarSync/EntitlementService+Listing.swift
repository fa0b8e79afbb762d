import Foundation
import SidecarCache
import SidecarModel

extension EntitlementService {
    /// The listing if it can be answered now; nil means call `resolveListing`.
    public func cachedListing(_ key: StateKey, now: Date) -> ListingAnswer? {
        switch store.lookup(key) {
        case .state(let cached):
            return listing(from: cached, now: now)
        case .resourceNotFound where engine == nil:
            return .resourceNotFound
        case .resourceNotFound, .missing:
            guard let engine else { return fallbackListing(key, now: now) }
            if let since = engine.notFoundSince(key, at: now) { return notFoundListing(key, since: since, now: now) }
            return engine.allowsMiss(at: now) ? nil : fallbackListing(key, now: now)
        }
    }

    public func resolveListing(_ key: StateKey, completion: @escaping @Sendable (ListingAnswer) -> Void) {
        guard let engine else { return completion(fallbackListing(key, now: now())) }
        engine.fetch(key) { [self] outcome in
            let now = self.now()
            switch outcome {
            case .state(let cached):
                let answer = listing(from: cached, now: now)
                if case .state(let state, var provenance) = answer, provenance.source != .fallback {
                    provenance.source = .upstream
                    return completion(.state(state, provenance))
                }
                completion(answer)
            case .notFound(let since):
                completion(notFoundListing(key, since: since, now: now))
            case .failed, .unavailable, .timedOut:
                completion(fallbackListing(key, now: now))
            }
        }
    }

    private func listing(from cached: CachedState, now: Date) -> ListingAnswer {
        cached.markAccessed(now)
        if tooOld(cached, now: now) { return fallbackListing(cached.key, now: now) }
        return .state(cached.state.rolledOver(at: now).state, provenance(cached, now: now))
    }

    /// Upstream said the key does not exist: a resource is a 404 (DESIGN.md §11); a customer
    /// is Stigg's state-level `CustomerNotFound`, which checks deny with too.
    private func notFoundListing(_ key: StateKey, since: Date, now: Date) -> ListingAnswer {
        if key.resourceId != nil { return .resourceNotFound }
        return .state(EntitlementsState(accessDeniedReason: .customerNotFound, entitlements: []), .known(since: since, now: now))
    }

    /// What the rules would answer for each feature they name, in id order.
    private func fallbackListing(_ key: StateKey, now: Date) -> ListingAnswer {
        let entitlements = fallback.rules.keys.sorted().map { id in
            fallback.decide(CheckRequest(customerId: key.customerId, resourceId: key.resourceId, target: .feature(id)), now: now).entitlement
        }
        return .state(EntitlementsState(accessDeniedReason: nil, entitlements: entitlements), .fallback)
    }

    // MARK: Provenance and staleness

    /// `stale` when the data is older than the refresh interval and upstream is failing for
    /// it (its last attempt failed, or the circuit is open); otherwise `cache`, even if the
    /// poller lags (DESIGN.md §11).
    func provenance(_ cached: CachedState, now: Date) -> Provenance {
        let age = cached.ageSeconds(at: now)
        guard let engine else {
            return snapshotProvenance(now: now)
        }
        let old = now.timeIntervalSince(cached.syncedAt) > engine.settings.refreshInterval.seconds
        let stale = old && (cached.lastAttemptFailed || engine.circuitOpen)
        return Provenance(source: stale ? .stale : .cache, syncedAt: cached.syncedAtText, ageSeconds: age)
    }

    /// Offline answers say when the snapshot was loaded (DESIGN.md §11).
    func snapshotProvenance(now: Date) -> Provenance {
        guard let loaded = offlineLoadedAt else { return .fallback }
        return Provenance(source: .cache, syncedAt: loaded.text, ageSeconds: max(0, Int(now.timeIntervalSince(loaded.date).rounded(.down))))
    }

    /// `SIDECAR_STALE_POLICY=fallback` acts on age alone (DESIGN.md §11). Not offline: the
    /// snapshot is the whole truth there, and its age is only how long the process has run.
    func tooOld(_ cached: CachedState, now: Date) -> Bool {
        guard engine != nil, !policy.serveStale, let limit = policy.maxStaleness else { return false }
        return now.timeIntervalSince(cached.syncedAt) > limit.seconds
    }
}
