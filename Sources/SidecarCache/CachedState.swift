import Foundation

/// Where a cached state came from. Offline-snapshot states never mix with upstream ones: each
/// mode loads only its own, so demo data is never served as a real customer's last-known-good.
public enum StateOrigin: String, Sendable {
    case upstream
    case offline
}

/// One cached (customer, resource) state, decoded once when it is stored so that answering
/// from it costs no JSON decoding. Immutable: a refresh replaces the whole object.
public final class CachedState: Sendable {
    public let key: StateKey
    public let state: EntitlementsState
    public let origin: StateOrigin
    public let syncedAt: Date
    /// `syncedAt` as RFC 3339, formatted once rather than per answer.
    public let syncedAtText: String
    /// The earliest `validUntil` / `usagePeriodEnd` among its entitlements: when the state
    /// should be fetched again regardless of the refresh interval.
    public let refreshDue: Date?

    public init(key: StateKey, state: EntitlementsState, origin: StateOrigin, syncedAt: Date) {
        self.key = key
        self.state = state
        self.origin = origin
        self.syncedAt = syncedAt
        self.syncedAtText = Timestamp.formatRFC3339(syncedAt)
        self.refreshDue = state.refreshDue
    }

    /// Whole seconds since the last sync (floor, never negative), as `ageSeconds` and `Age`.
    public func ageSeconds(at now: Date) -> Int {
        max(0, Int(now.timeIntervalSince(syncedAt).rounded(.down)))
    }
}

/// What the store knows about one key.
public enum StoreLookup: Sendable {
    case state(CachedState)
    /// The customer has states, but not for this resource (DESIGN.md §11).
    case resourceNotFound
    /// Nothing is known about this customer.
    case missing
}
