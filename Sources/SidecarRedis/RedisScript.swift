/// A Lua script run with `EVALSHA`; when the server does not have it (`NOSCRIPT`: restarted,
/// flushed, or a new server), it is loaded with `SCRIPT LOAD` and run again in the same
/// round trip, so the script's text crosses the network only when needed.
public struct RedisScript: Sendable, Hashable {
    public let source: String
    /// Lower-case hex SHA-1 of the source, as Redis names scripts.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        sha1 = SHA1.hex(Array(source.utf8))
    }
}

extension RedisClient {
    /// Runs the script with `keys` and `arguments`; the reply is the script's.
    public func evaluate(
        _ script: RedisScript, keys: [String] = [], arguments: [[UInt8]] = [], timeout: Duration? = nil
    ) async throws(RedisError) -> RESPValue {
        let evalsha = RedisCommand(bytes: [Array("EVALSHA".utf8), Array(script.sha1.utf8), Array(String(keys.count).utf8)]
            + keys.map { Array($0.utf8) } + arguments)
        let first = await send(evalsha, timeout: timeout)
        guard case .failure(.serverError(let message)) = first, message.hasPrefix("NOSCRIPT") else { return try first.get() }
        let results = await pipeline([["SCRIPT", "LOAD", script.source], evalsha], timeout: timeout)
        if case .failure(let error) = results[0] { throw error }
        if results[0].map(\.string) != .success(script.sha1) {
            throw .unexpectedReply("SCRIPT LOAD returned a different SHA-1 than the script's")
        }
        return try results[1].get()
    }
}
