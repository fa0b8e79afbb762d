import Foundation
import SidecarApp
import SidecarTestSupport
import Testing

extension FleetSuite {
    @Suite("Fleet: the newer state wins, held in memory or only on disk", .serialized)
    struct FleetNewerWinsTests {
        @Test("a state held only on disk is not replaced by an older copy in Redis when its refresh fails")
        func diskStateBeatsOlderSharedCopy() async throws {
            let harness = try FleetHarness()
            let customer = "demo-pro"
            var config = harness.config("b")
            config.preload = .all
            config.refreshInterval = .seconds(1)
            let first = try await harness.start(config)
            #expect(await eventually { harness.reads(customer) >= 1 })
            let held = try await offPool { try first.check(customer) }
            #expect(held.granted == true)
            await first.shutdown()
            harness.sidecars.removeAll { $0 === first }

            // Redis holds an older copy (as another sidecar's earlier fetch left it), and
            // upstream now fails for this customer, so the refresh cannot settle it.
            let redis = harness.redisClient()
            defer { redis.shutdown() }
            let olderMs = Int64((Date().timeIntervalSince1970 - 600) * 1000)
            let older = #"{"syncedAtMs":\#(olderMs),"state":{"accessDeniedReason":"NoActiveSubscription","entitlements":[]}}"#
            try await redis.set("test:state:\(customer):", Array(older.utf8))
            _ = harness.fake.inject(.status(500), pathPrefix: "/api/v1/customers/\(customer)/entitlements")

            // Back with nothing in memory: the poller refreshes the disk-only state once it is due.
            let before = harness.reads(customer)
            let app = try await harness.start(config)
            #expect(await eventually { harness.reads(customer) > before }, "\(harness.redisTrouble())")
            let answer = try await offPool { try app.check(customer) }
            #expect(answer.data["accessDeniedReason"] as? String != "NoActiveSubscription", "\(answer.json)")
            #expect(answer.granted == true)
            harness.fake.clearFaults()
            await harness.stop()
        }
    }
}
