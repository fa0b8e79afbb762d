import SidecarModel
import Foundation

// The types of the usage outbox (DESIGN.md §7). The store keeps the outbox in the same SQLite
// database as the states, so accepting a record and applying it to the cached state commit
// in one transaction: neither survives a crash without the other.

/// Which endpoint a record goes to.
public enum OutboxKind: String, Sendable {
    case usage
    case event
}

/// Whether accepted records are queued for upstream (online) or only applied locally and
/// remembered for deduplication (offline mode).
public enum IntakeMode: Sendable {
    case forward
    case localOnly
}

/// `/status` and `/metrics` figures.
public struct OutboxCounts: Sendable, Equatable {
    /// Accepted, not yet delivered.
    public var pending: Int
    /// Delivered and still remembered for deduplication (7 days).
    public var sent: Int
    public var deadLetters: Int

    public init(pending: Int = 0, sent: Int = 0, deadLetters: Int = 0) {
        self.pending = pending
        self.sent = sent
        self.deadLetters = deadLetters
    }
}

/// Why intake refused a valid request.
public enum OutboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Taking the request would put more than `limit` records in the queue.
    case full(limit: Int, pending: Int)

    public var description: String {
        switch self {
        case .full(let limit, let pending):
            "the usage outbox is full (\(pending) records waiting, limit \(limit)): upstream is not taking deliveries; retry later"
        }
    }
}

/// One accepted usage record, as answered.
public struct UsageAck: Sendable, Equatable {
    /// The outbox record's id (a UUID), the `id` of the measurement.
    public var recordId: String
    public var createdAt: String
    /// The feature's usage in the cache after this record; nil when the state is not cached
    /// or has no metered entitlement for the feature.
    public var currentUsage: Double?
    public var usagePeriodStart: String?
    public var usagePeriodEnd: String?
    /// The idempotency key was seen before: nothing was stored or applied again.
    public var repeated: Bool
}

/// One queued record, read back for delivery.
public struct OutboxRecord: Sendable, Equatable {
    public var seq: Int64
    public var kind: OutboxKind
    public var recordId: String
    public var idempotencyKey: String
    public var key: StateKey
    /// Usage records only.
    public var featureId: String?
    /// The record's JSON, exactly as it goes into `{"usages":[...]}` or `{"events":[...]}`.
    public var body: [UInt8]
}

/// Upstream's `currentUsage` for a feature after a delivery (from the returned measurement).
public struct DeliveredUsage: Sendable, Equatable {
    public var key: StateKey
    public var featureId: String
    public var currentUsage: Double

    public init(key: StateKey, featureId: String, currentUsage: Double) {
        self.key = key
        self.featureId = featureId
        self.currentUsage = currentUsage
    }
}
