// Checking a value's syntax without building it, for members `JSONParser.parse(_:keeping:)`
// drops. Errors are the same as `parseValue`'s, at the same positions.

extension JSONCursor {
    mutating func skipValue() throws(JSONParseError) {
        guard position < buffer.count else { throw error("unexpected end of input") }
        switch buffer[position] {
        case UInt8(ascii: "{"): try skipContainer(closing: UInt8(ascii: "}"), keyed: true)
        case UInt8(ascii: "["): try skipContainer(closing: UInt8(ascii: "]"), keyed: false)
        case UInt8(ascii: "\""): try skipString()
        default: _ = try parseValue()  // a number or literal: nothing on the heap
        }
    }

    private mutating func skipContainer(closing: UInt8, keyed: Bool) throws(JSONParseError) {
        try enter()
        defer { depth -= 1 }
        position += 1
        skipWhitespace()
        if position < buffer.count && buffer[position] == closing {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            if keyed {
                guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else {
                    throw position < buffer.count ? error("expected a string key in object") : unexpected()
                }
                try skipString()
                skipWhitespace()
                guard position < buffer.count, buffer[position] == UInt8(ascii: ":") else {
                    throw position < buffer.count ? error("expected ':' after object key") : unexpected()
                }
                position += 1
                skipWhitespace()
            }
            try skipValue()
            skipWhitespace()
            guard position < buffer.count else { throw unexpected() }
            switch buffer[position] {
            case UInt8(ascii: ","): position += 1
            case closing: position += 1; return
            default: throw error(keyed ? "expected ',' or '}' in object" : "expected ',' or ']' in array")
            }
        }
    }

    /// A string with no escapes is only scanned; one with escapes goes through `parseString`,
    /// which checks them (rare in the answers this is for).
    private mutating func skipString() throws(JSONParseError) {
        let opening = position
        position += 1
        while position < buffer.count {
            let byte = buffer[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("unescaped control character in string") }
            position += 1
        }
        position = opening
        _ = try parseString()
    }
}
