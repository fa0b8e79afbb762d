/// `SIDECAR_REDIS_URL` (DESIGN.md §13): `redis://[[user]:password@]host[:port][/db]` or
/// `unix://[[user]:password@]/path/redis.sock[?db=N]`. Every description of it, and every
/// error about it, shows the password as `***`.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var endpoint: Endpoint
    public var user: String?
    /// Never printed: `description` and `customMirror` replace it with `***`.
    public var password: String?
    /// The logical database (`SELECT n`).
    public var db: Int

    public static let defaultPort = 6379
    static let form = "redis://[[user]:password@]host[:port][/db] or unix:///path/redis.sock[?db=N]"

    public init(endpoint: Endpoint, user: String? = nil, password: String? = nil, db: Int = 0) {
        self.endpoint = endpoint
        self.user = user
        self.password = password
        self.db = db
    }

    public var description: String {
        var userinfo = ""
        if user != nil || password != nil {
            userinfo = (user ?? "") + (password == nil ? "" : ":***") + "@"
        }
        switch endpoint {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "redis://\(userinfo)\(shownHost):\(port)/\(db)"
        case .unix(let path):
            return "unix://\(userinfo)\(path)?db=\(db)"
        }
    }

    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["url": description]) }

    /// Parses a URL; the error's `expected` never contains the password.
    public init(parsing raw: String) throws(ConfigError) {
        do {
            self = try RedisURL.parse(raw)
        } catch {
            throw ConfigError(key: "SIDECAR_REDIS_URL", value: RedisURL.redact(raw), expected: error.expected)
        }
    }

    static func parse(_ raw: String) throws(ValueRejection) -> RedisURL {
        guard let schemeEnd = raw.range(of: "://") else { throw ValueRejection(expected: form) }
        let scheme = raw[..<schemeEnd.lowerBound].lowercased()
        var rest = Substring(raw[schemeEnd.upperBound...])
        switch scheme {
        case "redis", "unix": break
        case "rediss":
            throw ValueRejection(expected: "redis:// or unix:// (rediss:// needs TLS, which the sidecar does not speak; reach Redis over a trusted network or a local TLS proxy such as stunnel)")
        default: throw ValueRejection(expected: form)
        }
        var url = RedisURL(endpoint: .unix(path: ""))
        // The last "@" ends the userinfo, so a password may hold an unencoded "@".
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let colon = userinfo.firstIndex(of: ":") else {
                throw ValueRejection(expected: form + " (the userinfo needs a colon before the password: redis://:password@host)")
            }
            let user = try decode(userinfo[..<colon]), password = try decode(userinfo[userinfo.index(after: colon)...])
            url.user = user.isEmpty ? nil : user
            url.password = password.isEmpty ? nil : password
        }
        if scheme == "unix" {
            let (path, query) = split(rest, at: "?")
            guard path.hasPrefix("/"), path.count > 1, path.utf8.count < 108 else {
                throw ValueRejection(expected: "unix:///absolute/path/redis.sock[?db=N] (a path shorter than 108 bytes)")
            }
            url.endpoint = .unix(path: String(path))
            if let query {
                guard query.hasPrefix("db="), let db = database(query.dropFirst(3)) else {
                    throw ValueRejection(expected: "unix:///path/redis.sock?db=N with N a database number 0-65535")
                }
                url.db = db
            }
            return url
        }
        guard !rest.contains("?") else { throw ValueRejection(expected: form + " (no query string: the database goes in the path, /N)") }
        let (authority, path) = split(rest, at: "/")
        if let path, !path.isEmpty {
            guard let db = database(path) else { throw ValueRejection(expected: form + " with db a number 0-65535") }
            url.db = db
        }
        url.endpoint = try endpoint(authority)
        return url
    }

    private static func endpoint(_ authority: Substring) throws(ValueRejection) -> Endpoint {
        var host = authority, portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .init(expected: form + " ([IPv6] needs its closing bracket)") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw .init(expected: form) }
            portText = after.isEmpty ? nil : after.dropFirst()
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw .init(expected: form + " (a bracketed IPv6 address)")
            }
        } else {
            (host, portText) = split(authority, at: ":")
            guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }) else {
                throw .init(expected: form + " (a host name or address)")
            }
        }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value), portText.allSatisfy(\.isASCII) else {
                throw .init(expected: form + " with port 1-65535")
            }
            port = value
        }
        return .tcp(host: String(host), port: port)
    }

    private static func database(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let db = Int(text), db <= 65_535 else { return nil }
        return db
    }

    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<index], text[text.index(after: index)...])
    }

    /// Percent-decodes userinfo, so a password can hold any byte (`%40` for "@").
    private static func decode(_ text: Substring) throws(ValueRejection) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw .init(expected: form + " (a % in the userinfo must start a %XX escape)")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A raw value as an error message may show it: whatever sits between the scheme and
    /// the last "@" keeps only the user name, so a password never reaches a log, even from
    /// a URL too broken to parse.
    static func redact(_ raw: String) -> String {
        guard let at = raw.lastIndex(of: "@") else { return raw }
        let start = raw.range(of: "://").map(\.upperBound) ?? raw.startIndex
        guard start <= at else { return "***\(raw[at...])" }
        let userinfo = raw[start..<at]
        let user = userinfo.firstIndex(of: ":").map { userinfo[..<$0] } ?? ""
        return "\(raw[..<start])\(user):***\(raw[at...])"
    }
}

extension ValueParser where Value == RedisURL? {
    static var redisURL: Self {
        var parser = Self("url", form: RedisURL.form, samples: ["redis://:pw@127.0.0.1:6380/2", "unix:///tmp/redis.sock?db=1"],
                          throwing: { raw throws(ValueRejection) in
                              raw.isEmpty ? nil : try RedisURL.parse(raw)
                          }, show: { $0?.description })
        parser.redact = RedisURL.redact
        return parser
    }
}
