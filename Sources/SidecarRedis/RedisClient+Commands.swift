/// Small typed wrappers over `send` for the commands the fleet tier uses. Each throws the
/// same `RedisError` values; a reply of the wrong shape is `.unexpectedReply`.
extension RedisClient {
    public func ping() async throws(RedisError) {
        let reply = try await value(["PING"])
        guard reply.string == "PONG" else { throw .unexpectedReply("PING answered \(reply)") }
    }

    /// nil when the key does not exist.
    public func get(_ key: String) async throws(RedisError) -> [UInt8]? {
        try await optionalBytes(try await value(["GET", key]), "GET")
    }

    /// One value per key, nil for the missing ones.
    public func mget(_ keys: [String]) async throws(RedisError) -> [[UInt8]?] {
        guard !keys.isEmpty else { return [] }
        let reply = try await value(RedisCommand(["MGET"] + keys))
        guard let values = reply.array, values.count == keys.count else { throw .unexpectedReply("MGET answered \(reply)") }
        var result: [[UInt8]?] = []
        for element in values { result.append(try await optionalBytes(element, "MGET")) }
        return result
    }

    /// `SET key value [NX] [PX ms]`; false when NX kept an existing key.
    @discardableResult
    public func set(_ key: String, _ value: [UInt8], onlyIfAbsent: Bool = false, expiresIn: Duration? = nil) async throws(RedisError) -> Bool {
        var command = RedisCommand(["SET", key]).appending(bytes: value)
        if onlyIfAbsent { command = command.appending("NX") }
        if let expiresIn { command = command.appending("PX").appending(String(max(1, milliseconds(expiresIn)))) }
        let reply = try await self.value(command)
        if reply.isNull { return false }
        guard reply.string == "OK" else { throw .unexpectedReply("SET answered \(reply)") }
        return true
    }

    /// Number of keys removed.
    @discardableResult
    public func del(_ keys: [String]) async throws(RedisError) -> Int {
        try await integer(RedisCommand(["DEL"] + keys), "DEL")
    }

    /// false when the key does not exist.
    @discardableResult
    public func expire(_ key: String, in duration: Duration) async throws(RedisError) -> Bool {
        let seconds = max(1, (milliseconds(duration) + 999) / 1000)
        return try await integer(["EXPIRE", key, String(seconds)], "EXPIRE") == 1
    }

    /// `XADD key MAXLEN ~ n * field value ...`; returns the entry id.
    @discardableResult
    public func xadd(_ key: String, approximateMaxLength: Int? = nil, fields: [(String, [UInt8])]) async throws(RedisError) -> String {
        var command = RedisCommand(["XADD", key])
        if let approximateMaxLength { command = command.appending("MAXLEN").appending("~").appending(String(approximateMaxLength)) }
        command = command.appending("*")
        for (field, value) in fields { command = command.appending(field).appending(bytes: value) }
        let reply = try await value(command)
        guard let id = reply.string else { throw .unexpectedReply("XADD answered \(reply)") }
        return id
    }

    /// `XREAD COUNT n STREAMS key id` without BLOCK: answers at once, empty when nothing is
    /// newer than `after`.
    public func xread(_ key: String, after id: String, count: Int) async throws(RedisError) -> [RedisStreamEntry] {
        let reply = try await value(["XREAD", "COUNT", String(count), "STREAMS", key, id])
        if reply.isNull { return [] }
        guard let streams = reply.array else { throw .unexpectedReply("XREAD answered \(reply)") }
        var entries: [RedisStreamEntry] = []
        for stream in streams {
            guard let pair = stream.array, pair.count == 2, let list = pair[1].array else {
                throw .unexpectedReply("XREAD stream element \(stream)")
            }
            entries += try RedisStreamEntry.entries(list)
        }
        return entries
    }

    /// `XRANGE key start end [COUNT n]`.
    public func xrange(_ key: String, from start: String = "-", to end: String = "+", count: Int? = nil) async throws(RedisError) -> [RedisStreamEntry] {
        var command = RedisCommand(["XRANGE", key, start, end])
        if let count { command = command.appending("COUNT").appending(String(count)) }
        let reply = try await value(command)
        guard let list = reply.array else { throw .unexpectedReply("XRANGE answered \(reply)") }
        return try RedisStreamEntry.entries(list)
    }

    /// The reply, with an error reply or a failure thrown.
    public func value(_ command: RedisCommand, timeout: Duration? = nil) async throws(RedisError) -> RESPValue {
        try await send(command, timeout: timeout).get()
    }

    private func integer(_ command: RedisCommand, _ name: String) async throws(RedisError) -> Int {
        let reply = try await value(command)
        guard let number = reply.integer else { throw .unexpectedReply("\(name) answered \(reply)") }
        return Int(number)
    }

    private func optionalBytes(_ reply: RESPValue, _ name: String) async throws(RedisError) -> [UInt8]? {
        if reply.isNull { return nil }
        guard case .bulkString(let bytes) = reply else { throw .unexpectedReply("\(name) answered \(reply)") }
        return bytes
    }
}

/// One stream entry: its id and its field/value pairs in order.
public struct RedisStreamEntry: Sendable, Hashable {
    public var id: String
    public var fields: [Field]

    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: [UInt8]
    }

    public subscript(_ name: String) -> [UInt8]? {
        fields.first { $0.name == name }?.value
    }

    static func entries(_ list: [RESPValue]) throws(RedisError) -> [RedisStreamEntry] {
        var entries: [RedisStreamEntry] = []
        entries.reserveCapacity(list.count)
        for element in list {
            guard let pair = element.array, pair.count == 2, let id = pair[0].string, let flat = pair[1].array, flat.count % 2 == 0 else {
                throw .unexpectedReply("stream entry \(element)")
            }
            var fields: [Field] = []
            for index in stride(from: 0, to: flat.count, by: 2) {
                guard let name = flat[index].string, let value = flat[index + 1].bytes else {
                    throw .unexpectedReply("stream entry \(id) field")
                }
                fields.append(Field(name: name, value: value))
            }
            entries.append(RedisStreamEntry(id: id, fields: fields))
        }
        return entries
    }
}
