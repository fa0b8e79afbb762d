import Testing
import SidecarRedis
import SidecarTestSupport

/// Against a real redis-server. Timeouts are generous here (the machine is shared and
/// loaded); the 50 ms default is exercised by the fault tests.
@Suite(.serialized) struct ClientRoundTripTests {
    @Test func everyReplyTypeRoundTrips() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = RedisClient(configuration: .local(server, timeout: .seconds(5)))
        defer { client.shutdown() }

        #expect(await client.send(["SET", "k", "v"]) == .success(.simpleString("OK")))
        #expect(await client.send(["INCR", "n"]) == .success(.integer(1)))
        #expect(await client.send(["INCRBY", "n", "-5"]) == .success(.integer(-4)))
        #expect(await client.send(["GET", "k"]) == .success(.bulkString(Array("v".utf8))))
        #expect(await client.send(["SET", "empty", ""]) == .success(.simpleString("OK")))
        #expect(await client.send(["GET", "empty"]) == .success(.bulkString([])))
        #expect(await client.send(["GET", "missing"]) == .success(.null))
        let error = await client.send(["INCR", "k"]).error
        #expect(error == .serverError("ERR value is not an integer or out of range"))
        #expect(await client.send(["RPUSH", "l", "a", "b"]) == .success(.integer(2)))
        #expect(await client.send(["LRANGE", "l", "0", "-1"]) == .success(.array([.bulkString(Array("a".utf8)), .bulkString(Array("b".utf8))])))
        #expect(await client.send(["LRANGE", "nothing", "0", "-1"]) == .success(.array([])))
        // Nested arrays, and RESP2's null array: XREAD with nothing new answers *-1.
        #expect(await client.send(["XADD", "s", "1-1", "f", "v"]) == .success(.bulkString(Array("1-1".utf8))))
        let nested = RESPValue.array([.array([.bulkString(Array("1-1".utf8)), .array([.bulkString(Array("f".utf8)), .bulkString(Array("v".utf8))])])])
        #expect(await client.send(["XRANGE", "s", "-", "+"]) == .success(nested))
        #expect(await client.send(["XREAD", "COUNT", "1", "STREAMS", "s", "1-1"]) == .success(.null))
        #expect(await client.send(["XREAD", "COUNT", "1", "STREAMS", "s", "0"]) == .success(.array([.array([.bulkString(Array("s".utf8)), nested])])))
    }

    @Test func valuesAreBinarySafeAndLarge() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = RedisClient(configuration: .local(server, timeout: .seconds(5)))
        defer { client.shutdown() }
        let binary: [UInt8] = [0, 13, 10, 36, 42, 255, 13, 10]
        try await client.set("bin", binary)
        #expect(try await client.get("bin") == binary)
        var random = SeededRandom(seed: 7)
        let large = (0..<3_000_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        try await client.set("large", large)
        #expect(try await client.get("large") == large)
    }

    @Test func pipelinedRepliesComeBackInOrder() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = RedisClient(configuration: .local(server, timeout: .seconds(5)))
        defer { client.shutdown() }
        let results = await client.pipeline((0..<1000).map { _ in ["INCR", "counter"] })
        #expect(results == (1...1000).map { .success(.integer(Int64($0))) })

        // A failing command in a pipeline fails alone.
        let mixed = await client.pipeline([["SET", "a", "1"], ["LPUSH", "a", "x"], ["GET", "a"]])
        #expect(mixed[0] == .success(.simpleString("OK")))
        #expect(mixed[1].error.map { if case .serverError(let text) = $0 { text.hasPrefix("WRONGTYPE") } else { false } } == true)
        #expect(mixed[2] == .success(.bulkString(Array("1".utf8))))
    }

    @Test func concurrentCallersEachSeeTheirOwnRepliesInOrder() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = RedisClient(configuration: .local(server, timeout: .seconds(10)))
        defer { client.shutdown() }
        let ok = await withTaskGroup(of: Bool.self) { group in
            for caller in 0..<40 {
                group.addTask {
                    var seen: [Int64] = []
                    for _ in 0..<25 {
                        guard case .success(.integer(let value)) = await client.send(["INCR", "caller-\(caller)"]) else { return false }
                        seen.append(value)
                    }
                    return seen == Array(1...25)
                }
            }
            return await group.allSatisfy { $0 }
        }
        #expect(ok)
        #expect(client.status.state == .connected)
        #expect(client.status.connects == 1)
    }

    @Test func conveniences() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = RedisClient(configuration: .local(server, timeout: .seconds(5)))
        defer { client.shutdown() }
        try await client.ping()

        #expect(try await client.set("lease", Array("me".utf8), onlyIfAbsent: true, expiresIn: .milliseconds(10_000)))
        #expect(try await client.set("lease", Array("you".utf8), onlyIfAbsent: true, expiresIn: .milliseconds(10_000)) == false)
        #expect(try await client.get("lease") == Array("me".utf8))
        let pttl = try await client.value(["PTTL", "lease"]).integer ?? -1
        #expect(pttl > 0 && pttl <= 10_000)

        #expect(try await client.mget(["lease", "none"]) == [Array("me".utf8), nil])
        #expect(try await client.expire("lease", in: .seconds(100)))
        #expect(try await client.expire("none", in: .seconds(100)) == false)
        #expect(try await client.del(["lease", "none"]) == 1)
        #expect(try await client.get("lease") == nil)

        var ids: [String] = []
        for index in 0..<500 {
            ids.append(try await client.xadd("changes", approximateMaxLength: 100, fields: [("customerId", Array("c\(index)".utf8)), ("n", Array(String(index).utf8))]))
        }
        let length = try await client.value(["XLEN", "changes"]).integer ?? 0
        // MAXLEN ~ trims whole macro nodes: at least 100 kept, far fewer than 500.
        #expect(length >= 100 && length < 500)
        let firstKept = try await client.xrange("changes", count: 1)
        #expect(firstKept.count == 1)
        let read = try await client.xread("changes", after: firstKept[0].id, count: 10)
        #expect(read.count == 10)
        #expect(read.allSatisfy { $0["customerId"] != nil })
        #expect(try await client.xread("changes", after: ids.last!, count: 10).isEmpty)
        let tail = try await client.xrange("changes", from: ids[498], to: "+")
        #expect(tail.map(\.id) == Array(ids.suffix(2)))
        #expect(tail.last?["n"] == Array("499".utf8))
    }

    @Test func scriptsLoadThemselvesWhenTheServerLacksThem() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = RedisClient(configuration: .local(server, timeout: .seconds(5)))
        defer { client.shutdown() }
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try await client.value(["SCRIPT", "LOAD", script.source]) == .bulkString(Array(script.sha1.utf8)))
        #expect(try await client.value(["SCRIPT", "FLUSH"]) == .simpleString("OK"))
        #expect(try await client.evaluate(script, keys: ["tokens"], arguments: [Array("5".utf8)]) == .integer(5))
        #expect(try await client.evaluate(script, keys: ["tokens"], arguments: [Array("2".utf8)]) == .integer(7))
        await #expect(throws: RedisError.self) {
            _ = try await client.evaluate(RedisScript("return redis.call('NOPE')"))
        }
    }

    @Test func shutdownFailsWhatIsPendingAndRefusesMore() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = RedisClient(configuration: .local(server, timeout: .seconds(5)))
        try await client.ping()
        client.shutdown()
        #expect(await client.send(["PING"]).error == .closed)
        #expect(client.status.state == .closed)
    }
}
