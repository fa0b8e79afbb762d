import SidecarModel
import Foundation
import Synchronization

/// Where a cached state came from. Offline-snapshot states never mix with upstream ones: each
/// mode loads only its own, so demo data is never served as a real customer's last-known-good.
public enum StateOrigin: String, Sendable {
    case upstream
    case offline
}

/// One cached (customer, resource) state, decoded once when it is stored so that answering
/// from it costs no JSON decoding. The data is immutable (a refresh replaces the whole object);
/// only the bookkeeping the poller reads (last access, last attempt failed) is atomic.
public final class CachedState: Sendable {
    public let key: StateKey
    public let state: EntitlementsState
    public let origin: StateOrigin
    public let syncedAt: Date
    /// `syncedAt` as RFC 3339. Formatted when asked rather than kept: a heap string per
    /// state is 64 bytes of every hot customer, and a repeated answer is prepared bytes anyway
    /// (the answer cache in SidecarApp).
    public var syncedAtText: String { Timestamp.formatRFC3339(syncedAt) }
    /// The earliest `validUntil` / `usagePeriodEnd` among its entitlements: when the state
    /// should be fetched again regardless of the refresh interval.
    public let refreshDue: Date?

    /// Unix seconds of the last answer from this state: entries nobody asks about stop being
    /// refreshed. Whole seconds so the hot path writes at most once a second per state.
    private let accessedAtSeconds: Atomic<Int64>
    /// The last refresh attempt failed: answers older than the refresh interval are `stale`.
    private let attemptFailed = Atomic<Bool>(false)

    public init(key: StateKey, state: EntitlementsState, origin: StateOrigin, syncedAt: Date, accessedAt: Date? = nil) {
        self.key = key
        self.state = state
        self.origin = origin
        self.syncedAt = syncedAt
        self.refreshDue = state.refreshDue
        self.accessedAtSeconds = Atomic(Int64((accessedAt ?? syncedAt).timeIntervalSince1970))
    }

    public var accessedAt: Date { Date(timeIntervalSince1970: Double(accessedAtSeconds.load(ordering: .relaxed))) }

    public func markAccessed(_ now: Date) {
        let seconds = Int64(now.timeIntervalSince1970)
        // Load first: most answers land in the same second, and a store would bounce the
        // cache line between the cores' event loops.
        if accessedAtSeconds.load(ordering: .relaxed) < seconds {
            accessedAtSeconds.store(seconds, ordering: .relaxed)
        }
    }

    public var lastAttemptFailed: Bool { attemptFailed.load(ordering: .relaxed) }

    public func markAttemptFailed() { attemptFailed.store(true, ordering: .relaxed) }

    /// When the poller should fetch it again: after `interval`, or sooner when a `validUntil`
    /// or `usagePeriodEnd` passes.
    public func dueAt(interval: Duration) -> Date {
        let byAge = syncedAt.addingTimeInterval(interval.seconds)
        guard let refreshDue else { return byAge }
        return min(byAge, refreshDue)
    }

    /// Whole seconds since the last sync (floor, never negative), as `ageSeconds` and `Age`.
    public func ageSeconds(at now: Date) -> Int {
        max(0, Int(now.timeIntervalSince(syncedAt).rounded(.down)))
    }
}

extension Duration {
    /// As a `TimeInterval`, for arithmetic with `Date`.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}

/// What the store knows about one key.
public enum StoreLookup: Sendable {
    case state(CachedState)
    /// The customer has states, but not for this resource (DESIGN.md §11).
    case resourceNotFound
    /// Nothing is known about this customer.
    case missing
    /// Not in memory; SQLite may hold it (lazy loading). Only `lookupInMemory` answers this.
    case unloaded
}
