extension HTTPParser {
    mutating func parseRequestLine() -> Step {
        switch nextLine(limit: limits.maxRequestLineBytes, tooLong: .requestLineTooLong) {
        case .failure(let error): return .fail(error)
        case .success(nil): return .needMore
        case .success(let line?):
            // RFC 9112 §2.2: empty lines before a request line are ignored.
            if line.isEmpty {
                compact()
                return .continue
            }
            if let error = parseRequestLine(buffer[line]) { return .fail(error) }
            state = .headers
            return .continue
        }
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), one SP each.
    private mutating func parseRequestLine(_ line: ArraySlice<UInt8>) -> HTTPParseError? {
        guard let firstSpace = line.firstIndex(of: 0x20),
              let secondSpace = line[(firstSpace + 1)...].firstIndex(of: 0x20),
              !line[(secondSpace + 1)...].contains(0x20) else {
            return .malformedRequestLine("expected method, target and version")
        }
        let method = line[..<firstSpace]
        let target = line[(firstSpace + 1)..<secondSpace]
        let version = line[(secondSpace + 1)...]
        guard !method.isEmpty, method.allSatisfy(HTTPParser.isTokenByte) else {
            return .malformedRequestLine("invalid method")
        }
        // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
        let v = version.startIndex
        guard version.count == 8, version.starts(with: "HTTP/".utf8),
              HTTPParser.isDigit(version[v + 5]), version[v + 6] == UInt8(ascii: "."), HTTPParser.isDigit(version[v + 7]) else {
            return .malformedRequestLine("invalid HTTP version")
        }
        switch (version[v + 5], version[v + 7]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "0")): head.version = .http10
        // A later 1.x is answered as 1.1, the highest minor version we implement (RFC 9110 §6.2).
        case (UInt8(ascii: "1"), _): head.version = .http11
        default: return .unsupportedVersion
        }
        if let why = HTTPParser.targetError(target, method: method) { return .malformedRequestLine(why) }
        head.method = String(decoding: method, as: UTF8.self)
        head.target = String(decoding: target, as: UTF8.self)
        return nil
    }

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
            let bytes = buffer[line]
            if bytes.first == 0x20 || bytes.first == 0x09 {
                // RFC 9112 §2.2 and §5.2: both are rejected rather than guessed at.
                let first = !trailer && head.headers.count == 0
                return .fail(.invalidHeader(first ? "whitespace before the first header field" : "obsolete line folding"))
            }
            guard let colon = bytes.firstIndex(of: 0x3A) else {
                return .fail(.invalidHeader("missing colon"))
            }
            let name = bytes[bytes.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(HTTPParser.isTokenByte) else {
                return .fail(.invalidHeader("invalid field name"))
            }
            var value = bytes[(colon + 1)...]
            while let f = value.first, f == 0x20 || f == 0x09 { value = value.dropFirst() }
            while let l = value.last, l == 0x20 || l == 0x09 { value = value.dropLast() }
            guard value.allSatisfy(HTTPParser.isFieldValueByte) else {
                return .fail(.invalidHeader("invalid byte in the value of \(String(decoding: name, as: UTF8.self))"))
            }
            fieldCount += 1
            if fieldCount > limits.maxHeaderCount { return .fail(.tooManyHeaders) }
            // Trailer fields only count toward the limits; none of them is acted on.
            if !trailer {
                head.headers.add(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
            }
            return .continue
        }
    }

    /// Checks `Host` and decides the body framing from the complete header section (RFC 9112
    /// §3.2, §6).
    private mutating func headersComplete() -> Step {
        let headers = head.headers
        let hosts = headers.values("Host")
        if hosts.count > 1 { return .fail(.duplicateHost) }
        if hosts.isEmpty && head.version == .http11 { return .fail(.missingHost) }
        if let host = hosts.first, !HTTPParser.isValidHost(host.utf8, allowEmpty: true) { return .fail(.invalidHost) }

        let encodings = headers.values("Transfer-Encoding")
        let lengths = headers.values("Content-Length")
        if !encodings.isEmpty {
            // HTTP/1.0 has no chunked coding; a 1.0 message with it cannot be framed safely.
            if head.version == .http10 { return .fail(.invalidHeader("Transfer-Encoding in an HTTP/1.0 request")) }
            if !lengths.isEmpty { return .fail(.contentLengthWithTransferEncoding) }
            if let error = HTTPParser.transferCodingError(encodings) { return .fail(error) }
            noteExpectContinue()
            state = .chunkSize
            return .continue
        }
        if lengths.isEmpty {
            return .complete
        }
        // One field with one value: a list, even of equal values (which RFC 9110 §8.6 would
        // let us fold), is refused, since two parsers that fold differently is how requests
        // are smuggled.
        guard lengths.count == 1, let length = HTTPParser.parseContentLength(lengths[0]) else {
            return .fail(.invalidContentLength)
        }
        if length > limits.maxBodyBytes { return .fail(.bodyTooLarge) }
        if length == 0 { return .complete }
        noteExpectContinue()
        body.reserveCapacity(length)
        state = .body(remaining: length)
        return .continue
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

    private mutating func noteExpectContinue() {
        if head.version == .http11, head.headers.hasToken("100-continue", in: "Expect"), readIndex == buffer.count {
            pendingContinue = true
        }
    }

    /// Content-Length = 1*DIGIT; nil when it is not that or does not fit an Int.
    static func parseContentLength(_ value: String) -> Int? {
        let utf8 = value.utf8
        guard !utf8.isEmpty else { return nil }
        var length = 0
        for byte in utf8 {
            guard isDigit(byte) else { return nil }
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - 0x30))
            if overflow1 || overflow2 { return nil }
            length = sum
        }
        return length
    }
}
