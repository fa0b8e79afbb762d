// Finding where a value sits in the source text. The decoders work on the parsed tree and
// report a path; for files an operator edits by hand (the offline snapshot) we turn that path
// back into a line and column by walking the text once more. Only used on the error path.

extension JSONParser {
    /// Byte offset of the value at `path`, or nil if the text does not parse or has no such value.
    public static func offset(of path: [JSONPathComponent], in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            var cursor = JSONCursor(buffer: buffer)
            cursor.skipByteOrderMark()
            return try? cursor.locate(path[...])
        }
    }
}

extension JSONCursor {
    /// Every structural byte is checked before it is stepped over: the text may be the very one
    /// that failed to parse, and a cursor stepping past a missing `:` reads beyond the buffer.
    mutating func locate(_ path: ArraySlice<JSONPathComponent>) throws(JSONParseError) -> Int? {
        skipWhitespace()
        guard position < buffer.count else { return nil }
        guard let step = path.first else { return position }
        switch (step, buffer[position]) {
        case (.key(let wanted), UInt8(ascii: "{")):
            position += 1
            while true {
                skipWhitespace()
                guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else { return nil }
                let key = try parseString()
                skipWhitespace()
                guard position < buffer.count, buffer[position] == UInt8(ascii: ":") else { return nil }
                position += 1
                if key == wanted { return try locate(path.dropFirst()) }
                skipWhitespace()
                _ = try parseValue()
                skipWhitespace()
                guard position < buffer.count, buffer[position] == UInt8(ascii: ",") else { return nil }
                position += 1
            }
        case (.index(let wanted), UInt8(ascii: "[")):
            position += 1
            var index = 0
            while true {
                skipWhitespace()
                guard position < buffer.count, buffer[position] != UInt8(ascii: "]") else { return nil }
                if index == wanted { return try locate(path.dropFirst()) }
                _ = try parseValue()
                skipWhitespace()
                guard position < buffer.count, buffer[position] == UInt8(ascii: ",") else { return nil }
                position += 1
                index += 1
            }
        default:
            return nil
        }
    }
}
