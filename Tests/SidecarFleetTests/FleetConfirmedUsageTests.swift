import Foundation
import SidecarApp
import SidecarModel
import SidecarTestSupport
import Testing

extension FleetSuite {
    @Suite("Fleet: confirmed usage shared", .serialized)
    struct FleetConfirmedUsageTests {
        static func usage(_ customer: String, _ value: Double, key: String) -> String {
            #"{"usages":[{"customerId":"\#(customer)","featureId":"feature-api-calls","value":\#(value),"idempotencyKey":"\#(key)"}]}"#
        }

        static func currentUsage(_ app: Application, _ customer: String) async throws -> Double? {
            try await offPool { try app.check(customer).data["currentUsage"] as? Double }
        }

        @Test("usage confirmed upstream for one sidecar reaches another within 1 s, its own unsent usage on top, with no upstream read")
        func confirmedUsageReachesFleet() async throws {
            let harness = try FleetHarness()
            harness.fake.addSyntheticCustomers(count: 1)
            let customer = "synthetic-000001"
            let a = try await harness.start(harness.config("a"))
            // B's own records stay queued through the test: unsent local usage.
            var holding = FleetHarness.patientRedis
            holding.forwarder = { $0.coalesce = .seconds(600) }
            let b = try await harness.start(harness.config("b"), tuning: holding)
            #expect(try await offPool { try a.check(customer).source } == "upstream")
            #expect(try await offPool { try b.check(customer).source } == "cache")
            #expect(try await offPool { try b.post("/api/v1/usage", Self.usage(customer, 3, key: "b-1")).status } == 201)
            #expect(try await Self.currentUsage(b, customer) == 3)

            // Usage upstream counts that A never saw (another client's): the total A gets back
            // differs from A's own view, so B can only show it if it came from upstream.
            let direct = try await offPool {
                let client = try RawClient(port: harness.fake.port)
                let body = Self.usage(customer, 7, key: "elsewhere-1")
                try client.send("POST /api/v1/usage HTTP/1.1\r\nHost: t\r\nX-API-KEY: server-fake-key\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                return try client.readResponse()?.status
            }
            #expect(direct.map { (200..<300).contains($0) } == true)
            #expect(try await offPool { try a.post("/api/v1/usage", Self.usage(customer, 5, key: "a-1")).status } == 201)
            #expect(try await Self.currentUsage(a, customer) == 5)
            #expect(await eventually { harness.fake.deliveries("a-1") == 1 })
            let delivered = ContinuousClock.now

            // Upstream's 12, plus B's own 3 it has not sent.
            let shown = await eventually(timeout: .seconds(3)) { (try? await Self.currentUsage(b, customer)) == 15 }
            let elapsed = ContinuousClock.now - delivered
            let shownOnB = try await Self.currentUsage(b, customer)
            #expect(shown, "B shows \(String(describing: shownOnB))")
            #expect(elapsed < .seconds(1), "took \(elapsed)")
            #expect(try await Self.currentUsage(a, customer) == 12)
            #expect(harness.reads(customer) == 1)

            // Redis holds upstream's confirmed total only, never a sender's queued records, and
            // the fetch's own sync time (a confirmation does not make the state look fresher).
            let redis = harness.redisClient()
            defer { redis.shutdown() }
            let stored = try #require(try await redis.get("test:state:\(customer):"))
            let shared = try #require(try JSONSerialization.jsonObject(with: Data(stored)) as? [String: Any])
            let entitlements = (shared["state"] as? [String: Any])?["entitlements"] as? [[String: Any]] ?? []
            let api = entitlements.first { ($0["feature"] as? [String: Any])?["id"] as? String == "feature-api-calls" }
            #expect(api?["currentUsage"] as? Double == 12)
            let syncedAt = try await offPool { try b.check(customer).sidecar["syncedAt"] as? String }
            #expect(Timestamp.formatRFC3339(Date(timeIntervalSince1970: (shared["syncedAtMs"] as? Double ?? 0) / 1000)) == syncedAt)
            #expect((shared["usageAtMs"] as? Double ?? 0) > (shared["syncedAtMs"] as? Double ?? 0))
            await harness.stop()
        }
    }
}
