import Foundation

// What `POST /api/v1/usage` and `POST /api/v1/events` carry (STIGG-API.md §5.1, §5.3), after
// validation. The outbox stores each record in the wire shape it is forwarded in.

/// `updateBehavior` of a usage record.
public enum UpdateBehavior: String, Sendable {
    /// Adds `value` to the current usage (Stigg's default).
    case delta = "DELTA"
    /// `value` is the new absolute usage.
    case set = "SET"
}

/// One record of `{"usages":[...]}`.
public struct UsageInput: Sendable, Equatable {
    public var customerId: String
    public var featureId: String
    public var value: Double
    public var updateBehavior: UpdateBehavior
    public var idempotencyKey: String?
    public var resourceId: String?
    /// As sent (RFC 3339); nil = the time the sidecar accepted it.
    public var createdAt: String?
    /// Passed through untouched; an object of strings, numbers and booleans.
    public var dimensions: JSONValue?

    public init(
        customerId: String, featureId: String, value: Double, updateBehavior: UpdateBehavior = .delta,
        idempotencyKey: String? = nil, resourceId: String? = nil, createdAt: String? = nil, dimensions: JSONValue? = nil
    ) {
        self.customerId = customerId
        self.featureId = featureId
        self.value = value
        self.updateBehavior = updateBehavior
        self.idempotencyKey = idempotencyKey
        self.resourceId = resourceId
        self.createdAt = createdAt
        self.dimensions = dimensions
    }

    public var stateKey: StateKey { StateKey(customerId: customerId, resourceId: resourceId) }
}

/// One event of `{"events":[...]}`.
public struct EventInput: Sendable, Equatable {
    public var customerId: String
    public var eventName: String
    public var idempotencyKey: String
    public var resourceId: String?
    /// As sent (RFC 3339); nil = the time the sidecar accepted it.
    public var timestamp: String?
    public var dimensions: JSONValue?

    public init(
        customerId: String, eventName: String, idempotencyKey: String, resourceId: String? = nil,
        timestamp: String? = nil, dimensions: JSONValue? = nil
    ) {
        self.customerId = customerId
        self.eventName = eventName
        self.idempotencyKey = idempotencyKey
        self.resourceId = resourceId
        self.timestamp = timestamp
        self.dimensions = dimensions
    }
}

/// Why a usage or events body was refused; `message` names the record and field, as
/// `usages[3].value must be a number`.
public struct UsageValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

extension UsageInput {
    /// The record as forwarded upstream: the idempotency key always present (generated when
    /// the client sent none) and `createdAt` fixed at intake, so a late delivery keeps the time
    /// the usage happened.
    public func forwardedBody(idempotencyKey: String, createdAt: String) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.raw(#"{"customerId":"#)
        writer.string(customerId)
        writer.raw(#","featureId":"#)
        writer.string(featureId)
        writer.raw(#","value":"#)
        writer.number(value)
        writer.raw(#","updateBehavior":"#)
        writer.string(updateBehavior.rawValue)
        writer.raw(#","idempotencyKey":"#)
        writer.string(idempotencyKey)
        writer.raw(#","createdAt":"#)
        writer.string(createdAt)
        writer.closeRecord(resourceId: resourceId, dimensions: dimensions)
        return writer.bytes
    }
}

extension EventInput {
    public func forwardedBody(timestamp: String) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.raw(#"{"customerId":"#)
        writer.string(customerId)
        writer.raw(#","eventName":"#)
        writer.string(eventName)
        writer.raw(#","idempotencyKey":"#)
        writer.string(idempotencyKey)
        writer.raw(#","timestamp":"#)
        writer.string(timestamp)
        writer.closeRecord(resourceId: resourceId, dimensions: dimensions)
        return writer.bytes
    }
}

extension JSONWriter {
    /// The optional tail both record kinds share, and the closing brace.
    mutating func closeRecord(resourceId: String?, dimensions: JSONValue?) {
        if let resourceId {
            raw(#","resourceId":"#)
            string(resourceId)
        }
        if let dimensions {
            raw(#","dimensions":"#)
            value(dimensions)
        }
        raw("}")
    }
}
