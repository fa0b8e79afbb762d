import Foundation

/// One accepted usage record (`POST /api/v1/usage`), as first received.
public struct UsageRecord: Sendable, Equatable {
    /// The measurement id the fake answered with.
    public var id: String
    public var customerId: String
    public var featureId: String
    public var resourceId: String?
    public var value: Double
    /// `DELTA` or `SET`.
    public var updateBehavior: String
    public var idempotencyKey: String?
    public var createdAt: String
    /// `currentUsage` right after this record was applied (nil: no such metered feature).
    public var currentUsage: Double? = nil
    /// The period of the entitlement it was applied to, echoed in the measurement.
    public var usagePeriodStart: String? = nil
    public var usagePeriodEnd: String? = nil
}

/// One accepted raw event (`POST /api/v1/events`).
public struct EventRecord: Sendable, Equatable {
    public var customerId: String
    public var eventName: String
    public var idempotencyKey: String
    public var resourceId: String?
    public var timestamp: String?
    /// `dimensions` as compact JSON (`{}` when absent).
    public var dimensionsJSON: String
}

/// What was accepted, deduplicated by idempotency key, and how often each key was delivered.
/// A delivery is one record in an accepted request: a retry of the same key counts as a
/// delivery but not as a new record, and has no second effect on usage.
struct UsageLedger {
    private(set) var records: [UsageRecord] = []
    private var recordIndexByKey: [String: Int] = [:]
    private(set) var usageDeliveries: [String: Int] = [:]
    private(set) var events: [EventRecord] = []
    private var eventKeys: Set<String> = []
    private(set) var eventDeliveries: [String: Int] = [:]
    private var nextMeasurement = 1

    /// The earlier record for this key, if any; counts the delivery either way.
    mutating func deliverUsage(key: String?) -> UsageRecord? {
        guard let key else { return nil }
        usageDeliveries[key, default: 0] += 1
        return recordIndexByKey[key].map { records[$0] }
    }

    mutating func append(_ record: UsageRecord) {
        if let key = record.idempotencyKey { recordIndexByKey[key] = records.count }
        records.append(record)
    }

    /// A UUID-shaped id with a counter in it, so ids are unique and readable in a log.
    mutating func measurementId() -> String {
        defer { nextMeasurement += 1 }
        let hex = String(nextMeasurement, radix: 16)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    }

    /// Counts the delivery; true when the key is new (the event is then kept).
    mutating func deliverEvent(_ event: EventRecord) -> Bool {
        eventDeliveries[event.idempotencyKey, default: 0] += 1
        guard eventKeys.insert(event.idempotencyKey).inserted else { return false }
        events.append(event)
        return true
    }
}
