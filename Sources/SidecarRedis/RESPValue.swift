/// One RESP2 reply. RESP2 has two nulls (`$-1` and `*-1`); callers never need to tell them
/// apart, so both parse to `.null`, which encodes as `$-1`.
public enum RESPValue: Sendable, Hashable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    case bulkString([UInt8])
    case null
    case array([RESPValue])
}

extension RESPValue {
    /// The text of a simple or bulk string (bulk bytes decoded as UTF-8, invalid bytes replaced).
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The bytes of a bulk or simple string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let text): Array(text.utf8)
        default: nil
        }
    }

    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var array: [RESPValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// The wire form; the client only sends commands, but tests and fake servers reply with this.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    public func encode(into out: inout [UInt8]) {
        switch self {
        case .simpleString(let text): RESP.appendLine(UInt8(ascii: "+"), text.utf8, to: &out)
        case .error(let text): RESP.appendLine(UInt8(ascii: "-"), text.utf8, to: &out)
        case .integer(let value): RESP.appendLine(UInt8(ascii: ":"), String(value).utf8, to: &out)
        case .null: out.append(contentsOf: RESP.nullBulk)
        case .bulkString(let bytes): RESP.appendBulk(bytes, to: &out)
        case .array(let values):
            RESP.appendLine(UInt8(ascii: "*"), String(values.count).utf8, to: &out)
            for value in values { value.encode(into: &out) }
        }
    }
}

enum RESP {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let nullBulk: [UInt8] = Array("$-1\r\n".utf8)

    static func appendLine(_ type: UInt8, _ text: some Sequence<UInt8>, to out: inout [UInt8]) {
        out.append(type)
        out.append(contentsOf: text)
        out.append(cr)
        out.append(lf)
    }

    static func appendBulk(_ bytes: some Collection<UInt8>, to out: inout [UInt8]) {
        appendLine(UInt8(ascii: "$"), String(bytes.count).utf8, to: &out)
        out.append(contentsOf: bytes)
        out.append(cr)
        out.append(lf)
    }
}
