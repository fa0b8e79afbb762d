// Validation of usage and event bodies, as strict as Stigg's documented rules (STIGG-API.md
// §5): a whole request is refused at its first bad record, so nothing of it is stored, and
// the message names the record and the field.

/// The documented batch limits.
public enum UsageLimits {
    public static let usagesPerRequest = 100
    public static let eventsPerRequest = 1000
    /// Ids and keys, like the other ids of the API.
    public static let maxIdLength = 255
    /// "A value with a fractional part must have an absolute value below 2^35."
    public static let maxFractionalMagnitude = 34_359_738_368.0
    /// "Whole numbers are accepted up to ±9,007,199,254,740,991."
    public static let maxWholeMagnitude = 9_007_199_254_740_991.0
}

extension UsageInput {
    /// The records of a `POST /api/v1/usage` body.
    public static func parseBatch(_ body: [UInt8]) throws(UsageValidationError) -> [UsageInput] {
        let items = try BatchReader.items(body, key: "usages", limit: UsageLimits.usagesPerRequest)
        var inputs: [UsageInput] = []
        inputs.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let record = try BatchReader.Record(item, list: "usages", index: index)
            let behavior: UpdateBehavior
            switch try record.optionalString("updateBehavior", maxLength: 16) {
            case nil, "DELTA": behavior = .delta
            case "SET": behavior = .set
            default: throw record.error("updateBehavior", "must be DELTA or SET")
            }
            inputs.append(UsageInput(
                customerId: try record.id("customerId"), featureId: try record.id("featureId"),
                value: try record.usageValue("value"), updateBehavior: behavior,
                idempotencyKey: try record.optionalString("idempotencyKey"),
                resourceId: try record.optionalString("resourceId"),
                createdAt: try record.optionalTimestamp("createdAt"),
                dimensions: try record.dimensions()))
        }
        return inputs
    }
}

extension EventInput {
    /// The events of a `POST /api/v1/events` body.
    public static func parseBatch(_ body: [UInt8]) throws(UsageValidationError) -> [EventInput] {
        let items = try BatchReader.items(body, key: "events", limit: UsageLimits.eventsPerRequest)
        var events: [EventInput] = []
        events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let record = try BatchReader.Record(item, list: "events", index: index)
            events.append(EventInput(
                customerId: try record.id("customerId"), eventName: try record.id("eventName"),
                idempotencyKey: try record.id("idempotencyKey"),
                resourceId: try record.optionalString("resourceId"),
                timestamp: try record.optionalTimestamp("timestamp"),
                dimensions: try record.dimensions()))
        }
        return events
    }
}

/// Reads `{"<key>": [ {...}, ... ]}` and the typed fields of each element.
enum BatchReader {
    static func items(_ body: [UInt8], key: String, limit: Int) throws(UsageValidationError) -> [JSONValue] {
        if body.isEmpty { throw UsageValidationError("request body is empty: expected {\"\(key)\":[...]}") }
        let root: JSONValue
        do {
            root = try JSONParser.parse(body)
        } catch {
            throw UsageValidationError("request body is not valid JSON: \(error)")
        }
        guard case .object(let fields) = root else {
            throw UsageValidationError("request body must be a JSON object like {\"\(key)\":[...]}")
        }
        guard let value = fields[key] else { throw UsageValidationError("\(key) is required") }
        guard case .array(let items) = value else {
            throw UsageValidationError("\(key) must be an array, found \(value.typeName)")
        }
        guard (1...limit).contains(items.count) else {
            throw UsageValidationError("\(key) must hold 1 to \(limit) items, found \(items.count)")
        }
        return items
    }

    struct Record {
        let fields: [String: JSONValue]
        let list: StaticString
        let index: Int
        /// `usages[3]`: built only for an error message, not for every record.
        var path: String { "\(list)[\(index)]" }

        init(_ value: JSONValue, list: StaticString, index: Int) throws(UsageValidationError) {
            self.list = list
            self.index = index
            guard case .object(let fields) = value else {
                throw UsageValidationError("\(list)[\(index)] must be an object, found \(value.typeName)")
            }
            self.fields = fields
        }

        func error(_ field: String, _ why: String) -> UsageValidationError {
            UsageValidationError("\(path).\(field) \(why)")
        }

        /// A required id: a string of 1 to 255 characters.
        func id(_ field: String) throws(UsageValidationError) -> String {
            guard let value = try optionalString(field) else { throw error(field, "is required") }
            return value
        }

        /// Absent and null read as nil; anything else must be a non-empty string.
        func optionalString(_ field: String, maxLength: Int = UsageLimits.maxIdLength) throws(UsageValidationError) -> String? {
            switch fields[field] {
            case nil, .null?: return nil
            case .string(let value)?:
                // A character is at least one UTF-8 byte, so the grapheme count (a walk over the
                // whole string) is only needed when the byte count is over the limit.
                guard !value.isEmpty, value.utf8.count <= maxLength || value.count <= maxLength else {
                    throw error(field, "must be 1 to \(maxLength) characters")
                }
                return value
            case let other?: throw error(field, "must be a string, found \(other.typeName)")
            }
        }

        func optionalTimestamp(_ field: String) throws(UsageValidationError) -> String? {
            guard let text = try optionalString(field, maxLength: 64) else { return nil }
            guard Timestamp(text) != nil else {
                throw error(field, "must be an RFC 3339 date-time like 2026-11-21T02:00:00.000Z")
            }
            return text
        }

        /// `value`: finite, whole up to 2^53 − 1 or fractional below 2^35 (STIGG-API.md §5.1).
        func usageValue(_ field: String) throws(UsageValidationError) -> Double {
            guard let raw = fields[field], raw != .null else { throw error(field, "is required") }
            guard case .number(let value) = raw, value.isFinite else {
                throw error(field, "must be a number, found \(raw.typeName)")
            }
            if value.rounded() == value {
                guard value.magnitude <= UsageLimits.maxWholeMagnitude else {
                    throw error(field, "must be at most 9007199254740991 in magnitude")
                }
            } else if value.magnitude >= UsageLimits.maxFractionalMagnitude {
                throw error(field, "with a fractional part must be below 34359738368 in magnitude")
            }
            return value
        }

        /// An object whose values are strings, numbers or booleans.
        func dimensions() throws(UsageValidationError) -> JSONValue? {
            switch fields["dimensions"] {
            case nil, .null?: return nil
            case .object(let entries)?:
                for (name, value) in entries.sorted(by: { $0.key < $1.key }) {
                    switch value {
                    case .string, .number, .bool: continue
                    default: throw error("dimensions.\(name)", "must be a string, number or boolean, found \(value.typeName)")
                    }
                }
                return .object(entries)
            case let other?: throw error("dimensions", "must be an object, found \(other.typeName)")
            }
        }
    }
}
