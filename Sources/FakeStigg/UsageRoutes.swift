import Foundation
import SidecarModel
import SidecarHTTP

// POST /api/v1/usage and POST /api/v1/events (STIGG-API.md §5.1, §5.3). Validation is
// minimal but names the offending field, as `usages[3].value`, like a real 400 would.

extension SharedState {
    func reportUsage(_ request: HTTPRequest) -> HTTPResponse {
        let inputs: [UsageRecord]
        do throws(FakeError) {
            inputs = try BodyFields.items(request.body, key: "usages", limit: 100).enumerated().map { (index, fields) throws(FakeError) in
                try Self.usageRecord(fields, path: "usages[\(index)]")
            }
        } catch {
            return self.error(error)
        }
        return mutex.withLock { state in
            if let rejection = Self.unknownCustomer(inputs.map(\.customerId), key: "usages", in: state) {
                return rejection.response(state.configuration.errorShape)
            }
            var writer = JSONWriter(capacity: 256 * inputs.count + 16)
            writer.raw("{\"data\":[")
            for (index, var record) in inputs.enumerated() {
                if index > 0 { writer.raw(",") }
                // A repeated key answers with the first record again and changes nothing.
                if let earlier = state.ledger.deliverUsage(key: record.idempotencyKey) {
                    Self.writeMeasurement(earlier, into: &writer)
                    continue
                }
                let entitlement = state.store.applyUsage(
                    customerId: record.customerId, resourceId: record.resourceId, featureId: record.featureId,
                    value: record.value, set: record.updateBehavior == "SET")
                record.id = state.ledger.measurementId()
                record.currentUsage = entitlement?["currentUsage"]?.numberValue
                record.usagePeriodStart = entitlement?["usagePeriodStart"]?.stringValue
                record.usagePeriodEnd = entitlement?["usagePeriodEnd"]?.stringValue
                state.ledger.append(record)
                Self.writeMeasurement(record, into: &writer)
            }
            writer.raw("]}")
            // "Usage created." (§4.3): 201 is the likely code; any 2xx should do for a client.
            return .json(.created, writer.bytes)
        }
    }

    func reportEvents(_ request: HTTPRequest) -> HTTPResponse {
        let events: [EventRecord]
        do throws(FakeError) {
            events = try BodyFields.items(request.body, key: "events", limit: 1000).enumerated().map { (index, fields) throws(FakeError) in
                let path = "events[\(index)]"
                let dimensions = try BodyFields.object(fields, "dimensions", at: path) ?? .object([:])
                return EventRecord(
                    customerId: try BodyFields.requiredString(fields, "customerId", at: path),
                    eventName: try BodyFields.requiredString(fields, "eventName", at: path),
                    idempotencyKey: try BodyFields.requiredString(fields, "idempotencyKey", at: path),
                    resourceId: try BodyFields.string(fields, "resourceId", at: path),
                    timestamp: try BodyFields.string(fields, "timestamp", at: path),
                    dimensionsJSON: dimensions.jsonText)
            }
        } catch {
            return self.error(error)
        }
        return mutex.withLock { state in
            if let rejection = Self.unknownCustomer(events.map(\.customerId), key: "events", in: state) {
                return rejection.response(state.configuration.errorShape)
            }
            for event in events { _ = state.ledger.deliverEvent(event) }
            // The data value is unconfirmed (§9 item 5); `{}` is the documented guess.
            return .json(.ok, JSONValue.data(.object([:])).jsonBytes)
        }
    }

    private static func usageRecord(_ fields: [String: JSONValue], path: String) throws(FakeError) -> UsageRecord {
        guard case .number(let value)? = fields["value"], value.isFinite else {
            throw .badRequest("\(path).value must be a number")
        }
        let behavior = try BodyFields.string(fields, "updateBehavior", at: path) ?? "DELTA"
        guard behavior == "DELTA" || behavior == "SET" else {
            throw .badRequest("\(path).updateBehavior must be DELTA or SET")
        }
        _ = try BodyFields.object(fields, "dimensions", at: path)
        let createdAt = try BodyFields.string(fields, "createdAt", at: path)
        return UsageRecord(
            id: "", customerId: try BodyFields.requiredString(fields, "customerId", at: path),
            featureId: try BodyFields.requiredString(fields, "featureId", at: path),
            resourceId: try BodyFields.string(fields, "resourceId", at: path), value: value,
            updateBehavior: behavior, idempotencyKey: try BodyFields.string(fields, "idempotencyKey", at: path),
            createdAt: createdAt ?? Timestamp.formatRFC3339(Date()))
    }

    /// The 400 for the first record naming an unknown customer, when configured to reject.
    private static func unknownCustomer(_ ids: [String], key: String, in state: FakeState) -> FakeError? {
        guard state.configuration.rejectUnknownCustomersInUsage,
              let index = ids.firstIndex(where: { !state.store.contains($0) }) else { return nil }
        return .badRequest("\(key)[\(index)].customerId: customer \(ids[index]) not found")
    }

    /// `measurementJSON(record).jsonBytes` without building the tree: the same keys in the same
    /// order (`id`, then sorted). A usage answer writes one per record, on the core wrk measures
    /// from under `scripts/bench mixed`.
    static func writeMeasurement(_ record: UsageRecord, into writer: inout JSONWriter) {
        writer.raw("{\"id\":"); writer.string(record.id)
        writer.raw(",\"createdAt\":"); writer.string(record.createdAt)
        writer.raw(",\"currentUsage\":"); writer.number(record.currentUsage)
        writer.raw(",\"customerId\":"); writer.string(record.customerId)
        writer.raw(",\"featureId\":"); writer.string(record.featureId)
        writer.raw(",\"nextResetDate\":"); writer.string(record.usagePeriodEnd)
        writer.raw(",\"resourceId\":"); writer.string(record.resourceId)
        writer.raw(",\"timestamp\":"); writer.string(record.createdAt)
        writer.raw(",\"usagePeriodEnd\":"); writer.string(record.usagePeriodEnd)
        writer.raw(",\"usagePeriodStart\":"); writer.string(record.usagePeriodStart)
        writer.raw(",\"value\":"); writer.number(record.value)
        writer.raw("}")
    }

    /// One `UsageMeasurement` (§5.1).
    static func measurementJSON(_ record: UsageRecord) -> JSONValue {
        .object([
            "id": .string(record.id), "customerId": .string(record.customerId),
            "featureId": .string(record.featureId), "value": .number(record.value),
            "timestamp": .string(record.createdAt), "createdAt": .string(record.createdAt),
            "currentUsage": record.currentUsage.map(JSONValue.number) ?? .null,
            "usagePeriodStart": .optional(record.usagePeriodStart), "usagePeriodEnd": .optional(record.usagePeriodEnd),
            "nextResetDate": .optional(record.usagePeriodEnd), "resourceId": .optional(record.resourceId),
        ])
    }
}
