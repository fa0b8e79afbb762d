// Typed access to the fields of one JSON object, with the path kept for error messages.
// The policy lives here: absent and `null` both mean "no value" for optional fields (Stigg
// sends both), while a value of the wrong JSON type is always an error, so a malformed
// upstream body can never turn into a half-decoded state.

/// A field of the wrong type, a missing required field, or an unparseable date-time.
public struct EntitlementDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: [JSONPathComponent]
    public var reason: String

    public init(path: [JSONPathComponent], reason: String) {
        self.path = path
        self.reason = reason
    }

    public var renderedPath: String { renderJSONPath(path) }
    public var description: String { "\(renderedPath): \(reason)" }
}

public struct FieldReader {
    let fields: [String: JSONValue]
    let path: [JSONPathComponent]

    public init(_ value: JSONValue, at path: [JSONPathComponent]) throws(EntitlementDecodingError) {
        guard case .object(let fields) = value else {
            throw EntitlementDecodingError(path: path, reason: "expected object, found \(value.typeName)")
        }
        self.fields = fields
        self.path = path
    }

    public func path(_ key: String) -> [JSONPathComponent] { path + [.key(key)] }

    public func mismatch(_ key: String, expected: String, found: JSONValue) -> EntitlementDecodingError {
        EntitlementDecodingError(path: path(key), reason: "expected \(expected), found \(found.typeName)")
    }

    public func missing(_ key: String) -> EntitlementDecodingError {
        EntitlementDecodingError(path: path(key), reason: "missing required field")
    }

    /// The value, with `null` folded into "absent".
    public func present(_ key: String) -> JSONValue? {
        switch fields[key] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    public func string(_ key: String) throws(EntitlementDecodingError) -> String? {
        guard let value = present(key) else { return nil }
        guard case .string(let text) = value else { throw mismatch(key, expected: "string", found: value) }
        return text
    }

    public func number(_ key: String) throws(EntitlementDecodingError) -> Double? {
        guard let value = present(key) else { return nil }
        guard case .number(let number) = value else { throw mismatch(key, expected: "number", found: value) }
        return number
    }

    public func bool(_ key: String) throws(EntitlementDecodingError) -> Bool? {
        guard let value = present(key) else { return nil }
        guard case .bool(let flag) = value else { throw mismatch(key, expected: "boolean", found: value) }
        return flag
    }

    public func timestamp(_ key: String) throws(EntitlementDecodingError) -> Timestamp? {
        guard let text = try string(key) else { return nil }
        guard let timestamp = Timestamp(text) else {
            throw EntitlementDecodingError(path: path(key), reason: "expected an RFC 3339 date-time, found \"\(text)\"")
        }
        return timestamp
    }

    public func object(_ key: String) throws(EntitlementDecodingError) -> FieldReader? {
        guard let value = present(key) else { return nil }
        return try FieldReader(value, at: path(key))
    }

    public func array(_ key: String) throws(EntitlementDecodingError) -> [JSONValue]? {
        guard let value = present(key) else { return nil }
        guard case .array(let elements) = value else { throw mismatch(key, expected: "array", found: value) }
        return elements
    }

    public func required<T>(_ key: String, _ read: (String) throws(EntitlementDecodingError) -> T?) throws(EntitlementDecodingError) -> T {
        guard let value = try read(key) else { throw missing(key) }
        return value
    }

    /// Tri-state read for fields where absent and `null` are echoed differently.
    public func nullable<T>(_ key: String, _ read: (String) throws(EntitlementDecodingError) -> T?) throws(EntitlementDecodingError) -> Nullable<T> {
        switch fields[key] {
        case nil: return .absent
        case .null?: return .null
        case .some:
            guard let value = try read(key) else { return .null }
            return .present(value)
        }
    }

    public func stringMap(_ key: String) throws(EntitlementDecodingError) -> [String: String]? {
        guard let reader = try object(key) else { return nil }
        var map: [String: String] = [:]
        for (name, value) in reader.fields {
            guard case .string(let text) = value else { throw reader.mismatch(name, expected: "string", found: value) }
            map[name] = text
        }
        return map
    }
}
