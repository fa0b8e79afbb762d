import FakeStigg
import Foundation
import SidecarApp
import SidecarTestSupport
import SidecarTestSupport
import Testing

@Suite("Usage and events over HTTP")
struct UsageRoutesTests {
    func usage(_ customer: String, _ value: Double, key: String? = nil, feature: String = "feature-api-calls", set: Bool = false) -> String {
        #"{"customerId":"\#(customer)","featureId":"\#(feature)","value":\#(value)"#
            + (key.map { #","idempotencyKey":"\#($0)""# } ?? "") + (set ? #","updateBehavior":"SET""# : "") + "}"
    }

    func report(_ records: String...) -> String { #"{"usages":[\#(records.joined(separator: ","))]}"# }

    func currentUsage(_ app: Application, _ customer: String = "demo-pro") throws -> Double? {
        try app.get("/entitlements/check?customerId=\(customer)&featureId=feature-api-calls").data["currentUsage"] as? Double
    }

    func outbox(_ app: Application) throws -> [String: Any] {
        try app.get("/status").json["outbox"] as? [String: Any] ?? [:]
    }

    @Test("online: 201 in Stigg's shape, the next check already counts it, then it is delivered")
    func online() async throws {
        let fake = FakeStigg()
        fake.seedDemo()
        try fake.start()
        let app = try makeOnlineApp(upstream: fake.baseURL)
        #expect(try currentUsage(app) == 2500)
        let response = try app.post("/api/v1/usage", report(usage("demo-pro", 25, key: "http-1"), usage("demo-pro", 5)))
        #expect(response.status == 201)
        #expect(response.header("X-Sidecar-Forwarding") == nil)
        let data = try #require(response.json["data"] as? [[String: Any]])
        #expect(data.count == 2)
        #expect(data[0]["currentUsage"] as? Double == 2525 && data[1]["currentUsage"] as? Double == 2530)
        for (item, value) in zip(data, [25.0, 5.0]) {
            #expect((item["id"] as? String)?.count == 36)
            #expect(item["customerId"] as? String == "demo-pro" && item["featureId"] as? String == "feature-api-calls")
            #expect(item["value"] as? Double == value)
            #expect(item["createdAt"] as? String != nil && item["timestamp"] as? String == item["createdAt"] as? String)
            #expect(item["usagePeriodEnd"] as? String != nil && item["resourceId"] is NSNull)
        }
        #expect(try currentUsage(app) == 2530)
        let deadline = ContinuousClock.now + .seconds(5)
        while fake.uniqueRecords < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(fake.deliveries("http-1") == 1 && fake.uniqueRecords == 2)
        #expect(fake.currentUsage(customerId: "demo-pro", featureId: "feature-api-calls") == 2530)
        while (try outbox(app)["sent"] as? Int) != 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let counts = try outbox(app)
        #expect(counts["pending"] as? Int == 0 && counts["sent"] as? Int == 2 && counts["deadLetters"] as? Int == 0)
        #expect(try currentUsage(app) == 2530)
        await app.shutdown()
        await fake.stop()
    }

    @Test("offline: applied locally, acknowledged with X-Sidecar-Forwarding: disabled, nothing queued")
    func offline() async throws {
        let app = try makeApp()
        let response = try app.post("/api/v1/usage", report(usage("demo-pro", 10)))
        #expect(response.status == 201)
        #expect(response.header("X-Sidecar-Forwarding") == "disabled")
        #expect((response.json["data"] as? [[String: Any]])?.first?["currentUsage"] as? Double == 2510)
        #expect(try currentUsage(app) == 2510)
        #expect(try outbox(app)["pending"] as? Int == 0)
        let events = try app.post("/api/v1/events", #"{"events":[{"customerId":"demo-pro","eventName":"e","idempotencyKey":"k"}]}"#)
        #expect(events.status == 200 && events.header("X-Sidecar-Forwarding") == "disabled")
        await app.shutdown()
    }

    @Test("a repeated idempotencyKey is acknowledged again with the same id and counted once")
    func repeated() async throws {
        let app = try makeApp()
        let first = try app.post("/api/v1/usage", report(usage("demo-pro", 10, key: "dup")))
        let second = try app.post("/api/v1/usage", report(usage("demo-pro", 10, key: "dup")))
        #expect(first.status == 201 && second.status == 201)
        let firstId = (first.json["data"] as? [[String: Any]])?.first?["id"] as? String
        #expect(firstId != nil && firstId == (second.json["data"] as? [[String: Any]])?.first?["id"] as? String)
        #expect(try currentUsage(app) == 2510)
        await app.shutdown()
    }

    @Test("an invalid record is a 400 naming its index and field, and nothing of the request is stored")
    func invalid() async throws {
        let app = try makeApp()
        let response = try app.post("/api/v1/usage", report(usage("demo-pro", 10), #"{"customerId":"demo-pro","featureId":"feature-api-calls","value":"ten"}"#))
        #expect(response.status == 400)
        #expect(response.errorMessage.hasPrefix("usages[1].value must be a number"))
        #expect((response.json["error"] as? [String: Any])?["code"] as? String == "invalid_body")
        #expect(try currentUsage(app) == 2500)
        let events = try app.post("/api/v1/events", #"{"events":[{"customerId":"demo-pro","eventName":"e"}]}"#)
        #expect(events.status == 400 && events.errorMessage.hasPrefix("events[0].idempotencyKey is required"))
        await app.shutdown()
    }

    @Test("a chunked body is accepted like a Content-Length one")
    func chunked() async throws {
        let app = try makeApp()
        let response = try app.post("/api/v1/usage", report(usage("demo-pro", 1), usage("demo-pro", 2)), chunked: true)
        #expect(response.status == 201)
        #expect(try currentUsage(app) == 2503)
        await app.shutdown()
    }

    @Test("SET below the limit lets a customer at its limit through again")
    func setRegrants() async throws {
        let app = try makeApp()
        let before = try app.get("/entitlements/check?customerId=demo-pro&featureId=feature-api-calls&requestedUsage=8000")
        #expect(before.data["isGranted"] as? Bool == false)
        #expect(try app.post("/api/v1/usage", report(usage("demo-pro", 1000, set: true))).status == 201)
        let after = try app.get("/entitlements/check?customerId=demo-pro&featureId=feature-api-calls&requestedUsage=8000")
        #expect(after.data["isGranted"] as? Bool == true)
        await app.shutdown()
    }

    @Test("a full outbox answers 503 with a clear error and stores nothing")
    func full() async throws {
        let app = try makeOnlineApp(upstream: try await deadUpstream()) { $0.outboxLimit = 2 }
        #expect(try app.post("/api/v1/usage", report(usage("c", 1), usage("c", 1))).status == 201)
        let refused = try app.post("/api/v1/usage", report(usage("c", 1)))
        #expect(refused.status == 503)
        #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "outbox_full")
        #expect(refused.errorMessage.contains("limit 2"))
        #expect(refused.header("Retry-After") == "5")
        #expect(try outbox(app)["pending"] as? Int == 2)
        await app.shutdown()
    }
}

@Suite("Shutdown")
struct ShutdownTests {
    @Test("SIGTERM with a hanging upstream, a request in flight and queued usage ends within the grace; the record stays queued")
    func withinGrace() async throws {
        let fake = FakeStigg()
        fake.seedDemo()
        try fake.start()
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let app = try makeOnlineApp(upstream: fake.baseURL, dbPath: directory.appendingPathComponent("sidecar.sqlite").path) {
            $0.shutdownGrace = .milliseconds(1500)
        }
        // Upstream hangs before the record arrives, so its delivery can only hang too.
        _ = fake.inject(.hang)
        let accepted = try app.post("/api/v1/usage", #"{"usages":[{"customerId":"demo-pro","featureId":"feature-api-calls","value":1,"idempotencyKey":"kept"}]}"#)
        #expect(accepted.status == 201)
        // A read-through that waits on the hanging upstream until its miss deadline (1 s).
        let port = app.port
        let inFlight = Task.detached { () -> Int? in
            guard let client = try? RawClient(port: port) else { return nil }
            try? client.send("GET /entitlements/check?customerId=demo-free&featureId=feature-api-calls HTTP/1.1\r\nHost: t\r\n\r\n")
            return (try? client.readResponse())??.status
        }
        #expect(await eventually { fake.calls("/api/v1/customers/demo-free") == 1 })
        let started = ContinuousClock.now
        await app.shutdown()
        let took = ContinuousClock.now - started
        #expect(took < .milliseconds(1500) + .milliseconds(400), "shutdown took \(took), grace 1.5 s")
        #expect(await inFlight.value == 200, "the request in flight was answered (from fallback)")
        #expect(app.usage.counts().pending == 1, "what could not be delivered stays queued")
        fake.clearFaults()
        await fake.stop()
    }
}
