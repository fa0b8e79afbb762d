#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Character classes and small grammars of RFC 9110, 9112 and 3986, checked on bytes.
extension HTTPParser {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isAlpha(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

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

    /// unreserved / sub-delims of RFC 3986 §2.
    static func isUnreservedOrSubDelim(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="):
            true
        default: false
        }
    }

    /// A byte of absolute-path or query: pchar, "/", "?" (RFC 3986 §3.3, §3.4), and also the
    /// visible characters that WHATWG URL serializers leave unescaped (`|`, `[`, `]`, `{`,
    /// `}`, `^`, backtick, backslash): Python's httpx, under Stigg's Python SDK, sends a
    /// customer id such as `auth0|123` as is, and Node's URL does the same. What no serializer
    /// sends unescaped is refused: controls, space, DEL, non-ASCII, `"`, `<`, `>`, and `#`
    /// (a fragment is never sent). `%` is admitted here and its escape checked where the path
    /// or query is decoded, which names the parameter and keeps the connection (the framing is
    /// not in doubt).
    static func isTargetByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "#"): false
        default: byte > 0x20 && byte < 0x7F
        }
    }

    /// Why `target` is not a request-target we serve (RFC 9112 §3.2), or nil: origin-form,
    /// absolute-form with an http(s) scheme, or `*` for OPTIONS. Authority-form is CONNECT's,
    /// which a server that is no proxy does not implement.
    static func targetError(_ target: ArraySlice<UInt8>, method: ArraySlice<UInt8>) -> String? {
        guard let first = target.first else { return "empty request target" }
        if first == UInt8(ascii: "/") {
            return target.allSatisfy(isTargetByte) ? nil : "invalid character in the request target"
        }
        if target.elementsEqual("*".utf8) {
            return method.elementsEqual("OPTIONS".utf8) ? nil : "* is a target for OPTIONS only"
        }
        guard let colon = target.firstIndex(of: UInt8(ascii: ":")) else {
            return "request target must be origin-form or absolute-form"
        }
        let scheme = target[..<colon]
        let isHTTP = scheme.count == 4 && zip(scheme, "http".utf8).allSatisfy { $0 | 0x20 == $1 }
        let isHTTPS = scheme.count == 5 && zip(scheme, "https".utf8).allSatisfy { $0 | 0x20 == $1 }
        guard isHTTP || isHTTPS, target[(colon + 1)...].starts(with: "//".utf8) else {
            return "request target must be origin-form or absolute-form"
        }
        let authorityStart = colon + 3
        let rest = target[authorityStart...]
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? target.endIndex
        // An http(s) URI needs a host and must not carry userinfo (RFC 9110 §4.2.1, §4.2.4).
        guard isValidHost(target[authorityStart..<authorityEnd], allowEmpty: false) else {
            return "invalid authority in the request target"
        }
        return target[authorityEnd...].allSatisfy(isTargetByte) ? nil : "invalid character in the request target"
    }

    /// uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2): an IP-literal in brackets, or a
    /// reg-name (which covers IPv4 addresses), then an optional port of digits.
    /// Scans the bytes in place: it runs on every request, and must not allocate.
    static func isValidHost<Bytes: Collection>(_ bytes: Bytes, allowEmpty: Bool) -> Bool where Bytes.Element == UInt8 {
        if let common = bytes.withContiguousStorageIfAvailable(isCommonHost), common { return true }
        var index = bytes.startIndex
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")),
                  isIPLiteral(Array(bytes[bytes.index(after: index)..<close])[...]) else { return false }
            index = bytes.index(after: close)
        } else {
            var escapeDigits = 0
            while index != bytes.endIndex, escapeDigits > 0 || bytes[index] != UInt8(ascii: ":") {
                let byte = bytes[index]
                if escapeDigits > 0 {
                    guard hexValue(byte) != nil else { return false }
                    escapeDigits -= 1
                } else if byte == UInt8(ascii: "%") {
                    escapeDigits = 2
                } else if !isUnreservedOrSubDelim(byte) {
                    return false
                }
                index = bytes.index(after: index)
            }
            if escapeDigits > 0 { return false }
            if index == bytes.startIndex && !allowEmpty { return false }
        }
        guard index != bytes.endIndex else { return true }
        guard bytes[index] == UInt8(ascii: ":") else { return false }
        return bytes[bytes.index(after: index)...].allSatisfy(isDigit)
    }

    /// The host almost every client sends: a non-empty name of letters, digits, `.`, `-`, `_`
    /// and `~` (a subset of reg-name's unreserved), then an optional `:` and digits. True only
    /// for hosts `isValidHost` accepts; false sends the rest through its full grammar.
    private static func isCommonHost(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard isDigit(byte) || isAlpha(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~") else { break }
            index += 1
        }
        guard index > 0 else { return false }
        if index == bytes.count { return true }
        guard bytes[index] == UInt8(ascii: ":") else { return false }
        return bytes[(index + 1)...].allSatisfy(isDigit)
    }

    /// IPv6address or IPvFuture (RFC 3986 §3.2.2), without the brackets.
    private static func isIPLiteral(_ bytes: ArraySlice<UInt8>) -> Bool {
        if let first = bytes.first, first | 0x20 == UInt8(ascii: "v") {
            // "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
            let rest = bytes.dropFirst()
            guard let dot = rest.firstIndex(of: UInt8(ascii: ".")), dot > rest.startIndex,
                  rest[..<dot].allSatisfy({ hexValue($0) != nil }) else { return false }
            let tail = rest[(dot + 1)...]
            return !tail.isEmpty && tail.allSatisfy { isUnreservedOrSubDelim($0) || $0 == UInt8(ascii: ":") }
        }
        guard !bytes.isEmpty, bytes.count < 46,
              bytes.allSatisfy({ hexValue($0) != nil || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else { return false }
        var address = in6_addr()
        return String(decoding: bytes, as: UTF8.self).withCString { inet_pton(AF_INET6, $0, &address) } == 1
    }
}
