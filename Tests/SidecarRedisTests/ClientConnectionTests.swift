import Testing
import SidecarRedis
import SidecarTestSupport

/// AUTH, ACL users, SELECT and the transports, against a real redis-server.
@Suite(.serialized) struct ClientConnectionTests {
    static let password = "pw-Zq81-never-shown"

    private func config(_ server: RedisServer, user: String? = nil, password: String? = nil, database: Int = 0) -> RedisConfiguration {
        var config = RedisConfiguration.local(server, timeout: .seconds(5))
        config.username = user
        config.password = password
        config.database = database
        return config
    }

    @Test func passwordAuthenticates() async throws {
        let server = try RedisServer(password: Self.password)
        defer { server.stop() }
        let client = RedisClient(configuration: config(server, password: Self.password))
        defer { client.shutdown() }
        try await client.ping()
        #expect(client.status.state == .connected)
    }

    @Test func wrongPasswordIsAuthFailedWithoutThePassword() async throws {
        let server = try RedisServer(password: Self.password)
        defer { server.stop() }
        let wrong = "wrong-Kx73-secret"
        let client = RedisClient(configuration: config(server, password: wrong))
        defer { client.shutdown() }
        let result = await client.send(["PING"])
        guard case .failure(let error) = result else {
            Issue.record("PING with a wrong password answered \(result)")
            return
        }
        // Sent while connecting, the command fails with the handshake's error.
        guard case .authFailed(let message) = error.cause else {
            Issue.record("expected authFailed, got \(error)")
            return
        }
        #expect(message.contains("WRONGPASS"))
        #expect(!error.description.contains(wrong))
        #expect(await eventually { client.status.lastError == error.cause })
        #expect(client.status.state != .connected)
        // While it waits to reconnect, commands fail at once, still without the password.
        let refused = await client.send(["PING"]).error
        #expect(refused != nil)
        #expect(!(refused?.description.contains(wrong) ?? true))
    }

    @Test func missingPasswordIsAuthFailed() async throws {
        let server = try RedisServer(password: Self.password)
        defer { server.stop() }
        let client = RedisClient(configuration: config(server))
        defer { client.shutdown() }
        let error = await client.send(["GET", "k"]).error?.cause
        guard case .authFailed(let message) = error else {
            Issue.record("expected authFailed, got \(String(describing: error))")
            return
        }
        #expect(message.hasPrefix("NOAUTH"))
    }

    @Test func aclUserAndPassword() async throws {
        let server = try RedisServer(users: [.init("fleet", password: Self.password)])
        defer { server.stop() }
        let client = RedisClient(configuration: config(server, user: "fleet", password: Self.password))
        defer { client.shutdown() }
        #expect(try await client.value(["ACL", "WHOAMI"]).string == "fleet")

        let intruder = RedisClient(configuration: config(server, user: "fleet", password: "not-\(Self.password)"))
        defer { intruder.shutdown() }
        let error = await intruder.send(["PING"]).error?.cause
        guard case .authFailed = error else {
            Issue.record("expected authFailed, got \(String(describing: error))")
            return
        }
        #expect(!(error?.description.contains(Self.password) ?? true))
        let nobody = RedisClient(configuration: config(server, user: "nobody", password: Self.password))
        defer { nobody.shutdown() }
        guard case .authFailed = await nobody.send(["PING"]).error?.cause else {
            Issue.record("an unknown user was not refused")
            return
        }
    }

    @Test func selectsTheDatabase() async throws {
        let server = try RedisServer(password: Self.password)
        defer { server.stop() }
        let db5 = RedisClient(configuration: config(server, password: Self.password, database: 5))
        defer { db5.shutdown() }
        let db0 = RedisClient(configuration: config(server, password: Self.password))
        defer { db0.shutdown() }
        try await db5.set("where", Array("five".utf8))
        #expect(try await db0.get("where") == nil)
        #expect(try await db5.get("where") == Array("five".utf8))
        #expect(try await db0.value(["SELECT", "5"]) == .simpleString("OK"))
        #expect(try await db0.get("where") == Array("five".utf8))

        let tooHigh = RedisClient(configuration: config(server, password: Self.password, database: 99))
        defer { tooHigh.shutdown() }
        guard case .serverError(let message) = await tooHigh.send(["PING"]).error?.cause else {
            Issue.record("SELECT 99 did not fail")
            return
        }
        #expect(message.hasPrefix("SELECT 99:"))
    }

    @Test func unixSocket() async throws {
        let server = try RedisServer(unixSocket: true)
        defer { server.stop() }
        var config = RedisConfiguration(endpoint: .unix(path: try #require(server.unixSocketPath)), commandTimeout: .seconds(5))
        config.database = 1
        let client = RedisClient(configuration: config)
        defer { client.shutdown() }
        try await client.set("k", Array("over unix".utf8))
        #expect(try await client.get("k") == Array("over unix".utf8))
        let info = try await client.value(["CLIENT", "INFO"]).string ?? ""
        #expect(info.contains("db=1"))

        let missing = RedisClient(configuration: RedisConfiguration(endpoint: .unix(path: server.directory.path + "/nope.sock")))
        defer { missing.shutdown() }
        #expect(await missing.send(["PING"]).error?.cause == .connectFailed(endpoint: "unix:\(server.directory.path)/nope.sock", reason: "no such socket file"))
    }

    @Test func ipv6AndHostNames() async throws {
        let server = try RedisServer()
        defer { server.stop() }
        for host in ["::1", "localhost"] {
            let client = RedisClient(configuration: RedisConfiguration(endpoint: .tcp(host: host, port: server.port), commandTimeout: .seconds(5)))
            defer { client.shutdown() }
            try await client.ping()
        }
        let unknown = RedisClient(configuration: RedisConfiguration(endpoint: .tcp(host: "no-such-host.invalid", port: server.port)))
        defer { unknown.shutdown() }
        guard case .connectFailed(_, let reason) = await unknown.send(["PING"]).error?.cause else {
            Issue.record("an unknown host did not fail to connect")
            return
        }
        #expect(reason.hasPrefix("cannot resolve host"))
    }

    @Test func fromURL() async throws {
        let server = try RedisServer(users: [.init("app", password: "p@ss:word")])
        defer { server.stop() }
        var config = try RedisConfiguration(url: "redis://app:p%40ss%3Aword@127.0.0.1:\(server.port)/3")
        config.commandTimeout = .seconds(5)
        let client = RedisClient(configuration: config)
        defer { client.shutdown() }
        #expect(try await client.value(["ACL", "WHOAMI"]).string == "app")
        let info = try await client.value(["CLIENT", "INFO"]).string ?? ""
        #expect(info.contains("db=3"))
    }
}
