import SidecarModel

/// Minimal request-body validation for usage and events: the fields a sidecar sends, checked
/// for presence and JSON type, with the failing field's path in the 400 message.
enum BodyFields {
    /// The objects in `body[key]`, which must be an array of 1...`limit` objects.
    static func items(_ body: [UInt8], key: String, limit: Int) throws(FakeError) -> [[String: JSONValue]] {
        let root: JSONValue
        do {
            root = try JSONParser.parse(body)
        } catch {
            throw .badRequest("body is not valid JSON: \(error)")
        }
        guard case .array(let items)? = root[key] else { throw .badRequest("\(key) must be an array") }
        guard (1...limit).contains(items.count) else {
            throw .badRequest("\(key) must hold 1 to \(limit) items, not \(items.count)")
        }
        var result: [[String: JSONValue]] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item else { throw .badRequest("\(key)[\(index)] must be an object") }
            result.append(fields)
        }
        return result
    }

    /// An optional string: absent or null gives nil; anything but a non-empty string is a 400.
    static func string(_ fields: [String: JSONValue], _ name: String, at path: String) throws(FakeError) -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        case .string(let value)? where !value.isEmpty: return value
        default: throw .badRequest("\(path).\(name) must be a non-empty string")
        }
    }

    static func requiredString(_ fields: [String: JSONValue], _ name: String, at path: String) throws(FakeError) -> String {
        guard let value = try string(fields, name, at: path) else { throw .badRequest("\(path).\(name) is required") }
        return value
    }

    /// An optional object (such as `dimensions`): absent or null gives nil.
    static func object(_ fields: [String: JSONValue], _ name: String, at path: String) throws(FakeError) -> JSONValue? {
        switch fields[name] {
        case nil, .null?: return nil
        case .object(let value)?: return .object(value)
        default: throw .badRequest("\(path).\(name) must be an object")
        }
    }
}
