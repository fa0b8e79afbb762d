import Testing
import SidecarRedis
import SidecarTestSupport
import Synchronization

/// What the client does when the server is gone, slow, restarted or not Redis at all: errors
/// as values, quickly, and a reconnect once the server is back.
@Suite(.serialized) struct ClientFaultTests {
    @Test func refusedWhenNothingListens() async throws {
        let port = try RedisServer.freePort()
        let client = RedisClient(configuration: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: port)))
        defer { client.shutdown() }
        #expect(await client.send(["PING"]).error?.cause == .connectionRefused(endpoint: "127.0.0.1:\(port)"))
        #expect(client.status.state == .disconnected)
        #expect(client.status.lastError == .connectionRefused(endpoint: "127.0.0.1:\(port)"))
    }

    @Test func unansweredCommandTimesOutAndBreaksTheConnection() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        // The default 50 ms command timeout.
        let client = RedisClient(configuration: .local(server))
        defer { client.shutdown() }
        let admin = RedisClient(configuration: .local(server, timeout: .seconds(5)))
        defer { admin.shutdown() }
        #expect(await eventually { await client.send(["PING"]) == .success(.simpleString("PONG")) })

        // CLIENT PAUSE answers at once, then holds every other client's commands.
        #expect(try await admin.value(["CLIENT", "PAUSE", "700", "ALL"]) == .simpleString("OK"))
        let (result, took) = await elapsed { await client.send(["GET", "secret-key-name"]) }
        #expect(result.error == .timeout("GET unanswered after 50 ms"))
        #expect(took >= .milliseconds(50) && took < .seconds(1))
        #expect(client.status.state != .connected)
        #expect(client.status.lastError == .timeout("GET unanswered after 50 ms"))
        // Once the pause is over the client reconnects by itself.
        #expect(await eventually { client.status.state == .connected })
        #expect(await client.send(["PING"]) == .success(.simpleString("PONG")))
        #expect(client.status.connects >= 2)
    }

    @Test func afterATimeoutCommandsAreRefusedAtOnceUntilReconnected() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = RedisClient(configuration: .local(server))
        defer { client.shutdown() }
        #expect(await eventually { await client.send(["PING"]) == .success(.simpleString("PONG")) })
        server.pause()
        defer { server.resume() }
        #expect(await client.send(["GET", "k"]).error == .timeout("GET unanswered after 50 ms"))
        // The server still accepts connections (the kernel does) but answers nothing: callers
        // are not made to wait 50 ms each while the client tries again.
        for _ in 0..<5 {
            let (result, took) = await elapsed { await client.send(["GET", "k"]) }
            guard case .notConnected = result.error else {
                Issue.record("expected a refusal, got \(result)")
                return
            }
            #expect(took < .milliseconds(50))
        }
        server.resume()
        #expect(await eventually { await client.send(["PING"]) == .success(.simpleString("PONG")) })
    }

    @Test func everyCommandInFlightFailsWhenOneTimesOut() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let client = RedisClient(configuration: .local(server, timeout: .milliseconds(100)))
        defer { client.shutdown() }
        #expect(await eventually { await client.send(["PING"]) == .success(.simpleString("PONG")) })
        server.pause()
        defer { server.resume() }
        let results = await withTaskGroup(of: Result<RESPValue, RedisError>.self) { group in
            for _ in 0..<10 { group.addTask { await client.send(["PING"]) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 10)
        #expect(results.allSatisfy { result in
            switch result.error {
            case .timeout, .disconnected: true
            default: false
            }
        })
        server.resume()
        #expect(await eventually { await client.send(["PING"]) == .success(.simpleString("PONG")) })
    }

    @Test func killedServerGivesErrorsQuicklyAndRestartReconnects() async throws {
        let server = try RedisServer()
        // Deterministic jitter: delays are exactly half the backoff (25, 50, 100 ms, ...).
        var config = RedisConfiguration.local(server, timeout: .seconds(1))
        config.random = { 0 }
        let client = RedisClient(configuration: config)
        defer { client.shutdown() }
        try await client.set("k", Array("v".utf8))

        let clock = ContinuousClock()
        let killedAt = clock.now
        server.kill()
        var failures = 0
        for _ in 0..<20 {
            if await client.send(["GET", "k"]).error != nil { failures += 1 }
        }
        #expect(failures == 20)
        // Refused at once while it waits to reconnect: nowhere near 20 × the timeout.
        #expect(clock.now - killedAt < .seconds(2))
        #expect(client.status.state != .connected)

        // Backoff, not a busy loop: the 4th consecutive failure comes after ≥ 25+50+100 ms.
        #expect(await eventually { client.status.consecutiveFailures >= 4 })
        #expect(clock.now - killedAt >= .milliseconds(175))
        guard case .connectionRefused = client.status.lastError else {
            Issue.record("expected connectionRefused while down, got \(String(describing: client.status.lastError))")
            return
        }

        let restarted = try RedisServer(port: server.port)
        defer {
            restarted.stop()
            server.stop()
        }
        #expect(await eventually(timeout: .seconds(10)) { client.status.state == .connected })
        #expect(try await client.get("k") == nil)  // a new, empty server
        #expect(client.status.connects == 2)
        #expect(client.status.consecutiveFailures == 0)
    }

    @Test(arguments: [
        ("HTTP/1.1 400 Bad Request\r\n\r\n", "unknown reply type byte 0x48"),
        ("+OK\r\n", "did not answer PING with PONG"),
        ("$99999999999\r\n", "exceeds the limit"),
        ("%2\r\n", "RESP3"),
    ])
    func garbageIsAProtocolError(reply: String, reason: String) async throws {
        let fake = try FakeServer(reply: reply)
        defer { fake.stop() }
        let client = RedisClient(configuration: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: fake.port), commandTimeout: .seconds(2)))
        defer { client.shutdown() }
        let error = await client.send(["PING"]).error?.cause
        guard case .protocolError(let text) = error else {
            Issue.record("expected a protocol error, got \(String(describing: error))")
            return
        }
        #expect(text.contains(reason))
        #expect(client.status.state != .connected)
    }

    @Test func garbageAfterAGoodHandshakeFailsTheCommand() async throws {
        let fake = try FakeServer(replies: [Array("+PONG\r\n".utf8), Array("*1\r\n!oops\r\n".utf8)])
        defer { fake.stop() }
        let client = RedisClient(configuration: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: fake.port), commandTimeout: .seconds(2)))
        defer { client.shutdown() }
        #expect(await eventually { client.status.state == .connected })
        guard case .protocolError = await client.send(["GET", "k"]).error else {
            Issue.record("garbage was not a protocol error")
            return
        }
        #expect(client.status.state == .disconnected)
    }

    @Test func replyWithNoCommandWaitingBreaksTheConnection() async throws {
        let fake = try FakeServer(replies: [Array("+PONG\r\n".utf8), Array("+OK\r\n+EXTRA\r\n".utf8)])
        defer { fake.stop() }
        let client = RedisClient(configuration: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: fake.port), commandTimeout: .seconds(2)))
        defer { client.shutdown() }
        #expect(await client.send(["SET", "k", "v"]) == .success(.simpleString("OK")))
        #expect(await eventually { client.status.lastError == .protocolError("a reply arrived with no command waiting for it") })
    }

    @Test func silentServerTimesOutTheHandshake() async throws {
        let fake = try FakeServer(replies: [])
        defer { fake.stop() }
        var config = RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: fake.port), commandTimeout: .seconds(2))
        config.connectTimeout = .milliseconds(100)
        let client = RedisClient(configuration: config)
        defer { client.shutdown() }
        guard case .timeout(let what) = await client.send(["PING"]).error?.cause else {
            Issue.record("a silent server did not time out")
            return
        }
        #expect(what.hasPrefix("handshake with 127.0.0.1:\(fake.port)"))
    }

    @Test func statusObserverSeesTransitions() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        let seen = StateLog()
        var config = RedisConfiguration.local(server, timeout: .seconds(1))
        config.onStatusChange = { seen.append($0.state) }
        let client = RedisClient(configuration: config)
        try await client.ping()
        server.kill()
        #expect(await eventually { seen.states.contains(.disconnected) })
        client.shutdown()
        #expect(seen.states.first == .connected)
        #expect(seen.states.last == .closed)
    }
}

final class StateLog: Sendable {
    private let log = Mutex<[RedisClientStatus.State]>([])
    func append(_ state: RedisClientStatus.State) { log.withLock { if $0.last != state { $0.append(state) } } }
    var states: [RedisClientStatus.State] { log.withLock { $0 } }
}
