// A strict RFC 8259 parser into `JSONValue`. Hand-written so that a failure carries the byte
// offset (and therefore line and column: the offline snapshot must name them, DESIGN.md §11)
// and so that booleans and numbers stay distinct (see JSONValue).

/// A syntax error with its position. `line` and `column` are 1-based; `column` counts
/// Unicode scalars, not bytes, so it matches what an editor shows.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var line: Int
    public var column: Int
    public var reason: String

    public var description: String { "line \(line), column \(column): \(reason)" }
}

public enum JSONParser {
    /// Deep enough for any real entitlement document, shallow enough that a hostile body
    /// cannot exhaust the stack through recursion.
    public static let maxDepth = 512

    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            var cursor = JSONCursor(buffer: buffer)
            return try cursor.parseDocument()
        }
    }

    /// `parse`, keeping in every object only the members named in `keys`; the others are
    /// checked for syntax and dropped without being built. For large answers of which a few
    /// fields are read (upstream's usage measurements: 11 fields, 4 used, 100 per batch).
    public static func parse(_ bytes: [UInt8], keeping keys: Set<String>) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            var cursor = JSONCursor(buffer: buffer)
            cursor.keeping = keys
            return try cursor.parseDocument()
        }
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Line and column (1-based, column in Unicode scalars) of a byte offset.
    public static func lineAndColumn(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        // An editor does not show the mark, so it takes no column.
        var index = hasByteOrderMark(bytes) ? 3 : 0
        let limit = min(offset, bytes.count)
        while index < limit {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {  // continuation bytes belong to the previous scalar
                column += 1
            }
            index += 1
        }
        return (line, column)
    }

    static func hasByteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    }

    public static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        bytes.withUnsafeBufferPointer { lineAndColumn(of: offset, in: $0) }
    }
}

struct JSONCursor {
    let buffer: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0
    /// Object members to build; nil builds all (see `JSONParser.parse(_:keeping:)`).
    var keeping: Set<String>?
    /// Members of the objects being parsed, innermost last. An object's members are
    /// collected here and its dictionary built once at `}` with the right capacity: filled
    /// one member at a time it doubled and rehashed every key three or four times (a tenth
    /// of an offline snapshot's import).
    private var members: [(key: String, value: JSONValue)] = []

    init(buffer: UnsafeBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        let at = offset ?? position
        let (line, column) = JSONParser.lineAndColumn(of: at, in: buffer)
        return JSONParseError(offset: at, line: line, column: column, reason: reason)
    }

    func unexpected() -> JSONParseError {
        guard position < buffer.count else { return error("unexpected end of input") }
        let byte = buffer[position]
        if byte >= 0x20 && byte < 0x7F {
            return error("unexpected character '\(Character(Unicode.Scalar(byte)))'")
        }
        return error("unexpected byte 0x\(String(byte, radix: 16, uppercase: true))")
    }

    /// Tolerates a UTF-8 byte order mark: files saved by some Windows editors start with one.
    mutating func skipByteOrderMark() {
        if position == 0 && JSONParser.hasByteOrderMark(buffer) { position = 3 }
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipByteOrderMark()
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard position == buffer.count else { throw error("unexpected content after the JSON value") }
        return value
    }

    mutating func skipWhitespace() {
        while position < buffer.count {
            switch buffer[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard position < buffer.count else { throw error("unexpected end of input") }
        switch buffer[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw unexpected()
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        let count = literal.utf8CodeUnitCount
        guard buffer.count - position >= count else { throw error("invalid literal (strings must be in double quotes)", at: start) }
        for index in 0..<count where buffer[position + index] != literal.utf8Start[index] {
            throw error("invalid literal (strings must be in double quotes)", at: start)
        }
        position += count
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > JSONParser.maxDepth { throw error("nesting deeper than \(JSONParser.maxDepth) levels") }
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        skipWhitespace()
        if position < buffer.count && buffer[position] == UInt8(ascii: "}") {
            position += 1
            return .object([:])
        }
        let first = members.count
        // A throw abandons the parse; the cursor is not used again.
        while true {
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else {
                throw position < buffer.count ? error("expected a string key in object") : unexpected()
            }
            let key = try parseString()
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: ":") else {
                throw position < buffer.count ? error("expected ':' after object key") : unexpected()
            }
            position += 1
            skipWhitespace()
            if let keeping, !keeping.contains(key) {
                try skipValue()
            } else {
                members.append((key, try parseValue()))
            }
            skipWhitespace()
            guard position < buffer.count else { throw unexpected() }
            switch buffer[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                var fields = [String: JSONValue](minimumCapacity: members.count - first)
                // Duplicate keys: the last one wins, as in most parsers.
                for index in first..<members.count { fields[members[index].key] = members[index].value }
                members.removeSubrange(first...)
                return .object(fields)
            default: throw error("expected ',' or '}' in object")
            }
        }
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < buffer.count && buffer[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard position < buffer.count else { throw unexpected() }
            switch buffer[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw error("expected ',' or ']' in array")
            }
        }
    }
}
