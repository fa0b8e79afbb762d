/// What `/status` and `/metrics` need to know about the connection.
public struct RedisClientStatus: Sendable, Hashable {
    public enum State: String, Sendable {
        /// Connecting or in the handshake; commands sent now wait (within their timeout) on
        /// the first connect, and are refused on a reconnect.
        case connecting
        /// Handshake done; commands go straight out.
        case connected
        /// Down and waiting to reconnect; commands fail at once with `.notConnected`.
        case disconnected
        /// `shutdown()` was called.
        case closed
    }

    public var state: State = .connecting
    /// The last failure that broke or prevented a connection (server error replies to
    /// individual commands are not counted: they leave the connection healthy).
    public var lastError: RedisError?
    /// Wall-clock time of `lastError`, in seconds since 1970.
    public var lastErrorAt: Double?
    /// Wall-clock time the current connection became usable, in seconds since 1970.
    public var connectedSince: Double?
    /// Failures since a command was last answered; drives the backoff.
    public var consecutiveFailures: Int = 0
    /// Handshakes completed since the client was made (a reconnect adds one).
    public var connects: Int = 0

    public init() {}
}
