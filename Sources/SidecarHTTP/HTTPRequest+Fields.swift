/// Header fields read from the request's head bytes, as Strings only when asked for.
extension HTTPRequest {
    /// The header fields in arrival order, made into Strings (for a caller that wants them all).
    public var headers: HTTPHeaders {
        var fields: [(name: String, value: String)] = []
        HTTPRequest.forEachField(in: head, from: fieldsStart) { name, value in
            fields.append((String(decoding: head[name], as: UTF8.self), String(decoding: head[value], as: UTF8.self)))
            return true
        }
        return HTTPHeaders(fields)
    }

    /// The first value of the field `name` (compared case-insensitively), without making
    /// Strings of the others.
    public func header(_ name: String) -> String? {
        var found: Range<Int>?
        var name = name
        name.withUTF8 { wanted in
            HTTPRequest.forEachField(in: head, from: fieldsStart) { nameRange, value in
                guard HTTPRequest.equalsIgnoringCase(head[nameRange], wanted) else { return true }
                found = value
                return false
            }
        }
        return found.map { String(decoding: head[$0], as: UTF8.self) }
    }

    /// Calls `body` with the name and the value (without surrounding whitespace) of each field
    /// line from `start` to the end of `bytes` or its first empty line, until it returns false.
    /// The lines were validated by the parser (or written by `init`): each ends in CRLF.
    static func forEachField(in array: [UInt8], from start: Int, _ body: (Range<Int>, Range<Int>) -> Bool) {
        array.withUnsafeBufferPointer { bytes in
            // Every index read below is checked against `end`, the buffer's count.
            var index = start
            let end = bytes.count
            while index < end {
                var lineEnd = index
                while lineEnd < end && bytes[lineEnd] != 0x0D && bytes[lineEnd] != 0x0A { lineEnd += 1 }
                if lineEnd == index { return }
                var colon = index
                while colon < lineEnd && bytes[colon] != UInt8(ascii: ":") { colon += 1 }
                var valueStart = min(colon + 1, lineEnd)
                var valueEnd = lineEnd
                while valueStart < valueEnd && (bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09) { valueStart += 1 }
                while valueEnd > valueStart && (bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09) { valueEnd -= 1 }
                if !body(index..<colon, valueStart..<valueEnd) { return }
                index = lineEnd
                if index < end && bytes[index] == 0x0D { index += 1 }
                if index < end && bytes[index] == 0x0A { index += 1 }
            }
        }
    }

    static func equalsIgnoringCase(_ a: ArraySlice<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var i = a.startIndex
        for y in b {
            let x = a[i]
            guard x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A) else { return false }
            i += 1
        }
        return true
    }

    /// Whether the comma-separated `list` has an element equal to `token` once spaces and tabs
    /// around it are dropped (empty elements are skipped).
    static func list(_ list: ArraySlice<UInt8>, contains token: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = list.startIndex
        while start <= list.endIndex {
            let comma = list[start...].firstIndex(of: UInt8(ascii: ",")) ?? list.endIndex
            var a = start, b = comma
            while a < b && (list[a] == 0x20 || list[a] == 0x09) { a += 1 }
            while b > a && (list[b - 1] == 0x20 || list[b - 1] == 0x09) { b -= 1 }
            if a < b && equalsIgnoringCase(list[a..<b], token) { return true }
            start = comma + 1
        }
        return false
    }
}
