#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The protocol version of a request.
public enum HTTPVersion: Sendable, Equatable {
    case http10
    case http11
}

/// One parsed request. The body is fully buffered (it is bounded by `HTTPLimits.maxBodyBytes`).
///
/// The head is kept as the bytes received, and the method, target, path, query and header
/// fields are made into Strings only when asked for: a cache-hit check reads none of them as
/// a String, and building them was over a third of its instructions (DESIGN.md §9).
public struct HTTPRequest: Sendable {
    /// The request line and the field lines, each ending in CRLF, as received (the parser
    /// validated them; `init` writes them from its arguments).
    let head: [UInt8]
    /// `head[..<methodEnd]` is the method.
    let methodEnd: Int
    let targetRange: Range<Int>
    /// nil for an absolute-form target without a path, whose path is "/".
    let pathRange: Range<Int>?
    let queryRange: Range<Int>?
    /// Where the first field line starts.
    let fieldsStart: Int
    /// What the `Connection` fields say, noted while the head was read.
    let connection: ConnectionTokens
    public var version: HTTPVersion
    public var body: [UInt8]
    /// Percent-decoded values of the route's `:name` segments, set by the router.
    public var pathParameters: [String: String] = [:]

    /// A request made from its parts (tests, tools). Field values must not contain CR or LF,
    /// and are read back without surrounding spaces and tabs, as the parser's are.
    public init(
        method: String, target: String, version: HTTPVersion = .http11,
        headers: HTTPHeaders = [:], body: [UInt8] = []
    ) {
        var bytes = Array(method.utf8)
        let methodEnd = bytes.count
        bytes.append(0x20)
        let targetStart = bytes.count
        bytes.append(contentsOf: target.utf8)
        let targetRange = targetStart..<bytes.count
        bytes.append(contentsOf: " HTTP/1.1\r\n".utf8)
        let fieldsStart = bytes.count
        for (name, value) in headers.fields {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        var connection = ConnectionTokens()
        HTTPRequest.forEachField(in: bytes, from: fieldsStart) { name, value in
            if HTTPParser.nameIs(bytes[name], "connection") { connection.note(bytes[value]) }
            return true
        }
        self.init(head: bytes, methodEnd: methodEnd, target: targetRange, fieldsStart: fieldsStart, version: version, body: body,
                  connection: connection)
    }

    init(head: [UInt8], methodEnd: Int, target: Range<Int>, fieldsStart: Int, version: HTTPVersion, body: [UInt8],
         connection: ConnectionTokens) {
        self.connection = connection
        self.head = head
        self.methodEnd = methodEnd
        targetRange = target
        (pathRange, queryRange) = HTTPRequest.split(target: target, in: head)
        self.fieldsStart = fieldsStart
        self.version = version
        self.body = body
    }

    /// The method token as sent (methods are case-sensitive, RFC 9110 §9.1).
    public var method: String { String(decoding: head[..<methodEnd], as: UTF8.self) }

    /// The request target as sent.
    public var target: String { String(decoding: head[targetRange], as: UTF8.self) }

    /// The request target's bytes as sent, without copying them (a cache key).
    public var targetBytes: ArraySlice<UInt8> { head[targetRange] }

    /// The path of the target, still percent-encoded; absolute-form targets are reduced to it.
    public var path: Substring {
        guard let pathRange else { return "/" }
        return Substring(String(decoding: head[pathRange], as: UTF8.self))
    }

    /// The path's bytes, still percent-encoded ("/" for an absolute-form target without one).
    var pathBytes: ArraySlice<UInt8> {
        guard let pathRange else { return HTTPRequest.rootPath }
        return head[pathRange]
    }

    private static let rootPath: ArraySlice<UInt8> = [UInt8(ascii: "/")]

    /// The raw query (after `?`), still percent-encoded; nil when there is none.
    public var query: Substring? {
        queryRange.map { Substring(String(decoding: head[$0], as: UTF8.self)) }
    }

    /// Whether the method is HEAD, compared on the bytes.
    var isHead: Bool {
        methodEnd == 4 && head[0] == UInt8(ascii: "H") && head[1] == UInt8(ascii: "E")
            && head[2] == UInt8(ascii: "A") && head[3] == UInt8(ascii: "D")
    }

    /// Whether the method is `method`, compared on the bytes.
    func hasMethod(_ method: [UInt8]) -> Bool {
        guard method.count == methodEnd else { return false }
        guard methodEnd > 0 else { return true }
        return head.withUnsafeBufferPointer { h in
            method.withUnsafeBufferPointer { m in
                // Both hold `methodEnd` > 0 bytes (checked above; the head starts with the method).
                memcmp(h.baseAddress!, m.baseAddress!, methodEnd) == 0
            }
        }
    }

    /// Whether the client asked to keep the connection open after this exchange.
    public var wantsKeepAlive: Bool {
        switch version {
        case .http11: !connection.close
        case .http10: connection.keepAlive
        }
    }

    /// The tokens of the `Connection` fields that decide keep-alive.
    struct ConnectionTokens: Sendable {
        var close = false
        var keepAlive = false

        /// Notes one `Connection` field's value (a comma-separated list, RFC 9110 §7.6.1).
        mutating func note(_ value: ArraySlice<UInt8>) {
            let close: StaticString = "close", keepAlive: StaticString = "keep-alive"
            if HTTPRequest.list(value, contains: UnsafeBufferPointer(start: close.utf8Start, count: close.utf8CodeUnitCount)) {
                self.close = true
            }
            if HTTPRequest.list(value, contains: UnsafeBufferPointer(start: keepAlive.utf8Start, count: keepAlive.utf8CodeUnitCount)) {
                self.keepAlive = true
            }
        }
    }

    /// Splits origin-form and absolute-form targets into path and query (nil path: "/").
    static func split(target: Range<Int>, in bytes: [UInt8]) -> (path: Range<Int>?, query: Range<Int>?) {
        bytes.withUnsafeBufferPointer { bytes in
            // `target` lies within `bytes` (the parser's or `init`'s own ranges).
            let end = target.upperBound
            var rest = target
            if target.isEmpty || bytes[target.lowerBound] != UInt8(ascii: "/"),
               let colon = bytes[target].firstIndex(of: UInt8(ascii: ":")) {
                // absolute-form (RFC 9112 §3.2.2): drop scheme and authority.
                let authority = min(colon + 3, end)
                guard let slash = bytes[authority..<end].firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) else {
                    return (nil, nil)
                }
                if bytes[slash] == UInt8(ascii: "?") { return (nil, (slash + 1)..<end) }
                rest = slash..<end
            }
            if let mark = bytes[rest].firstIndex(of: UInt8(ascii: "?")) {
                return (rest.lowerBound..<mark, (mark + 1)..<end)
            }
            return (rest, nil)
        }
    }
}
