/// The field lines of the head, and the framing decided from them (RFC 9112 §5, §6).
extension HTTPParser {
    mutating func parseHeaderLine(trailer: Bool) -> Step {
        // A field line counts with its CRLF, so the line itself gets the room less two.
        let room = limits.maxHeaderBytes - headerBytes
        switch nextLine(limit: max(room - 2, 0), tooLong: .headersTooLarge) {
        case .failure(let error): return .fail(error)
        case .success(nil): return .needMore
        case .success(let line?):
            headerBytes += line.count + 2
            if line.isEmpty {
                return trailer ? .complete : headersComplete()
            }
            let first = !trailer && fieldCount == 0
            let checked = buffer.withUnsafeBufferPointer { raw in
                // `line` was found inside the buffer by `nextLine`, so the rebased view is in bounds.
                HTTPParser.fieldLineError(UnsafeBufferPointer(rebasing: raw[line]), first: first)
            }
            if let error = checked { return .fail(error) }
            fieldCount += 1
            if fieldCount > limits.maxHeaderCount { return .fail(.tooManyHeaders) }
            // Nothing is kept per field: the head's bytes are read again when it is complete, and
            // trailer fields only count toward the limits.
            return .continue
        }
    }

    /// Why a field line is invalid (RFC 9112 §5), or nil. `first`: no field came before it.
    static func fieldLineError(_ bytes: UnsafeBufferPointer<UInt8>, first: Bool) -> HTTPParseError? {
        if bytes[0] == 0x20 || bytes[0] == 0x09 {
            // RFC 9112 §2.2 and §5.2: both are rejected rather than guessed at.
            return .invalidHeader(first ? "whitespace before the first header field" : "obsolete line folding")
        }
        var colon = 0
        while colon < bytes.count && bytes[colon] != 0x3A { colon += 1 }
        guard colon < bytes.count else { return .invalidHeader("missing colon") }
        guard colon > 0, bytes[..<colon].allSatisfy(isTokenByte) else { return .invalidHeader("invalid field name") }
        guard bytes[(colon + 1)...].allSatisfy(isFieldValueByte) else {
            // Surrounding SP and HTAB are field-value bytes, so trimming first would not change this.
            return .invalidHeader("invalid byte in the value of \(String(decoding: bytes[..<colon], as: UTF8.self))")
        }
        return nil
    }

    /// What the framing needs from the complete header section, read in one pass over its lines.
    /// Plain values only, so making and passing it costs no reference counting; the values of
    /// `Transfer-Encoding`, rare on this server, are collected by `transferEncodings()`.
    private struct FramingFields {
        var hostCount = 0
        var host: Range<Int>?
        var encodingCount = 0
        var lengthCount = 0
        var length: Range<Int>?
        var expectsContinue = false
        var connection = HTTPRequest.ConnectionTokens()
    }

    private func framingFields() -> FramingFields {
        var found = FramingFields()
        // A local: a closure reading `self.buffer` would copy the whole parser.
        let buffer = buffer
        HTTPRequest.forEachField(in: buffer, from: head.start + head.fieldsStart) { name, value in
            let name = buffer[name]
            if HTTPParser.nameIs(name, "host") {
                found.hostCount += 1
                if found.host == nil { found.host = value }
            } else if HTTPParser.nameIs(name, "transfer-encoding") {
                found.encodingCount += 1
            } else if HTTPParser.nameIs(name, "content-length") {
                found.lengthCount += 1
                if found.length == nil { found.length = value }
            } else if HTTPParser.nameIs(name, "connection") {
                found.connection.note(buffer[value])
            } else if HTTPParser.nameIs(name, "expect") {
                let token: StaticString = "100-continue"
                if HTTPRequest.list(buffer[value], contains: UnsafeBufferPointer(start: token.utf8Start, count: token.utf8CodeUnitCount)) {
                    found.expectsContinue = true
                }
            }
            return true
        }
        return found
    }

    /// The values of the `Transfer-Encoding` fields, in order.
    private func transferEncodings() -> [String] {
        var values: [String] = []
        let buffer = buffer
        HTTPRequest.forEachField(in: buffer, from: head.start + head.fieldsStart) { name, value in
            if HTTPParser.nameIs(buffer[name], "transfer-encoding") { values.append(String(decoding: buffer[value], as: UTF8.self)) }
            return true
        }
        return values
    }

    static func nameIs(_ name: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        name.count == lowercase.utf8CodeUnitCount
            && HTTPRequest.equalsIgnoringCase(name, UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount))
    }

    /// Checks `Host` and decides the body framing from the complete header section (RFC 9112
    /// §3.2, §6).
    private mutating func headersComplete() -> Step {
        let fields = framingFields()
        if fields.hostCount > 1 { return .fail(.duplicateHost) }
        if fields.hostCount == 0 && head.version == .http11 { return .fail(.missingHost) }
        if let host = fields.host, !HTTPParser.isValidHost(buffer[host], allowEmpty: true) { return .fail(.invalidHost) }

        let connection = fields.connection
        let expectsContinue = fields.expectsContinue
        if fields.encodingCount > 0 {
            // HTTP/1.0 has no chunked coding; a 1.0 message with it cannot be framed safely.
            if head.version == .http10 { return .fail(.invalidHeader("Transfer-Encoding in an HTTP/1.0 request")) }
            if fields.lengthCount > 0 { return .fail(.contentLengthWithTransferEncoding) }
            if let error = HTTPParser.transferCodingError(transferEncodings()) { return .fail(error) }
            keepHead(connection)
            noteExpectContinue(expectsContinue)
            state = .chunkSize
            return .continue
        }
        guard let lengthValue = fields.length else {
            keepHead(connection)
            return .complete
        }
        // One field with one value: a list, even of equal values (which RFC 9110 §8.6 would
        // let us fold), is refused, since two parsers that fold differently is how requests
        // are smuggled.
        guard fields.lengthCount == 1, let length = HTTPParser.parseContentLength(buffer[lengthValue]) else {
            return .fail(.invalidContentLength)
        }
        if length > limits.maxBodyBytes { return .fail(.bodyTooLarge) }
        keepHead(connection)
        if length == 0 { return .complete }
        noteExpectContinue(expectsContinue)
        body.reserveCapacity(length)
        state = .body(remaining: length)
        return .continue
    }

    /// Copies the head out of the buffer (without the empty line that ends it), before body
    /// bytes may compact it away.
    private mutating func keepHead(_ connection: HTTPRequest.ConnectionTokens) {
        let start = head.start, count = readIndex - 2 - head.start
        head.bytes = buffer.withUnsafeBufferPointer { source in
            // `start..<start + count` lies in the buffer: it ends before the empty line just read.
            Array(UnsafeBufferPointer(rebasing: source[start..<(start + count)]))
        }
        head.connection = connection
    }

    /// transfer-coding list (RFC 9112 §6.1): chunked must be last and appear once, else 400;
    /// any other coding before it is one we do not implement, 501. Empty list elements are
    /// skipped (RFC 9110 §5.6.1).
    static func transferCodingError(_ values: [String]) -> HTTPParseError? {
        var codings: [Substring] = []
        for value in values {
            for element in value.split(separator: ",", omittingEmptySubsequences: false) {
                let coding = element.trimmingASCIISpaces()
                if !coding.isEmpty { codings.append(coding) }
            }
        }
        guard let last = codings.last else { return .invalidHeader("empty Transfer-Encoding") }
        for coding in codings {
            let name = coding.utf8.prefix { $0 != UInt8(ascii: ";") }
            guard !name.isEmpty, name.allSatisfy(isTokenByte) else { return .invalidHeader("invalid transfer coding") }
        }
        guard last.equalsIgnoringASCIICase("chunked") else {
            return .invalidHeader("Transfer-Encoding: chunked must be the final coding")
        }
        let others = codings.dropLast()
        if others.contains(where: { $0.equalsIgnoringASCIICase("chunked") }) {
            return .invalidHeader("Transfer-Encoding: chunked applied more than once")
        }
        return others.isEmpty ? nil : .unsupportedTransferEncoding
    }

    private mutating func noteExpectContinue(_ expectsContinue: Bool) {
        if head.version == .http11, expectsContinue, readIndex == buffer.count {
            pendingContinue = true
        }
    }

    /// Content-Length = 1*DIGIT; nil when it is not that or does not fit an Int.
    static func parseContentLength(_ value: ArraySlice<UInt8>) -> Int? {
        guard !value.isEmpty else { return nil }
        var length = 0
        for byte in value {
            guard isDigit(byte) else { return nil }
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - 0x30))
            if overflow1 || overflow2 { return nil }
            length = sum
        }
        return length
    }
}
