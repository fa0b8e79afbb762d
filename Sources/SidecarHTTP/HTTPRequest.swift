/// The protocol version of a request.
public enum HTTPVersion: Sendable, Equatable {
    case http10
    case http11
}

/// One parsed request. The body is fully buffered (it is bounded by `HTTPLimits.maxBodyBytes`).
public struct HTTPRequest: Sendable {
    /// The method token as sent (methods are case-sensitive, RFC 9110 §9.1).
    public var method: String
    /// The request target as sent.
    public var target: String
    /// The path of the target, still percent-encoded; absolute-form targets are reduced to it.
    public var path: Substring
    /// The raw query (after `?`), still percent-encoded; nil when there is none.
    public var query: Substring?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Percent-decoded values of the route's `:name` segments, set by the router.
    public var pathParameters: [String: String] = [:]

    public init(
        method: String, target: String, version: HTTPVersion = .http11,
        headers: HTTPHeaders = [:], body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        (path, query) = HTTPRequest.split(target: target)
    }

    /// Whether the client asked to keep the connection open after this exchange.
    public var wantsKeepAlive: Bool {
        switch version {
        case .http11: !headers.hasToken("close", in: "Connection")
        case .http10: headers.hasToken("keep-alive", in: "Connection")
        }
    }

    /// Splits origin-form and absolute-form targets into path and query.
    static func split(target: String) -> (Substring, Substring?) {
        var rest = Substring(target)
        if !rest.hasPrefix("/"), let colon = rest.firstIndex(of: ":") {
            // absolute-form (RFC 9112 §3.2.2): drop scheme and authority.
            let afterAuthority = rest[colon...].dropFirst(3)
            if let slash = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = afterAuthority[slash...]
                if rest.hasPrefix("?") { return ("/", rest.dropFirst()) }
            } else {
                return ("/", nil)
            }
        }
        if let mark = rest.utf8.firstIndex(of: UInt8(ascii: "?")) {
            return (rest[..<mark], rest[rest.utf8.index(after: mark)...])
        }
        return (rest, nil)
    }
}
