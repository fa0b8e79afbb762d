import Foundation
import SidecarApp
import SidecarTestSupport
import Testing

extension FleetSuite {
    @Suite("Fleet: a lease holder killed", .serialized)
    struct FleetKilledHolderTests {
        @Test("a sidecar process killed (-9) while it holds a lease: others answer within their deadline, then one reads after the expiry")
        func killedHolder() async throws {
            let harness = try FleetHarness()
            let customer = "demo-pro"
            let leaseKey = "test:lease:\(customer):"
            // The holder's upstream read never comes back: it is inside it when it dies.
            _ = harness.fake.inject(.hang, pathPrefix: "/api/v1/customers/\(customer)/entitlements")
            let holder = try SidecarProcess(environment: [
                "STIGG_API_KEY": "server-fake-key", "STIGG_BASE_URL": harness.fake.baseURL,
                "SIDECAR_REDIS_URL": "redis://127.0.0.1:\(harness.redis.port)", "SIDECAR_FLEET_NAMESPACE": "test",
                "SIDECAR_MISS_TIMEOUT": "300ms",
            ])
            var config = harness.config("survivor")
            config.missTimeout = .milliseconds(300)
            let survivor = try await harness.start(config)
            let redis = harness.redisClient()
            defer { redis.shutdown() }

            // The holder's own caller gets its answer at the miss deadline; the read goes on.
            let first = try await offPool { () -> RawResponse? in
                let client = try RawClient(port: holder.port)
                try client.send("GET /entitlements/check?customerId=\(customer)&featureId=feature-api-calls HTTP/1.1\r\nHost: t\r\n\r\n")
                return try client.readResponse()
            }
            #expect(first?.status == 200)
            #expect(await eventually { harness.fake.hungRequests == 1 })
            #expect(try await redis.get(leaseKey) != nil, "the holder read without the lease:\n\(holder.logText)")

            holder.send(signal: SIGKILL)
            #expect(holder.waitForExit() == SIGKILL)
            // Nobody released it: it ends only by expiry.
            let remaining = try #require(try await redis.value(["PTTL", leaseKey]).integer)
            #expect(remaining > 1000, "\(remaining) ms left")
            let expiresAt = ContinuousClock.now + .milliseconds(remaining)
            harness.fake.clearFaults()
            #expect(harness.reads(customer) == 1)

            // Meanwhile the survivor answers as for an upstream failure, within its deadline,
            // without reading upstream itself.
            let started = ContinuousClock.now
            let during = try await offPool { try survivor.check(customer) }
            #expect(ContinuousClock.now - started < .milliseconds(900))
            #expect(during.status == 200)
            #expect(during.source == "fallback")
            #expect(harness.reads(customer) == 1)

            // After the expiry it takes the lease and reads: one more read in all.
            var answered: RawResponse?
            let read = await eventually(timeout: .seconds(20)) {
                answered = try? await offPool { try survivor.check(customer) }
                return answered?.granted == true
            }
            #expect(read)
            #expect(ContinuousClock.now >= expiresAt - .milliseconds(100))
            #expect(["upstream", "cache"].contains(answered?.source ?? ""))
            #expect(harness.reads(customer) == 2)
            // Released once its result was shared.
            #expect(await eventually { (try? await redis.get(leaseKey)) == .some(nil) })
            await harness.stop()
        }
    }
}
