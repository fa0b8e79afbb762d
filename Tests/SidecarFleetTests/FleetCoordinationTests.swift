import Foundation
import SidecarApp
import SidecarConfig
import SidecarTestSupport
import Synchronization
import Testing

extension FleetSuite {
    @Suite("Fleet: webhooks, shared refresh, shared budget", .serialized)
    struct FleetCoordinationTests {
        @Test("a webhook accepted by one sidecar reaches all three within 1 s, with one upstream read; a retry elsewhere is a duplicate")
        func webhookFanOut() async throws {
            let harness = try FleetHarness()
            let sidecars = try await harness.startFleet(3) { $0.webhookSecret = "whsec-fleet-2" }
            for app in sidecars { #expect(try app.check("demo-pro").granted == true) }
            #expect(harness.reads("demo-pro") == 1)

            let url = "http://127.0.0.1:\(sidecars[0].port)/webhooks/stigg"
            harness.fake.setWebhookTarget(url: url, secret: "whsec-fleet-2")
            try harness.fake.setEntitlements(customerId: "demo-pro", json: #"{"accessDeniedReason":"NoActiveSubscription","entitlements":[]}"#)
            #expect(await eventually { !harness.fake.webhookDeliveries.isEmpty })
            let accepted = ContinuousClock.now
            let delivery = try #require(harness.fake.webhookDeliveries.first)
            #expect(delivery.status == 202)
            let everywhere = await eventually(timeout: .seconds(3)) {
                sidecars.allSatisfy { (try? $0.check("demo-pro"))?.granted == false }
            }
            let elapsed = ContinuousClock.now - accepted
            #expect(everywhere)
            #expect(elapsed < .seconds(1), "fan-out took \(elapsed)")
            #expect(harness.reads("demo-pro") == 2)

            // Stigg retries the same message on another sidecar: a duplicate there too.
            harness.fake.clearWebhookTarget()
            let retry = await harness.fake.sendWebhook(
                to: "http://127.0.0.1:\(sidecars[2].port)/webhooks/stigg", secret: "whsec-fleet-2", customerId: "demo-pro", messageId: delivery.messageId)
            #expect(retry.status == 202)
            let webhooks = try sidecars[2].get("/status").json["webhooks"] as? [String: Any]
            #expect(webhooks?["duplicates"] as? Int == 1)
            #expect(harness.reads("demo-pro") == 2)
            await harness.stop()
        }

        @Test("a webhook for a customer only another sidecar holds is refreshed once and reaches it")
        func webhookForKeyHeldElsewhere() async throws {
            let harness = try FleetHarness()
            let sidecars = try await harness.startFleet(2) { $0.webhookSecret = "whsec-fleet-3" }
            #expect(try sidecars[1].check("demo-team").status == 200)
            #expect(harness.reads("demo-team") == 1)
            // The read's state reaches Redis just after its answer; until then another sidecar
            // knows of the key by its lease (the next test).
            let redis = harness.redisClient()
            defer { redis.shutdown() }
            #expect(await eventually { (try? await redis.get("test:state:demo-team:")) != nil })
            try harness.fake.setEntitlements(customerId: "demo-team", json: #"{"accessDeniedReason":"NoActiveSubscription","entitlements":[]}"#)
            let delivery = await harness.fake.sendWebhook(
                to: "http://127.0.0.1:\(sidecars[0].port)/webhooks/stigg", secret: "whsec-fleet-3", type: "subscription.updated", customerId: "demo-team")
            #expect(delivery.status == 202)
            #expect(await eventually(timeout: .seconds(2)) {
                (try? sidecars[1].check("demo-team"))?.data["accessDeniedReason"] as? String == "NoActiveSubscription"
            })
            #expect(harness.reads("demo-team") == 2)
            await harness.stop()
        }

        @Test("a webhook that lands while another sidecar's first read of the customer is on the wire (lease held, nothing shared) is refreshed here")
        func webhookDuringReadElsewhere() async throws {
            let harness = try FleetHarness()
            let sidecars = try await harness.startFleet(2) { $0.webhookSecret = "whsec-fleet-8" }
            let redis = harness.redisClient()
            defer { redis.shutdown() }
            // Another sidecar's read of demo-team has left but not come back: it may carry the
            // state from before the change, and nothing of it is in Redis yet.
            #expect(try await redis.set("test:lease:demo-team:", Array("elsewhere/1".utf8), expiresIn: .seconds(10)))
            let delivery = await harness.fake.sendWebhook(
                to: "http://127.0.0.1:\(sidecars[0].port)/webhooks/stigg", secret: "whsec-fleet-8", type: "subscription.updated", customerId: "demo-team")
            #expect(delivery.status == 202)
            #expect(await eventually(timeout: .seconds(3)) { harness.reads("demo-team") == 1 })
            #expect(await eventually { (try? await redis.get("test:state:demo-team:")) != nil })
            await harness.stop()
        }

        @Test(
            "a webhook for a customer the fleet holds as not found (created since) is refreshed here, and the sidecar that asked answers the new state",
            arguments: ["entitlements.updated", "customer.created"])
        func webhookForSharedNotFound(type: String) async throws {
            let harness = try FleetHarness()
            let sidecars = try await harness.startFleet(2) { $0.webhookSecret = "whsec-fleet-9" }
            let redis = harness.redisClient()
            defer { redis.shutdown() }
            let customer = "newcomer"
            let before = try await offPool { try sidecars[1].check(customer) }
            #expect(before.data["accessDeniedReason"] as? String == "CustomerNotFound")
            #expect(await eventually { (try? await redis.get("test:notfound:\(customer):")) != nil })
            // The customer is created upstream; Stigg tells one sidecar, not the one that asked.
            try harness.fake.setEntitlements(customerId: customer, json: #"{"accessDeniedReason":"NoActiveSubscription","entitlements":[]}"#)
            let delivery = await harness.fake.sendWebhook(
                to: "http://127.0.0.1:\(sidecars[0].port)/webhooks/stigg", secret: "whsec-fleet-9", type: type, customerId: customer)
            #expect(delivery.status == 202)
            #expect(await eventually(timeout: .seconds(5)) { harness.reads(customer) == 2 })
            // Once the not-found is forgotten the check is a miss, which reads Redis: off the pool.
            #expect(await eventually(timeout: .seconds(5)) {
                (try? await offPool { try sidecars[1].check(customer) })?.data["accessDeniedReason"] as? String == "NoActiveSubscription"
            })
            #expect(harness.reads(customer) == 2)
            await harness.stop()
        }

        @Test("a catalog-wide webhook refreshes every state in Redis once, for sidecars that did not receive it too")
        func catalogWebhook() async throws {
            let harness = try FleetHarness()
            let sidecars = try await harness.startFleet(2) { $0.webhookSecret = "whsec-fleet-4" }
            for customer in ["demo-pro", "demo-free"] { #expect(try sidecars[1].check(customer).status == 200) }
            try harness.fake.setEntitlements(customerId: "demo-pro", json: #"{"accessDeniedReason":"NoActiveSubscription","entitlements":[]}"#)
            let delivery = await harness.fake.sendWebhook(
                to: "http://127.0.0.1:\(sidecars[0].port)/webhooks/stigg", secret: "whsec-fleet-4", type: "plan.updated", customerId: nil)
            #expect(delivery.status == 202)
            #expect(await eventually(timeout: .seconds(3)) {
                (try? sidecars[1].check("demo-pro"))?.data["accessDeniedReason"] as? String == "NoActiveSubscription"
            })
            #expect(await eventually { harness.reads("demo-free") == 2 })
            #expect(harness.reads("demo-pro") == 2)
            await harness.stop()
        }

        @Test("background refresh is shared: three sidecars refresh a hot key about once per interval between them")
        func sharedRefresh() async throws {
            let harness = try FleetHarness()
            let sidecars = try await harness.startFleet(3) { $0.refreshInterval = .seconds(1) }
            for app in sidecars { #expect(try app.check("demo-pro").status == 200) }
            #expect(harness.reads("demo-pro") == 1, "\(harness.redisTrouble())")
            let window = ContinuousClock.now
            // Keep the key hot on every sidecar for about four intervals.
            while ContinuousClock.now - window < .seconds(4) {
                for app in sidecars { _ = try await offPool { try app.check("demo-pro") } }
                try await Task.sleep(for: .milliseconds(100))
            }
            let refreshes = harness.reads("demo-pro") - 1
            // Standalone would be about 3 × 4 = 12; shared, about one per interval (due times
            // and the one-second poll add at most one interval's slack per window edge).
            #expect(refreshes >= 2, "\(refreshes)")
            #expect(refreshes <= 6, "\(refreshes)")
            await harness.stop()
        }

        @Test("the fleet budget caps entitlement reads of all sidecars together at one second's burst")
        func sharedBudget() async throws {
            let harness = try FleetHarness()
            harness.fake.addSyntheticCustomers(count: 45)
            let rate = 10
            let sidecars = try await harness.startFleet(3) { $0.fleetUpstreamRPS = rate; $0.upstreamRPS = 50 }
            let customers = (1...45).map { String(format: "synthetic-%06d", $0) }
            let total: @Sendable () -> Int = { customers.map(harness.reads).reduce(0, +) }
            let started = ContinuousClock.now
            // 15 different customers on each sidecar at once; misses answer at their deadline
            // while the reads go on and fill the cache.
            let requests = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, customer) in customers.enumerated() {
                        let app = sidecars[index % 3]
                        group.addTask { _ = try await offPool { try app.check(customer) } }
                    }
                    try await group.waitForAll()
                }
            }
            var worst = 0.0
            while total() < customers.count, ContinuousClock.now - started < .seconds(10) {
                // Reads first, then the clock: a stall between the two can only make the
                // check more lenient, never report reads the budget had allowed as excess.
                let reads = Double(total())
                let elapsed = (ContinuousClock.now - started).seconds
                // The bucket starts full (one second's worth) and refills at `rate`.
                worst = max(worst, reads - (Double(rate) + Double(rate) * elapsed))
                try await Task.sleep(for: .milliseconds(20))
            }
            try await requests.value
            let elapsed = (ContinuousClock.now - started).seconds
            #expect(total() == customers.count)
            #expect(worst <= 1, "reads ran \(worst) ahead of the budget")
            // Not throttled harder than the budget either: 45 reads at 10/s after a burst of 10.
            #expect(elapsed >= 3.0 && elapsed < 8.0, "\(elapsed) s")
            await harness.stop()
        }
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
