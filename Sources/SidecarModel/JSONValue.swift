// A parsed JSON document. We parse into our own tree instead of JSONSerialization because
// on Linux JSONSerialization hands back NSNumber for both booleans and numbers, and the model
// decoder must tell `true` from `1` to reject wrongly typed fields.

public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON type name, as used in error messages ("expected number, found string").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }
}

/// One step of a path into a JSON document, for error messages and for locating a value.
public enum JSONPathComponent: Sendable, Hashable, CustomStringConvertible {
    case key(String)
    case index(Int)

    public var description: String {
        switch self {
        case .key(let key): key
        case .index(let index): "[\(index)]"
        }
    }
}

/// Renders `[.key("data"), .key("entitlements"), .index(2), .key("usageLimit")]` as
/// `data.entitlements[2].usageLimit`, the form operators see in logs.
public func renderJSONPath(_ path: [JSONPathComponent]) -> String {
    var out = ""
    for component in path {
        switch component {
        case .key(let key):
            if !out.isEmpty { out.append(".") }
            out.append(key)
        case .index(let index):
            out.append("[\(index)]")
        }
    }
    return out.isEmpty ? "(root)" : out
}
