import Foundation
import Logging
import Testing
import FakeStigg
import SidecarApp
import SidecarConfig
import SidecarTestSupport

/// An online application against `upstream` (a base URL), on port 0 with a temp database.
func makeOnlineApp(upstream: String, apiKey: String = "server-fake-key", dbPath: String? = nil, configure: (inout SidecarConfig) -> Void = { _ in }) throws -> Application {
    var config = SidecarConfig()
    config.port = 0
    config.apiKey = apiKey
    config.stiggBaseURL = upstream
    config.dbPath = try dbPath ?? makeTempDirectory().appendingPathComponent("sidecar.sqlite").path
    configure(&config)
    return try startApp(config)
}

/// A base URL nothing listens on: a fake's, after it stopped.
func deadUpstream() async throws -> String {
    let fake = FakeStigg()
    try fake.start()
    let url = fake.baseURL
    await fake.stop()
    return url
}

/// Runs `body` on `count` threads at once (blocking clients must not sit on Swift's pool).
func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
    let results = ResultSlots<T>(count: count)
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread {
            results.set(index, body(index))
            group.leave()
        }.start()
    }
    group.wait()
    return results.values
}

final class ResultSlots<T: Sendable>: @unchecked Sendable {
    // Safe: every slot is written by exactly one thread, and read after DispatchGroup.wait().
    private var slots: [T?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: T) { lock.withLock { slots[index] = value } }
    var values: [T] { lock.withLock { slots.compactMap { $0 } } }
}

extension Application {
    /// Polls `/status` until upstream is in `state` (the start-up probe has answered).
    func waitForUpstream(_ state: String, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while (try get("/status").json["upstream"] as? [String: Any])?["state"] as? String != state {
            guard ContinuousClock.now < deadline else { throw RawClient.ClientError(description: "upstream never became \(state)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

@Suite("Sync through the HTTP routes")
struct SyncRoutesTests {
    @Test("200 concurrent requests for 20 uncached customers: exactly 20 upstream calls")
    func missStorm() async throws {
        let fake = FakeStigg()
        fake.addSyntheticCustomers(count: 20)
        try fake.start()
        _ = fake.inject(.latency(milliseconds: 100))
        let app = try makeOnlineApp(upstream: fake.baseURL)
        let ids = fake.customerIds
        let port = app.port
        let responses = onThreads(200) { index -> (Int, String) in
            guard let client = try? RawClient(port: port),
                  (try? client.send("GET /entitlements/check?customerId=\(ids[index % 20])&featureId=feature-api-calls HTTP/1.1\r\nHost: t\r\n\r\n")) != nil,
                  let response = try? client.readResponse() else { return (0, "") }
            return (response.status, response.header("X-Sidecar-Source") ?? "")
        }
        #expect(responses.count == 200)
        // A thread that starts late on a busy machine can arrive after its customer's read
        // has landed and is then answered from the cache; the first ask of each customer
        // is always the one that read upstream.
        #expect(responses.allSatisfy { $0.0 == 200 && ["upstream", "cache"].contains($0.1) }, "\(Set(responses.map(\.1)))")
        let readers = Set(responses.indices.filter { responses[$0].1 == "upstream" }.map { $0 % 20 })
        #expect(readers.count == 20)
        #expect(fake.calls("/api/v1/customers/") == 20)
        await app.shutdown()
        await fake.stop()
    }

    @Test("restart while upstream is down: last-known-good is served and /readyz says degraded")
    func restartWhileDown() async throws {
        let fake = FakeStigg()
        fake.seedDemo()
        try fake.start()
        let db = try makeTempDirectory().appendingPathComponent("sidecar.sqlite").path
        let first = try makeOnlineApp(upstream: fake.baseURL, dbPath: db)
        let fetched = try first.get("/entitlements/check?customerId=demo-pro&featureId=feature-api-calls&requestedUsage=10")
        #expect(fetched.header("X-Sidecar-Source") == "upstream")
        await first.shutdown()
        let upstream = fake.baseURL
        await fake.stop()

        let second = try makeOnlineApp(upstream: upstream, dbPath: db)
        try await second.waitForUpstream("failing")
        let ready = try second.get("/readyz")
        #expect(ready.status == 200)
        #expect(ready.json["status"] as? String == "degraded")
        let answer = try second.get("/entitlements/check?customerId=demo-pro&featureId=feature-api-calls&requestedUsage=10")
        #expect(answer.status == 200)
        #expect(answer.data["isGranted"] as? Bool == true)
        #expect(answer.sidecar["syncedAt"] as? String == fetched.sidecar["syncedAt"] as? String)
        #expect(["cache", "stale"].contains(answer.header("X-Sidecar-Source") ?? ""))
        await second.shutdown()
    }

    @Test("cold start with upstream down: /readyz 503 not_ready, answers from the fallback")
    func coldStartWhileDown() async throws {
        let app = try makeOnlineApp(upstream: try await deadUpstream()) {
            $0.fallbackJSON = #"{"feature-api-calls":{"hasAccess":true,"usageLimit":1000}}"#
        }
        try await app.waitForUpstream("failing")
        let ready = try app.get("/readyz")
        #expect(ready.status == 503)
        #expect(ready.json["status"] as? String == "not_ready")
        #expect((ready.json["reason"] as? String ?? "").contains("unreachable"))
        let granted = try app.get("/entitlements/check?customerId=someone&featureId=feature-api-calls&requestedUsage=999")
        #expect(granted.data["isGranted"] as? Bool == true)
        #expect(granted.header("X-Sidecar-Source") == "fallback")
        #expect(granted.sidecar["syncedAt"] is NSNull)
        let denied = try app.get("/entitlements/check?customerId=someone&featureId=feature-other")
        #expect(denied.data["isGranted"] as? Bool == false)
        #expect(denied.data["accessDeniedReason"] as? String == "Unknown")
        await app.shutdown()
    }

    @Test("/status reports upstream, cache and readiness, and never the API key")
    func status() async throws {
        let fake = FakeStigg()
        fake.seedDemo()
        try fake.start()
        let app = try makeOnlineApp(upstream: fake.baseURL)
        try await app.waitForUpstream("healthy")
        #expect(try app.get("/readyz").json["status"] as? String == "ready")
        _ = try app.get("/entitlements?customerId=demo-pro")
        let response = try app.get("/status")
        #expect(response.status == 200)
        let json = response.json
        #expect(json["mode"] as? String == "online")
        #expect(json["version"] is String)
        #expect(json["uptimeSeconds"] is Int)
        let upstream = json["upstream"] as? [String: Any] ?? [:]
        #expect(upstream["state"] as? String == "healthy")
        #expect(upstream["lastSuccessAt"] is String)
        #expect(upstream["consecutiveFailures"] as? Int == 0)
        let cache = json["cache"] as? [String: Any] ?? [:]
        #expect(cache["states"] as? Int == 1)
        #expect(cache["oldestSyncedAt"] is String)
        #expect(cache["oldestAgeSeconds"] is Int)
        #expect(json["outbox"] is [String: Any])
        #expect(!String(decoding: response.body, as: UTF8.self).contains("server-fake-key"))
        await app.shutdown()

        let wrongKey = try makeOnlineApp(upstream: fake.baseURL, apiKey: "server-not-the-key")
        try await wrongKey.waitForUpstream("failing")
        let rejected = try wrongKey.get("/status")
        #expect((rejected.json["upstream"] as? [String: Any])?["lastError"] as? String ?? "" == "upstream answered 401 (the API key was rejected: check STIGG_API_KEY): Invalid or missing API key")
        #expect(!String(decoding: rejected.body, as: UTF8.self).contains("server-not-the-key"))
        await wrongKey.shutdown()
        await fake.stop()
    }

    @Test("offline mode: /status says offline and /readyz ready")
    func offlineStatus() async throws {
        let app = try makeApp()
        #expect(try app.get("/readyz").json["status"] as? String == "ready")
        let json = try app.get("/status").json
        #expect(json["mode"] as? String == "offline")
        #expect((json["upstream"] as? [String: Any])?["state"] as? String == "unknown")
        #expect(((json["cache"] as? [String: Any])?["states"] as? Int ?? 0) > 0)
        await app.shutdown()
    }
}
