import Foundation
import SidecarApp
import SidecarTestSupport
import Testing

extension FleetSuite {
    @Suite("Fleet: revalidation after the stream position was lost", .serialized)
    struct FleetRevalidationTests {
        @Test("a position trimmed away while stopped: states only on disk are revalidated from Redis on restart, with no upstream read")
        func revalidatesStatesOnDisk() async throws {
            let harness = try FleetHarness()
            harness.fake.addSyntheticCustomers(count: 4)
            let customers = (1...4).map { String(format: "synthetic-%06d", $0) }
            let config = harness.config("b")
            let first = try await harness.start(config)
            for customer in customers { #expect(try await offPool { try first.check(customer).source } == "upstream") }
            await first.shutdown()
            harness.sidecars.removeAll { $0 === first }

            // While it is stopped, two of its states change in Redis (as another sidecar's fetch
            // leaves them), and the stream entries announcing them are trimmed away.
            let redis = harness.redisClient()
            defer { redis.shutdown() }
            let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
            let lapsed = #"{"syncedAtMs":\#(nowMs),"state":{"accessDeniedReason":"NoActiveSubscription","entitlements":[]}}"#
            for customer in customers.prefix(2) {
                try await redis.set("test:state:\(customer):", Array(lapsed.utf8))
                try await redis.xadd("test:changes", fields: [
                    ("customerId", Array(customer.utf8)), ("resourceId", []), ("syncedAt", Array(String(nowMs).utf8)), ("by", Array("other".utf8)),
                ])
            }
            _ = try await redis.value(["XTRIM", "test:changes", "MAXLEN", "0"])

            // Back on its own database: nothing is in memory (states load when asked), so only a
            // walk over the disk can find them.
            let revalidations = { harness.log.text.components(separatedBy: "revalidated held states").count - 1 }
            let before = revalidations()
            let app = try await harness.start(config)
            #expect(await eventually { revalidations() > before }, "\(harness.redisTrouble())")
            for customer in customers {
                let answer = try await offPool { try app.check(customer) }
                let changed = customers.prefix(2).contains(customer)
                #expect(answer.data["accessDeniedReason"] as? String == (changed ? "NoActiveSubscription" : nil), "\(customer)")
                #expect(answer.source == "cache", "\(customer)")
            }
            #expect(customers.map(harness.reads).reduce(0, +) == 4)
            await harness.stop()
        }
    }
}
