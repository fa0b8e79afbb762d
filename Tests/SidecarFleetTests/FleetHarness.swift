import FakeStigg
import Foundation
import Logging
import SidecarApp
import SidecarConfig
import SidecarRedis
import SidecarTestSupport
import Synchronization

/// One real `redis-server`, one fake Stigg and in-process sidecars sharing them, each on
/// port 0 with its own temp database. Everything is stopped by `stop()`.
final class FleetHarness: @unchecked Sendable {
    // @unchecked: the test that owns the harness is the only one that touches `sidecars`,
    // and it does so from one task at a time.
    var redis: RedisServer
    let fake = FakeStigg()
    let directory: TemporaryDirectory
    let password: String?
    var sidecars: [Application] = []
    let log = CapturedLog()

    init(password: String? = nil) throws {
        self.password = password
        redis = try RedisServer(password: password)
        directory = try TemporaryDirectory("fleet-test")
        fake.seedDemo()
        try fake.start()
    }

    /// The config of one sidecar in `namespace`; `name` picks its database file.
    func config(_ name: String, namespace: String = "test", redisPassword: String?? = nil) -> SidecarConfig {
        var config = SidecarConfig()
        config.port = 0
        config.apiKey = "server-fake-key"
        config.stiggBaseURL = fake.baseURL
        config.dbPath = directory.path("\(name).sqlite")
        config.redisURL = RedisURL(endpoint: .tcp(host: "127.0.0.1", port: redis.port), password: redisPassword ?? password)
        config.fleetNamespace = namespace
        return config
    }

    /// Tests of the sharing logic run with a 1 s Redis command timeout instead of 50 ms: on this
    /// shared 2-core machine a load spike can hold a reply past 50 ms, and the sidecar then
    /// (rightly) reads upstream on its own, which is not what those tests are about. Tests of
    /// Redis failures stop the server, so commands fail at once either way.
    static let patientRedis: Tuning = {
        var tuning = Tuning()
        tuning.fleet = { $0.commandTimeout = .seconds(1) }
        return tuning
    }()

    /// Builds and starts a sidecar, waits for its start-up probe.
    @discardableResult
    func start(_ config: SidecarConfig, tuning: Tuning = FleetHarness.patientRedis) async throws -> Application {
        let app = try buildApplication(config: config, logger: log.logger, tuning: tuning)
        try app.start()
        sidecars.append(app)
        try await app.waitForUpstream()
        return app
    }

    /// `count` sidecars in one namespace.
    func startFleet(_ count: Int, namespace: String = "test", _ configure: (inout SidecarConfig) -> Void = { _ in }) async throws -> [Application] {
        var started: [Application] = []
        for index in 0..<count {
            var config = config("sidecar-\(namespace)-\(index)", namespace: namespace)
            configure(&config)
            started.append(try await start(config))
        }
        return started
    }

    /// Entitlement reads the fake served for one customer (not the probe or the listing).
    func reads(_ customerId: String) -> Int { fake.calls("/api/v1/customers/\(customerId)/entitlements") }

    /// What each sidecar's Redis connection went through, for failure messages: a read that
    /// went standalone because Redis did not answer in time shows up here.
    func redisTrouble() -> String {
        sidecars.enumerated().map { index, app in
            let status = (try? app.fleetStatus) ?? [:]
            let errors = ((try? app.get("/metrics").text) ?? "").split(separator: "\n")
                .first { $0.hasPrefix(#"sidecar_fleet_reads_total{outcome="error"}"#) } ?? "?"
            return "sidecar \(index): \(errors), lastError \(status["lastError"] ?? "none")"
        }.joined(separator: "; ")
    }

    /// A client of the harness's Redis, for seeding and inspecting keys.
    func redisClient() -> RedisClient {
        RedisClient(configuration: RedisConfiguration(
            endpoint: .tcp(host: "127.0.0.1", port: redis.port), password: password, commandTimeout: .seconds(2)))
    }

    func stop() async {
        for app in sidecars { await app.shutdown() }
        sidecars.removeAll()
        await fake.stop()
        redis.stop()
    }
}

extension Application {
    func get(_ target: String) throws -> RawResponse {
        let client = try RawClient(port: port)
        try client.send("GET \(target) HTTP/1.1\r\nHost: t\r\n\r\n")
        guard let response = try client.readResponse() else { throw RawClient.ClientError(description: "no response") }
        return response
    }

    func post(_ target: String, _ body: String, headers: [String: String] = [:]) throws -> RawResponse {
        let client = try RawClient(port: port)
        let head = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        try client.send("POST \(target) HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\(head)Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        guard let response = try client.readResponse() else { throw RawClient.ClientError(description: "no response") }
        return response
    }

    func check(_ customerId: String, _ featureId: String = "feature-api-calls") throws -> RawResponse {
        try get("/entitlements/check?customerId=\(customerId)&featureId=\(featureId)")
    }

    var fleetStatus: [String: Any] {
        get throws { try get("/status").json["fleet"] as? [String: Any] ?? [:] }
    }

    func waitForUpstream(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while (try get("/status").json["upstream"] as? [String: Any])?["state"] as? String != "healthy" {
            guard ContinuousClock.now < deadline else { throw RawClient.ClientError(description: "upstream never became healthy") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func waitForFleet(_ state: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while try fleetStatus["state"] as? String != state {
            guard ContinuousClock.now < deadline else { throw RawClient.ClientError(description: "fleet never became \(state)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

extension RawResponse {
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
    var sidecar: [String: Any] { json["sidecar"] as? [String: Any] ?? [:] }
    var source: String? { sidecar["source"] as? String }
    var granted: Bool? { data["isGranted"] as? Bool }
}

/// Log lines, for checking what never appears in them.
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "test") { [self] _ in
            JSONLogHandler(label: "test") { bytes in self.lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lines.withLock { $0.joined() } }
}

/// Runs a blocking client call on a thread of its own: blocking the few threads of Swift's
/// cooperative pool, or of Dispatch's global queues (capped near the core count on Linux),
/// would starve the sidecars' own tasks and timers while the client waits for them.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
