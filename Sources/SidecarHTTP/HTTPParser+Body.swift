extension HTTPParser {
    /// Moves up to `remaining` buffered bytes into the body; returns how many (0: none buffered).
    private mutating func takeBodyBytes(upTo remaining: Int) -> Int {
        let take = min(buffer.count - readIndex, remaining)
        guard take > 0 else { return 0 }
        body.append(contentsOf: buffer[readIndex..<(readIndex + take)])
        readIndex += take
        scanIndex = readIndex
        return take
    }

    mutating func parseBody(remaining: Int) -> Step {
        let take = takeBodyBytes(upTo: remaining)
        guard take > 0 else { return .needMore }
        if take == remaining { return .complete }
        state = .body(remaining: remaining - take)
        compact()
        return .needMore
    }

    /// chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1). Extensions are checked and ignored.
    mutating func parseChunkSize() -> Step {
        switch nextLine(limit: 1024, tooLong: .invalidChunk("chunk-size line too long")) {
        case .failure(let error): return .fail(error)
        case .success(nil): return .needMore
        case .success(let line?):
            let size: Int
            switch HTTPParser.chunkSize(buffer[line]) {
            case .failure(let error): return .fail(error)
            case .success(let value): size = value
            }
            if size == 0 {
                state = .trailers
                return .continue
            }
            if body.count + size > limits.maxBodyBytes { return .fail(.bodyTooLarge) }
            state = .chunkData(remaining: size)
            return .continue
        }
    }

    /// chunk-size = 1*HEXDIG, then any number of `;name[=value]` extensions (name a token,
    /// value a token or quoted-string); whitespace is allowed only before a `;` (DESIGN.md §11,
    /// stricter than RFC 9112's BWS, which no sender may generate anyway).
    static func chunkSize(_ line: ArraySlice<UInt8>) -> Result<Int, HTTPParseError> {
        var index = line.startIndex
        var size = 0
        var significant = 0
        while index < line.endIndex, let digit = hexValue(line[index]) {
            if size > 0 || digit > 0 { significant += 1 }
            // 15 hex digits is far above any body limit and cannot overflow an Int.
            if significant > 15 { return .failure(.invalidChunk("bad chunk size")) }
            size = size * 16 + Int(digit)
            index += 1
        }
        guard index > line.startIndex else { return .failure(.invalidChunk("bad chunk size")) }
        while index < line.endIndex {
            while index < line.endIndex, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
            guard index < line.endIndex, line[index] == UInt8(ascii: ";") else {
                return .failure(.invalidChunk("bad chunk extension"))
            }
            index += 1
            let nameStart = index
            while index < line.endIndex, isTokenByte(line[index]) { index += 1 }
            guard index > nameStart else { return .failure(.invalidChunk("bad chunk extension")) }
            guard index < line.endIndex, line[index] == UInt8(ascii: "=") else { continue }
            index += 1
            guard let end = extensionValueEnd(line, from: index) else {
                return .failure(.invalidChunk("bad chunk extension"))
            }
            index = end
        }
        return .success(size)
    }

    /// Where a token or quoted-string starting at `start` ends; nil when there is none.
    private static func extensionValueEnd(_ line: ArraySlice<UInt8>, from start: Int) -> Int? {
        var index = start
        guard index < line.endIndex else { return nil }
        if line[index] != 0x22 {
            while index < line.endIndex, isTokenByte(line[index]) { index += 1 }
            return index > start ? index : nil
        }
        // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4)
        index += 1
        while index < line.endIndex {
            let byte = line[index]
            if byte == 0x22 { return index + 1 }
            if byte == 0x5C {
                index += 1
                guard index < line.endIndex, isFieldValueByte(line[index]) else { return nil }
            } else if !isFieldValueByte(byte) {
                return nil
            }
            index += 1
        }
        return nil
    }

    mutating func parseChunkData(remaining: Int) -> Step {
        let take = takeBodyBytes(upTo: remaining)
        guard take > 0 else { return .needMore }
        state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
        return .continue
    }

    mutating func parseChunkDataEnd() -> Step {
        guard buffer.count - readIndex >= 2 else { return .needMore }
        guard buffer[readIndex] == 0x0D, buffer[readIndex + 1] == 0x0A else {
            return .fail(.invalidChunk("chunk data not followed by CRLF"))
        }
        readIndex += 2
        scanIndex = readIndex
        state = .chunkSize
        compact()
        return .continue
    }
}
