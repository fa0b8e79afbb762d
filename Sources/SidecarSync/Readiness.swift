import Foundation
import SidecarCache
import SidecarModel

/// `/readyz` (DESIGN.md §3, §11): ready when the last upstream attempt succeeded or in
/// offline mode; degraded when it failed but there is data to answer from; not ready when it
/// failed and there is nothing.
public struct Readiness: Sendable, Equatable {
    public enum Status: String, Sendable {
        case ready
        case degraded
        case notReady = "not_ready"
    }

    public var status: Status
    public var reason: String

    /// Ready and degraded both answer 200: answers come from real data either way.
    public var isServing: Bool { status != .notReady }
}

extension EntitlementService {
    public var readiness: Readiness {
        guard let engine else {
            return Readiness(status: .ready, reason: "offline mode: answering from the snapshot")
        }
        let upstream = engine.upstreamStatus
        let cached = store.persistedCount(origin: .upstream)
        switch upstream.state {
        case .healthy:
            return Readiness(status: .ready, reason: "upstream reachable")
        case .failing:
            let why = upstream.lastError ?? "upstream failing"
            if cached > 0 {
                return Readiness(status: .degraded, reason: "\(why); serving last-known-good data (\(cached) states)")
            }
            return Readiness(status: .notReady, reason: "\(why); no cached data")
        case .unknown:
            if cached > 0 {
                return Readiness(status: .degraded, reason: "upstream not contacted yet; serving cached data (\(cached) states)")
            }
            return Readiness(status: .notReady, reason: "upstream not contacted yet; no cached data")
        }
    }

    /// What `/status` reports about the cache.
    public struct CacheStatus: Sendable {
        public var states: Int
        public var oldestSyncedAt: Date?
    }

    /// States SQLite holds, from the store's counter: cheap enough for every scrape.
    public var cachedStates: Int { store.persistedCount(origin: isOffline ? .offline : .upstream) }

    /// The counts and the oldest sync time, which asks SQLite (an indexed `min`): completes
    /// on the store's queue, never on the caller's thread.
    public func cacheStatus(completion: @escaping @Sendable (CacheStatus) -> Void) {
        let origin: StateOrigin = isOffline ? .offline : .upstream
        store.onQueue { [store] in
            completion(CacheStatus(
                states: store.persistedCount(origin: origin),
                oldestSyncedAt: (try? store.oldestSyncedAt(origin: origin)) ?? nil))
        }
    }

    public var upstreamStatus: UpstreamStatus { engine?.upstreamStatus ?? UpstreamStatus() }
}
