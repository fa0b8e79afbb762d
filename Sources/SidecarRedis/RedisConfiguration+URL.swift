extension RedisConfiguration {
    /// Parses `redis://[[user]:password@]host[:port][/db]` and
    /// `unix://[[user]:password@]/path/redis.sock[?db=N]`, as redis-cli reads them: user info
    /// without a colon is a password; user and password are percent-decoded; an IPv6 host is
    /// in brackets. Errors name the part that is wrong and never repeat the URL, which may
    /// hold the password.
    public init(url: String) throws(RedisError) {
        let scheme: String
        var rest: Substring
        if url.hasPrefix("redis://") {
            scheme = "redis"
            rest = url.dropFirst("redis://".count)
        } else if url.hasPrefix("unix://") {
            scheme = "unix"
            rest = url.dropFirst("unix://".count)
        } else if url.hasPrefix("rediss://") {
            throw .invalidConfiguration("TLS (rediss://) is not supported")
        } else {
            throw .invalidConfiguration("the URL must start with redis:// or unix://")
        }

        var username: String?
        var password: String?
        // The last '@' ends the user info: a password may itself contain '@' only
        // percent-encoded, but a raw one is still better split at the last.
        if let at = rest.lastIndex(of: "@"), scheme == "redis" || rest[..<at].firstIndex(of: "/") == nil {
            let info = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = info.firstIndex(of: ":") {
                let user = try Self.percentDecoded(info[..<colon], part: "user name")
                username = user.isEmpty ? nil : user
                password = try Self.percentDecoded(info[info.index(after: colon)...], part: "password")
            } else {
                password = try Self.percentDecoded(info, part: "password")
            }
        }

        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var database = 0
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "db" else {
                throw .invalidConfiguration("unknown URL parameter '\(parts[0])' (only db=N is accepted)")
            }
            database = try Self.database(parts[1])
        }

        let endpoint: Endpoint
        if scheme == "unix" {
            guard rest.hasPrefix("/"), rest.count > 1 else {
                throw .invalidConfiguration("unix:// needs an absolute socket path, as in unix:///run/redis.sock")
            }
            guard rest.utf8.count < 108 else { throw .invalidConfiguration("the socket path is longer than 107 bytes") }
            endpoint = .unix(path: String(rest))
        } else {
            var hostPort = rest
            if let slash = rest.firstIndex(of: "/") {
                hostPort = rest[..<slash]
                let path = rest[rest.index(after: slash)...]
                if !path.isEmpty {
                    guard query.isEmpty else { throw .invalidConfiguration("give the database in the path or as db=, not both") }
                    database = try Self.database(path)
                }
            }
            endpoint = try Self.hostAndPort(hostPort)
        }
        self.init(endpoint: endpoint, username: username, password: password, database: database)
    }

    private static func hostAndPort(_ text: Substring) throws(RedisError) -> Endpoint {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidConfiguration("unclosed '[' in the IPv6 host") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidConfiguration("unexpected text after the IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty else { throw .invalidConfiguration("the URL has no host") }
        var port = 6379
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw .invalidConfiguration("the port must be a number from 1 to 65535")
            }
            port = value
        }
        return .tcp(host: String(host), port: port)
    }

    private static func database(_ text: Substring) throws(RedisError) -> Int {
        guard let value = Int(text), value >= 0 else {
            throw .invalidConfiguration("the database must be a number ≥ 0 (as in redis://host:6379/2)")
        }
        return value
    }

    private static func percentDecoded(_ text: Substring, part: String) throws(RedisError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw .invalidConfiguration("bad percent-encoding in the \(part)")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
