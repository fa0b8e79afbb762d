#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The request line (RFC 9112 §3).
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
            if let error = parseRequestLine(line) { return .fail(error) }
            state = .headers
            return .continue
        }
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), one SP each.
    /// Only offsets are kept: the head becomes Strings when a handler asks (`HTTPRequest`).
    private mutating func parseRequestLine(_ line: Range<Int>) -> HTTPParseError? {
        let parts = buffer.withUnsafeBufferPointer { raw in
            // `line` was found inside the buffer by `nextLine`, so the rebased view is in bounds.
            HTTPParser.requestLineParts(UnsafeBufferPointer(rebasing: raw[line]))
        }
        let (methodEnd, target, version): (Int, Range<Int>, HTTPVersion)
        switch parts {
        case .failure(let error): return error
        case .success(let value): (methodEnd, target, version) = value
        }
        let start = line.lowerBound
        if buffer[start + target.lowerBound] != UInt8(ascii: "/") {
            let absolute = (start + target.lowerBound)..<(start + target.upperBound)
            if let why = HTTPParser.targetError(buffer[absolute], method: buffer[start..<(start + methodEnd)]) {
                return .malformedRequestLine(why)
            }
        }
        head.start = start
        head.methodEnd = methodEnd
        head.target = target
        head.version = version
        head.fieldsStart = line.count + 2
        return nil
    }

    /// The method's end, the target and the version of a request line, checked in the order
    /// the errors are reported; an origin-form target is checked here, any other by the caller
    /// (`targetError`), which is why a target not starting with "/" is passed through.
    static func requestLineParts(_ line: UnsafeBufferPointer<UInt8>) -> Result<(Int, Range<Int>, HTTPVersion), HTTPParseError> {
        if let parts = commonRequestLineParts(line) { return .success(parts) }
        let count = line.count
        var firstSpace = 0
        while firstSpace < count && line[firstSpace] != 0x20 { firstSpace += 1 }
        var secondSpace = firstSpace + 1
        while secondSpace < count && line[secondSpace] != 0x20 { secondSpace += 1 }
        var extra = secondSpace + 1
        while extra < count && line[extra] != 0x20 { extra += 1 }
        guard firstSpace < count, secondSpace < count, extra >= count else {
            return .failure(.malformedRequestLine("expected method, target and version"))
        }
        guard firstSpace > 0, line[..<firstSpace].allSatisfy(isTokenByte) else {
            return .failure(.malformedRequestLine("invalid method"))
        }
        // HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
        let v = secondSpace + 1
        guard count - v == 8, line[v] == UInt8(ascii: "H"), line[v + 1] == UInt8(ascii: "T"), line[v + 2] == UInt8(ascii: "T"),
              line[v + 3] == UInt8(ascii: "P"), line[v + 4] == UInt8(ascii: "/"),
              isDigit(line[v + 5]), line[v + 6] == UInt8(ascii: "."), isDigit(line[v + 7]) else {
            return .failure(.malformedRequestLine("invalid HTTP version"))
        }
        let version: HTTPVersion
        switch (line[v + 5], line[v + 7]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "0")): version = .http10
        // A later 1.x is answered as 1.1, the highest minor version we implement (RFC 9110 §6.2).
        case (UInt8(ascii: "1"), _): version = .http11
        default: return .failure(.unsupportedVersion)
        }
        let target = (firstSpace + 1)..<secondSpace
        if !target.isEmpty && line[target.lowerBound] == UInt8(ascii: "/") && !line[target].allSatisfy(isTargetByte) {
            return .failure(.malformedRequestLine("invalid character in the request target"))
        }
        return .success((firstSpace, target, version))
    }

    /// The request line almost every client sends, `token SP origin-form SP HTTP/1.1` (or
    /// 1.0), checked in one pass; nil for anything else, which `requestLineParts` then checks
    /// rule by rule. What this accepts, that accepts with the same parts: target bytes include
    /// no SP, so the spaces are the first two and the last.
    private static func commonRequestLineParts(_ line: UnsafeBufferPointer<UInt8>) -> (Int, Range<Int>, HTTPVersion)? {
        let count = line.count
        guard let base = line.baseAddress, let space = memchr(base, 0x20, count) else { return nil }
        let firstSpace = UnsafePointer<UInt8>(space.assumingMemoryBound(to: UInt8.self)) - base
        guard firstSpace > 0, firstSpace + 1 < count, line[firstSpace + 1] == UInt8(ascii: "/") else { return nil }
        for i in 0..<firstSpace where !isTokenByte(line[i]) { return nil }
        let end = targetRunEnd(line, from: firstSpace + 2)
        let v = end + 1
        guard v + 8 == count, line[end] == 0x20, line[v] == UInt8(ascii: "H"), line[v + 1] == UInt8(ascii: "T"),
              line[v + 2] == UInt8(ascii: "T"), line[v + 3] == UInt8(ascii: "P"), line[v + 4] == UInt8(ascii: "/"),
              line[v + 5] == UInt8(ascii: "1"), line[v + 6] == UInt8(ascii: ".") else { return nil }
        switch line[v + 7] {
        case UInt8(ascii: "1"): return (firstSpace, (firstSpace + 1)..<end, .http11)
        case UInt8(ascii: "0"): return (firstSpace, (firstSpace + 1)..<end, .http10)
        default: return nil
        }
    }

    /// Where the run of `isTargetByte` bytes from `start` ends: eight bytes at a time while
    /// none of them can end it (a target is most of a request line), then byte by byte.
    static func targetRunEnd(_ line: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let raw = UnsafeRawBufferPointer(line)
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        /// Masked with `highs`: nonzero when some byte of `v` is zero (the classic bit hack,
        /// exact for "some byte").
        func zeroBytes(_ v: UInt64) -> UInt64 { (v &- ones) & ~v }
        var end = start
        while end + 8 <= raw.count {
            // In bounds: `end + 8 <= raw.count`; unaligned loads are allowed.
            let x = raw.loadUnaligned(fromByteOffset: end, as: UInt64.self)
            // A byte below 0x21 (SP, controls), with its high bit set, DEL, or one of `"#<>`;
            // the tests are or-ed and masked once.
            let stop = (x &- ones &* 0x21) & ~x | x | zeroBytes(x ^ (ones &* 0x7F)) | zeroBytes(x ^ (ones &* 0x22))
                | zeroBytes(x ^ (ones &* 0x23)) | zeroBytes(x ^ (ones &* 0x3C)) | zeroBytes(x ^ (ones &* 0x3E))
            if stop & highs != 0 { break }
            end += 8
        }
        while end < raw.count && isTargetByte(line[end]) { end += 1 }
        return end
    }
}
