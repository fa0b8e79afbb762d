import Foundation
import SidecarApp
import SidecarConfig
import SidecarRedis
import SidecarTestSupport
import Testing

extension FleetSuite {
    @Suite("Fleet: Redis down, back, restarts, secrets", .serialized)
    struct FleetFailureTests {
        @Test("Redis stopped: every check still answers, /readyz unchanged, fleet disconnected; Redis back: shared again")
        func redisDownAndBack() async throws {
            let harness = try FleetHarness()
            harness.fake.addSyntheticCustomers(count: 4)
            let sidecars = try await harness.startFleet(2)
            #expect(try sidecars[0].check("demo-pro").source == "upstream")
            #expect(try sidecars[1].check("demo-pro").source == "cache")
            let readyBefore = try sidecars.map { try $0.get("/readyz").text }
            let port = harness.redis.port
            harness.redis.stop()

            // Cached and uncached customers alike, on both sidecars, while Redis is gone.
            let started = ContinuousClock.now
            for app in sidecars {
                #expect(try app.check("demo-pro").granted == true)
                let fresh = try app.check("synthetic-000001")
                #expect(fresh.status == 200)
                #expect(["upstream", "cache"].contains(fresh.source ?? ""))
            }
            // No answer waited on Redis beyond its command timeout.
            #expect(ContinuousClock.now - started < .seconds(2))
            for app in sidecars { try await app.waitForFleet("disconnected") }
            #expect(try sidecars.map { try $0.get("/readyz").text } == readyBefore)
            let status = try sidecars[0].fleetStatus
            #expect(status["lastError"] is String)
            #expect(try sidecars[0].get("/metrics").text.contains("sidecar_fleet_connected 0"))

            // Redis back on the same port (empty, as after a restart without persistence).
            harness.redis = try RedisServer(port: port)
            for app in sidecars { try await app.waitForFleet("connected", timeout: .seconds(15)) }
            #expect(try sidecars[0].check("synthetic-000003").source == "upstream")
            #expect(try sidecars[1].check("synthetic-000003").source == "cache")
            #expect(harness.reads("synthetic-000003") == 1)
            await harness.stop()
        }

        @Test("Redis hanging (SIGSTOP): with the real 50 ms command timeout no check waits on it; resumed, it is used again")
        func redisHanging() async throws {
            let harness = try FleetHarness()
            harness.fake.addSyntheticCustomers(count: 3)
            let a = try await harness.start(harness.config("a"), tuning: Tuning())
            let b = try await harness.start(harness.config("b"), tuning: Tuning())
            #expect(try a.check("demo-pro").status == 200)
            harness.redis.pause()
            defer { harness.redis.resume() }
            for (index, app) in [a, b].enumerated() {
                let started = ContinuousClock.now
                let answer = try app.check("synthetic-00000\(index + 1)")
                // One command timeout (maybe two, the lease after the read), then upstream.
                #expect(ContinuousClock.now - started < .milliseconds(900))
                #expect(answer.source == "upstream")
                #expect(answer.granted == true)
            }
            try await b.waitForFleet("disconnected")
            #expect(try b.get("/readyz").status == 200)
            harness.redis.resume()
            for app in [a, b] { try await app.waitForFleet("connected", timeout: .seconds(15)) }
            #expect(try a.check("synthetic-000003").source == "upstream")
            #expect(try b.check("synthetic-000003").source == "cache")
            await harness.stop()
        }

        @Test("upstream down, circuit open: a miss is still answered from Redis; with nothing there, from fallback at once")
        func upstreamDown() async throws {
            let harness = try FleetHarness()
            let a = try await harness.start(harness.config("a"))
            let b = try await harness.start(harness.config("b"))
            #expect(try a.check("demo-pro").source == "upstream")
            _ = harness.fake.inject(.status(503))
            // Five failed misses open B's circuit.
            for index in 1...5 { #expect(try b.check("nobody-\(index)").source == "fallback") }
            #expect(try b.get("/status").json["upstream"].flatMap { ($0 as? [String: Any])?["circuit"] as? String } == "open")
            let shared = try b.check("demo-pro")
            #expect(shared.source == "cache")
            #expect(shared.granted == true)
            let started = ContinuousClock.now
            #expect(try b.check("demo-free").source == "fallback")
            #expect(ContinuousClock.now - started < .milliseconds(500))
            harness.fake.clearFaults()
            await harness.stop()
        }

        @Test("a restarted sidecar catches up from its stream position")
        func catchUpAfterRestart() async throws {
            let harness = try FleetHarness()
            var configA = harness.config("a")
            configA.webhookSecret = "whsec-fleet-1"
            let a = try await harness.start(configA)
            let configB = harness.config("b")
            var b = try await harness.start(configB)
            #expect(try a.check("demo-pro").granted == true)
            #expect(try b.check("demo-pro").source == "cache")
            await b.shutdown()
            harness.sidecars.removeAll { $0 === b }

            // While B is down, the plan changes and A refreshes it on the webhook.
            try harness.fake.setEntitlements(customerId: "demo-pro", json: #"{"accessDeniedReason":"NoActiveSubscription","entitlements":[]}"#)
            let url = "http://127.0.0.1:\(a.port)/webhooks/stigg"
            let delivery = await harness.fake.sendWebhook(to: url, secret: "whsec-fleet-1", customerId: "demo-pro")
            #expect(delivery.status == 202)
            #expect(await eventually { (try? a.check("demo-pro"))?.granted == false })
            #expect(harness.reads("demo-pro") == 2)

            // B comes back on its own database: its state is on disk (not due), so only the
            // stream can bring the change, and it does without another upstream read.
            b = try await harness.start(configB)
            #expect(await eventually { (try? b.check("demo-pro"))?.granted == false })
            #expect(harness.reads("demo-pro") == 2)
            await harness.stop()
        }

        @Test("the Redis password appears in no log, error, /status or /metrics; a wrong one leaves the sidecar standalone")
        func password() async throws {
            let secret = "s3cr3t-Redis-pw-77"
            let harness = try FleetHarness(password: secret)
            let good = try await harness.start(harness.config("good"))
            #expect(try good.check("demo-pro").source == "upstream")
            try await good.waitForFleet("connected")
            let wrong = "wr0ng-Redis-pw-99"
            let bad = try await harness.start(harness.config("bad", redisPassword: wrong))
            #expect(try bad.check("demo-free").status == 200)
            try await bad.waitForFleet("disconnected")
            let error = try #require(try bad.fleetStatus["lastError"] as? String)
            #expect(error.contains("auth") || error.contains("AUTH") || error.contains("WRONGPASS"))
            #expect(try bad.get("/readyz").status == 200)
            var texts = [harness.log.text]
            for app in [good, bad] {
                texts.append(try app.get("/status").text)
                texts.append(try app.get("/metrics").text)
            }
            for text in texts {
                #expect(!text.contains(secret))
                #expect(!text.contains(wrong))
            }
            #expect(harness.log.text.contains("fleet"))
            await harness.stop()
        }

        @Test("fleet mode off: /status says disabled with a null lag, and the metrics are there at 0")
        func disabled() async throws {
            let harness = try FleetHarness()
            var config = harness.config("solo")
            config.redisURL = nil
            let app = try await harness.start(config)
            let fleet = try app.fleetStatus
            #expect(fleet["state"] as? String == "disabled")
            #expect(fleet["streamLagSeconds"] is NSNull)
            let metrics = try app.get("/metrics").text
            #expect(metrics.contains("# HELP sidecar_fleet_connected"))
            #expect(metrics.contains("sidecar_fleet_connected 0"))
            await harness.stop()
        }
    }
}
