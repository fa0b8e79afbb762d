// Parsing a large document one array element at a time: the offline snapshot of 100,000
// customers is 71 MiB of JSON, and its whole tree would need several hundred MiB at once.

extension JSONParser {
    /// What `forEachElement` found.
    public enum StreamOutcome: Sendable, Equatable {
        /// Every element of the array under the key was handed over, and the rest parsed.
        case streamed(count: Int)
        /// The document is not an object with exactly one array under the key; elements may
        /// have been handed over already. Parse it whole to say what is wrong.
        case notStreamable
    }

    /// Parses `bytes`, a JSON object, handing each element of the array under `key` to `body`
    /// (with its index) as soon as it is parsed; the other members are parsed and dropped.
    /// Syntax errors anywhere throw `JSONParseError` with the line and column in `bytes`.
    public static func forEachElement(
        ofArray key: String, in bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, JSONValue) throws -> Void
    ) throws -> StreamOutcome {
        var cursor = JSONCursor(buffer: bytes)
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { cursor.position = 3 }
        cursor.skipWhitespace()
        guard cursor.position < bytes.count, bytes[cursor.position] == UInt8(ascii: "{") else { return .notStreamable }
        try cursor.enter()
        cursor.position += 1
        var count: Int?
        cursor.skipWhitespace()
        if cursor.position < bytes.count && bytes[cursor.position] == UInt8(ascii: "}") { return .notStreamable }
        members: while true {
            cursor.skipWhitespace()
            guard cursor.position < bytes.count, bytes[cursor.position] == UInt8(ascii: "\"") else {
                throw cursor.position < bytes.count ? cursor.error("expected a string key in object") : cursor.unexpected()
            }
            let name = try cursor.parseString()
            cursor.skipWhitespace()
            guard cursor.position < bytes.count, bytes[cursor.position] == UInt8(ascii: ":") else {
                throw cursor.position < bytes.count ? cursor.error("expected ':' after object key") : cursor.unexpected()
            }
            cursor.position += 1
            cursor.skipWhitespace()
            if name == key {
                guard count == nil, cursor.position < bytes.count, bytes[cursor.position] == UInt8(ascii: "[") else { return .notStreamable }
                count = try cursor.streamArray(body)
            } else {
                _ = try cursor.parseValue()
            }
            cursor.skipWhitespace()
            guard cursor.position < bytes.count else { throw cursor.unexpected() }
            switch bytes[cursor.position] {
            case UInt8(ascii: ","): cursor.position += 1
            case UInt8(ascii: "}"): cursor.position += 1; break members
            default: throw cursor.error("expected ',' or '}' in object")
            }
        }
        cursor.skipWhitespace()
        guard cursor.position == bytes.count else { throw cursor.error("unexpected content after the JSON value") }
        return count.map { .streamed(count: $0) } ?? .notStreamable
    }
}

extension JSONCursor {
    /// `parseArray`, handing each element over instead of keeping it.
    mutating func streamArray(_ body: (Int, JSONValue) throws -> Void) throws -> Int {
        try enter()
        defer { depth -= 1 }
        position += 1
        skipWhitespace()
        if position < buffer.count && buffer[position] == UInt8(ascii: "]") {
            position += 1
            return 0
        }
        var index = 0
        while true {
            skipWhitespace()
            try body(index, try parseValue())
            index += 1
            skipWhitespace()
            guard position < buffer.count else { throw unexpected() }
            switch buffer[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return index
            default: throw error("expected ',' or ']' in array")
            }
        }
    }
}
