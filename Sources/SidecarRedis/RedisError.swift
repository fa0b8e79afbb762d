/// Every failure of this layer, as a value. No case ever carries the password: server
/// messages are redacted by the client before they get here, and endpoints are described
/// without credentials.
public enum RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing listens at the endpoint.
    case connectionRefused(endpoint: String)
    /// Any other reason a connection could not be made (unknown host, no such socket file, ...).
    case connectFailed(endpoint: String, reason: String)
    /// A command (or the connect and handshake) was not answered in time; the connection
    /// it was on is closed.
    case timeout(String)
    /// The server sent bytes that are not RESP2, or more than the limits allow; the
    /// connection is closed.
    case protocolError(String)
    /// The server answered the command with an error reply (`-ERR ...`, `-WRONGTYPE ...`).
    case serverError(String)
    /// `AUTH` was refused (wrong password, unknown user, or no password configured).
    case authFailed(String)
    /// The connection dropped while the command was in flight.
    case disconnected(String)
    /// The client is waiting to reconnect, so the command was not sent; `lastError` is why
    /// the last connection broke or the last attempt failed.
    indirect case notConnected(lastError: RedisError)
    /// The reply had a valid RESP shape that the command's convenience method did not expect.
    case unexpectedReply(String)
    /// A setting (such as a Redis URL) is malformed.
    case invalidConfiguration(String)
    /// The client was shut down.
    case closed

    public var description: String {
        switch self {
        case .connectionRefused(let endpoint): "connection refused by \(endpoint)"
        case .connectFailed(let endpoint, let reason): "cannot connect to \(endpoint): \(reason)"
        case .timeout(let what): "timed out: \(what)"
        case .protocolError(let what): "protocol error: \(what)"
        case .serverError(let message): "server error: \(message)"
        case .authFailed(let message): "authentication failed: \(message)"
        case .disconnected(let why): "disconnected: \(why)"
        case .notConnected(let lastError): "not connected (waiting to reconnect after: \(lastError))"
        case .unexpectedReply(let what): "unexpected reply: \(what)"
        case .invalidConfiguration(let what): "invalid Redis configuration: \(what)"
        case .closed: "client closed"
        }
    }

    /// The error behind a `.notConnected` refusal; the error itself otherwise.
    public var cause: RedisError {
        if case .notConnected(let lastError) = self { return lastError.cause }
        return self
    }
}
