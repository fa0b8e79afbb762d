/// Where the server is and how to talk to it. Its `description` never shows the password.
public struct RedisConfiguration: Sendable, CustomStringConvertible {
    public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// A host name, IPv4 or IPv6 address (without brackets) and a port.
        case tcp(host: String, port: Int)
        /// A Unix-domain socket path.
        case unix(path: String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unix(let path): "unix:\(path)"
            }
        }
    }

    public var endpoint: Endpoint
    /// An ACL user; nil authenticates as the default user (`AUTH password`).
    public var username: String?
    /// Sent with `AUTH` on every connect; never logged or put into an error.
    public var password: String?
    /// `SELECT`ed on every connect when not 0.
    public var database: Int
    /// How long a command may go unanswered; past it the command fails with `.timeout` and
    /// the connection is closed, since a reply that comes later would be matched to the
    /// wrong command.
    public var commandTimeout: Duration
    /// Bound on TCP connect plus the handshake (`AUTH`, `SELECT`, `PING`).
    public var connectTimeout: Duration
    public var backoff: ReconnectBackoff
    public var limits: RESPLimits
    /// A number in [0, 1) for the backoff's jitter; injectable so tests are deterministic.
    public var random: @Sendable () -> Double
    /// Called on the client's thread whenever `status` changes; must not block.
    public var onStatusChange: (@Sendable (RedisClientStatus) -> Void)?

    public init(
        endpoint: Endpoint,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        commandTimeout: Duration = .milliseconds(50),
        connectTimeout: Duration = .milliseconds(500),
        backoff: ReconnectBackoff = ReconnectBackoff(),
        limits: RESPLimits = RESPLimits(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        onStatusChange: (@Sendable (RedisClientStatus) -> Void)? = nil
    ) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.commandTimeout = commandTimeout
        self.connectTimeout = connectTimeout
        self.backoff = backoff
        self.limits = limits
        self.random = random
        self.onStatusChange = onStatusChange
    }

    public var description: String {
        var text = "redis \(endpoint)"
        if let username { text += " user \(username)" }
        if password != nil { text += " (password set)" }
        if database != 0 { text += " db \(database)" }
        return text
    }

    /// Replaces every occurrence of the password in a server's message: Redis does not echo
    /// it today, but a proxy or an older server might, and the text goes to logs and /status.
    func redact(_ text: String) -> String {
        guard let password, !password.isEmpty, text.contains(password) else { return text }
        return text.replacing(password, with: "<redacted>")
    }
}

/// Exponential backoff with jitter between reconnect attempts: the n-th consecutive failure
/// waits a random time in [d/2, d], d = min(maximum, initial × 2ⁿ). Half the delay is kept so
/// a fleet of clients that lost one server neither hammers it nor stays away too long.
public struct ReconnectBackoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// `attempt` counts consecutive failures from 0; `random` is in [0, 1).
    public func delay(attempt: Int, random: Double) -> Duration {
        let initialNanos = Double(nanoseconds(initial))
        let maximumNanos = Double(nanoseconds(maximum))
        let full = min(maximumNanos, initialNanos * pow2(min(attempt, 62)))
        let jittered = full / 2 + full / 2 * min(max(random, 0), 1)
        return .nanoseconds(Int64(jittered))
    }

    private func pow2(_ n: Int) -> Double {
        var value = 1.0
        for _ in 0..<n { value *= 2 }
        return value
    }
}

func nanoseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
}

func milliseconds(_ duration: Duration) -> Int64 {
    nanoseconds(duration) / 1_000_000
}
