import SidecarModel

// The fake keeps every state as a parsed `JSONValue` tree rather than as model types: a test
// can hand over exactly the JSON it wants (unknown fields, explicit nulls, odd values) and the
// fake can still change `currentUsage` when usage arrives. These helpers read and write trees.

extension JSONValue {
    /// Compact JSON. Keys come out in a fixed order (a few Stigg-leading keys, then sorted) so
    /// the same state always gives the same bytes; Dictionary order changes per process.
    var jsonBytes: [UInt8] {
        var writer = JSONWriter(capacity: 256)
        write(into: &writer)
        return writer.bytes
    }

    var jsonText: String { String(decoding: jsonBytes, as: UTF8.self) }

    func write(into writer: inout JSONWriter) {
        switch self {
        case .null: writer.null()
        case .bool(let value): writer.bool(value)
        case .number(let value): writer.number(value)
        case .string(let value): writer.string(value)
        case .array(let items):
            writer.raw("[")
            for (index, item) in items.enumerated() {
                if index > 0 { writer.raw(",") }
                item.write(into: &writer)
            }
            writer.raw("]")
        case .object(let fields):
            writer.raw("{")
            // Ranked once per key, not once per comparison: usage answers are written 2,000
            // times a second under `scripts/bench mixed`, on the core wrk measures from.
            let ordered = fields.map { (rank: JSONValue.rank(of: $0.key), key: $0.key, value: $0.value) }
                .sorted { $0.rank != $1.rank ? $0.rank < $1.rank : $0.key < $1.key }
            for (index, field) in ordered.enumerated() {
                if index > 0 { writer.raw(",") }
                writer.string(field.key)
                writer.raw(":")
                field.value.write(into: &writer)
            }
            writer.raw("}")
        }
    }

    private static let leadingKeys = ["type", "isGranted", "accessDeniedReason", "id", "data"]

    private static func rank(of key: String) -> Int {
        leadingKeys.firstIndex(of: key) ?? leadingKeys.count
    }

    var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    var numberValue: Double? { if case .number(let value) = self { value } else { nil } }
    var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    var arrayValue: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
    var objectValue: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }

    /// Sets a key on an object; a no-op on anything else.
    mutating func set(_ key: String, _ value: JSONValue) {
        guard case .object(var fields) = self else { return }
        // Let go of our own reference first, so `fields` is the only one and changes in place
        // instead of being copied.
        self = .null
        fields[key] = value
        self = .object(fields)
    }

    /// Accepts a whole entitlements response (`{"data": state}`), a bare state, or a bare
    /// list of entitlements, and returns the state object: tests can paste whichever they have.
    static func entitlementsState(from value: JSONValue) -> JSONValue? {
        switch value {
        case .array:
            return .object(["accessDeniedReason": .null, "entitlements": value])
        case .object(let fields):
            if fields["entitlements"] == nil, let data = fields["data"] {
                return entitlementsState(from: data)
            }
            return fields["entitlements"] == nil ? nil : value
        default:
            return nil
        }
    }
}

extension JSONValue {
    /// `{"data": value}`, the envelope of every Stigg success body.
    static func data(_ value: JSONValue) -> JSONValue { .object(["data": value]) }

    /// A string, or `null` when there is none.
    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
}
