// Finding where a value sits in the source text. The decoders work on the parsed tree and
// report a path; for files an operator edits by hand (the offline snapshot) we turn that path
// back into a line and column by walking the text once more. Only used on the error path.

extension JSONParser {
    /// Byte offset of the value at `path`, or nil if the text does not parse or has no such value.
    public static func offset(of path: [JSONPathComponent], in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            var cursor = JSONCursor(buffer: buffer)
            return try? cursor.locate(path[...])
        }
    }
}

extension JSONCursor {
    mutating func locate(_ path: ArraySlice<JSONPathComponent>) throws(JSONParseError) -> Int? {
        skipWhitespace()
        guard let step = path.first else { return position }
        guard position < buffer.count else { return nil }
        switch (step, buffer[position]) {
        case (.key(let wanted), UInt8(ascii: "{")):
            position += 1
            skipWhitespace()
            if position < buffer.count && buffer[position] == UInt8(ascii: "}") { return nil }
            while position < buffer.count {
                skipWhitespace()
                let key = try parseString()
                skipWhitespace()
                position += 1  // ':'
                skipWhitespace()
                if key == wanted { return try locate(path.dropFirst()) }
                _ = try parseValue()
                skipWhitespace()
                guard position < buffer.count, buffer[position] == UInt8(ascii: ",") else { return nil }
                position += 1
            }
            return nil
        case (.index(let wanted), UInt8(ascii: "[")):
            position += 1
            var index = 0
            while position < buffer.count {
                skipWhitespace()
                if buffer[position] == UInt8(ascii: "]") { return nil }
                if index == wanted { return try locate(path.dropFirst()) }
                _ = try parseValue()
                skipWhitespace()
                guard position < buffer.count, buffer[position] == UInt8(ascii: ",") else { return nil }
                position += 1
                index += 1
            }
            return nil
        default:
            return nil
        }
    }
}
