import Foundation
import SidecarApp
import SidecarRedis
import SidecarTestSupport
import Testing

extension FleetSuite {
    @Suite("Fleet: shared states and leases", .serialized)
    struct SharedStateTests {
        @Test("three sidecars asked about the same 20 customers read each from upstream once")
        func sharedReads() async throws {
            let harness = try FleetHarness()
            harness.fake.addSyntheticCustomers(count: 20)
            let sidecars = try await harness.startFleet(3)
            let customers = (1...20).map { String(format: "synthetic-%06d", $0) }
            // All three at once for each customer: the lease makes one read, the others wait for it.
            for customer in customers {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for app in sidecars { group.addTask { try await offPool { try app.check(customer).status } } }
                    for try await status in group { #expect(status == 200) }
                }
            }
            #expect(customers.map(harness.reads).reduce(0, +) == 20, "\(harness.redisTrouble())")
            // Then one after the other: the shared copy answers with the fetching sidecar's syncedAt.
            let first = try sidecars[0].check("demo-pro")
            #expect(first.source == "upstream")
            for app in sidecars.dropFirst() {
                let answer = try app.check("demo-pro")
                #expect(answer.source == "cache")
                #expect(answer.sidecar["syncedAt"] as? String == first.sidecar["syncedAt"] as? String)
                #expect(answer.granted == true)
            }
            #expect(harness.reads("demo-pro") == 1)
            let metrics = try sidecars[1].get("/metrics").text
            #expect(metrics.contains("# HELP sidecar_fleet_reads_total"))
            #expect(metrics.contains(#"sidecar_fleet_reads_total{outcome="hit"}"#))
            #expect(metrics.contains("sidecar_fleet_connected 1"))
            let status = try sidecars[1].fleetStatus
            #expect(status["state"] as? String == "connected")
            #expect(status["streamLagSeconds"] is Double)
            await harness.stop()
        }

        @Test("a lease whose holder died: misses answer as for an upstream failure, then one sidecar reads after the expiry")
        func deadHolder() async throws {
            let harness = try FleetHarness()
            let sidecars = try await harness.startFleet(2) { $0.missTimeout = .milliseconds(300) }
            let redis = harness.redisClient()
            defer { redis.shutdown() }
            // A holder that took the lease and died before reading: nobody will release it.
            try await redis.set("test:lease:demo-pro:", Array("dead-holder".utf8), expiresIn: .milliseconds(1500))
            let during = try sidecars[0].check("demo-pro")
            #expect(during.status == 200)
            #expect(during.source == "fallback")
            #expect(harness.reads("demo-pro") == 0)
            var answered: RawResponse?
            let shown = await eventually(timeout: .seconds(5)) {
                for app in sidecars {
                    if let answer = try? app.check("demo-pro"), answer.granted == true { answered = answer; return true }
                }
                return false
            }
            #expect(shown)
            #expect(answered.map { ["upstream", "cache"].contains($0.source) } == true)
            #expect(harness.reads("demo-pro") == 1)
            await harness.stop()
        }

        @Test("garbage in Redis is never served and never replaces good local data")
        func garbage() async throws {
            let harness = try FleetHarness()
            let sidecars = try await harness.startFleet(2)
            let redis = harness.redisClient()
            defer { redis.shutdown() }
            let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
            try await redis.set("test:state:demo-pro:", Array("not json at all".utf8))
            try await redis.set("test:state:demo-free:", Array(#"{"syncedAtMs":\#(nowMs),"state":{"accessDeniedReason":null,"entitlements":"x"}}"#.utf8))
            _ = try await redis.value(["HSET", "test:state:demo-unlimited:", "a", "b"])
            for customer in ["demo-pro", "demo-free", "demo-unlimited"] {
                let answer = try sidecars[0].check(customer)
                #expect(answer.source == "upstream", "\(customer)")
            }
            #expect(try sidecars[0].check("demo-pro").granted == true)
            // Good data replaced the garbage: the other sidecar reads it from Redis.
            #expect(try sidecars[1].check("demo-pro").source == "cache")
            #expect(harness.reads("demo-pro") == 1)

            // A newer change announced for a held key, with garbage behind it: local data stays.
            try await redis.set("test:state:demo-pro:", Array(#"{"syncedAtMs":\#(nowMs + 60_000),"state":{"entitlements":[{"type":"FEATURE","isGranted":"yes"}]}}"#.utf8))
            try await redis.xadd("test:changes", fields: [
                ("customerId", Array("demo-pro".utf8)), ("resourceId", []), ("syncedAt", Array(String(nowMs + 60_000).utf8)), ("by", Array("other".utf8)),
            ])
            // Then a good change for another held key: once every sidecar shows it, both entries were read.
            for app in sidecars { #expect(try app.check("demo-free").status == 200) }
            let lapsed = #"{"syncedAtMs":\#(nowMs + 60_000),"state":{"accessDeniedReason":"NoActiveSubscription","entitlements":[]}}"#
            try await redis.set("test:state:demo-free:", Array(lapsed.utf8))
            try await redis.xadd("test:changes", fields: [
                ("customerId", Array("demo-free".utf8)), ("resourceId", []), ("syncedAt", Array(String(nowMs + 60_000).utf8)), ("by", Array("other".utf8)),
            ])
            let applied = await eventually {
                sidecars.allSatisfy { app in (try? app.check("demo-free"))?.data["accessDeniedReason"] as? String == "NoActiveSubscription" }
            }
            #expect(applied)
            for app in sidecars {
                let answer = try app.check("demo-pro")
                #expect(answer.granted == true)
                #expect(answer.source == "cache")
            }
            #expect(harness.reads("demo-pro") == 1)
            await harness.stop()
        }

        @Test("two namespaces on one Redis do not share")
        func namespaces() async throws {
            let harness = try FleetHarness()
            let alpha = try await harness.startFleet(2, namespace: "alpha")
            let beta = try await harness.startFleet(1, namespace: "beta")
            #expect(try alpha[0].check("demo-pro").source == "upstream")
            #expect(try alpha[1].check("demo-pro").source == "cache")
            #expect(harness.reads("demo-pro") == 1)
            #expect(try beta[0].check("demo-pro").source == "upstream")
            #expect(harness.reads("demo-pro") == 2)
            let redis = harness.redisClient()
            defer { redis.shutdown() }
            // A read's state reaches Redis after the answer, so the last one may still be on its way.
            #expect(await eventually { (try? await redis.get("alpha:state:demo-pro:")) != nil })
            #expect(await eventually { (try? await redis.get("beta:state:demo-pro:")) != nil })
            await harness.stop()
        }
    }
}
