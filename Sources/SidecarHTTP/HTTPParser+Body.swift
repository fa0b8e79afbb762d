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

    /// chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1). Extensions are accepted and ignored.
    mutating func parseChunkSize() -> Step {
        switch nextLine(limit: 1024, tooLong: .invalidChunk("chunk-size line too long")) {
        case .failure(let error): return .fail(error)
        case .success(nil): return .needMore
        case .success(let line?):
            let bytes = buffer[line]
            let digits = bytes.prefix { HTTPParser.hexValue($0) != nil }
            guard !digits.isEmpty, digits.count <= 15 else { return .fail(.invalidChunk("bad chunk size")) }
            let rest = bytes[digits.endIndex...]
            if let first = rest.first, first != 0x3B && first != 0x20 && first != 0x09 {
                return .fail(.invalidChunk("bad chunk size"))
            }
            guard rest.allSatisfy(HTTPParser.isFieldValueByte) else {
                return .fail(.invalidChunk("invalid byte in chunk extension"))
            }
            let size = digits.reduce(0) { $0 * 16 + Int(HTTPParser.hexValue($1)!) }
            if size == 0 {
                state = .trailers
                return .continue
            }
            if body.count + size > limits.maxBodyBytes { return .fail(.bodyTooLarge) }
            state = .chunkData(remaining: size)
            return .continue
        }
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

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
