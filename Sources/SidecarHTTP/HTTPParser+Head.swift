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

    private mutating func parseRequestLine(_ line: ArraySlice<UInt8>) -> HTTPParseError? {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .malformedRequestLine("expected method, target and version") }
        let (method, target, version) = (parts[0], parts[1], parts[2])
        guard !method.isEmpty, method.allSatisfy(HTTPParser.isTokenByte) else {
            return .malformedRequestLine("invalid method")
        }
        guard !target.isEmpty, target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .malformedRequestLine("invalid request target")
        }
        switch Array(version) {
        case Array("HTTP/1.1".utf8): head.version = .http11
        case Array("HTTP/1.0".utf8): head.version = .http10
        case let v where v.count == 8 && v.starts(with: "HTTP/".utf8)
            && HTTPParser.isDigit(v[5]) && v[6] == 0x2E && HTTPParser.isDigit(v[7]):
            return .unsupportedVersion
        default: return .malformedRequestLine("invalid HTTP version")
        }
        let targetString = String(decoding: target, as: UTF8.self)
        let methodString = String(decoding: method, as: UTF8.self)
        guard HTTPParser.isAcceptableTarget(targetString, method: methodString) else {
            return .malformedRequestLine("request target must be origin-form or absolute-form")
        }
        head.method = methodString
        head.target = targetString
        return nil
    }

    static func isAcceptableTarget(_ target: String, method: String) -> Bool {
        if target.hasPrefix("/") { return true }
        if target == "*" { return method == "OPTIONS" }
        let lower = target.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    mutating func parseHeaderLine(trailer: Bool) -> Step {
        let room = limits.maxHeaderBytes - headerBytes
        switch nextLine(limit: max(room, 0), tooLong: .headersTooLarge) {
        case .failure(let error): return .fail(error)
        case .success(nil): return .needMore
        case .success(let line?):
            headerBytes += line.count + 2
            if line.isEmpty {
                return trailer ? .complete : headersComplete()
            }
            let bytes = buffer[line]
            if bytes.first == 0x20 || bytes.first == 0x09 {
                return .fail(.invalidHeader("obsolete line folding"))
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

    /// Decides the body framing from the complete header section (RFC 9112 §6).
    private mutating func headersComplete() -> Step {
        let headers = head.headers
        let hosts = headers.values("Host").count
        if hosts > 1 { return .fail(.duplicateHost) }
        if hosts == 0 && head.version == .http11 { return .fail(.missingHost) }

        let encodings = headers.values("Transfer-Encoding")
        let lengths = headers.values("Content-Length")
        if !encodings.isEmpty {
            if !lengths.isEmpty { return .fail(.contentLengthWithTransferEncoding) }
            if head.version == .http10 { return .fail(.unsupportedTransferEncoding) }
            let codings = encodings.flatMap { $0.split(separator: ",") }.map { $0.trimmingASCIISpaces().lowercased() }
            guard codings.contains("chunked") else { return .fail(.unsupportedTransferEncoding) }
            guard codings == ["chunked"] else {
                return .fail(.invalidHeader("chunked must be the only transfer coding"))
            }
            noteExpectContinue()
            state = .chunkSize
            return .continue
        }
        if lengths.isEmpty {
            return .complete
        }
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

    private mutating func noteExpectContinue() {
        if head.version == .http11, head.headers.hasToken("100-continue", in: "Expect"), readIndex == buffer.count {
            pendingContinue = true
        }
    }

    static func parseContentLength(_ value: String) -> Int? {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= 18, utf8.allSatisfy(isDigit) else { return nil }
        return Int(value)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// tchar of RFC 9110 §5.6.2.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// field-vchar, SP and HTAB (RFC 9110 §5.5); CR, LF, NUL and other controls are refused.
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }
}
