import Foundation
import Testing
import SidecarTestSupport
import FakeStigg
import SidecarCache
import SidecarModel
import SidecarSync
@testable import SidecarApp

/// DESIGN.md §11 "Never counted twice, not even for a moment": the `currentUsage` an app sees
/// is never above upstream's value plus the deltas acknowledged here that upstream has not
/// reflected yet, through read-through, refresh and forwarder races.
@Suite("Usage is never counted twice")
struct UsageCountTests {
    let forwarder = ForwarderTests()

    func answered(_ harness: Harness) async -> Double? {
        await harness.check("demo-pro", "feature-api-calls").entitlement.currentUsage
    }

    func upstream(_ harness: Harness) -> Double? {
        harness.fake.currentUsage(customerId: "demo-pro", featureId: "feature-api-calls")
    }

    @Test("uncached customer: a read-through while a sent record's answer is lost shows upstream's value, not it plus the record")
    func uncachedReadThroughDuringDelivery() async throws {
        let harness = try makeHarness()
        defer { Task { await harness.stop() } }
        let usage = makeUsage(harness)
        // Not cached yet: the record is queued, not applied anywhere locally.
        let first = try forwarder.accept(usage, usageBody([("demo-pro", 5, "r1")]))
        #expect(first.acks.first?.currentUsage == nil)
        // Upstream applies it, and every answer is lost until the fault is cleared.
        let lost = harness.fake.inject(.status(500), pathPrefix: "/api/v1/usage", processFirst: true)
        usage.forwarder?.start()
        #expect(await eventually { upstream(harness) == 2505 })
        // Read-through while the record is in flight: upstream's 2505 already holds it.
        #expect(await answered(harness) == 2505)
        // A second record, never sent yet, is applied locally on top: 2505 + 3.
        let second = try forwarder.accept(usage, usageBody([("demo-pro", 3, "r2")]))
        #expect(second.acks.first?.currentUsage == 2508)
        #expect(await answered(harness) == 2508)
        // A refresh meanwhile: upstream's value plus only what it has not seen. The forwarder
        // may have sent r2 by now (then it is upstream's or unknown): low is allowed, high never.
        await harness.refreshCycle()
        let refreshed = try #require(await answered(harness))
        #expect(refreshed >= 2505 && refreshed <= 2508)
        // Confirmation: upstream deduplicates r1, applies r2; the answer is upstream's own.
        harness.fake.clearFault(lost)
        #expect(await eventually { usage.counts().pending == 0 })
        #expect(upstream(harness) == 2508)
        #expect(await answered(harness) == 2508)
        await harness.refreshCycle()
        #expect(await answered(harness) == 2508)
        _ = await usage.forwarder?.stop(flushWithin: .seconds(1))
    }

    @Test("cached customer: refreshes racing a delivery never add a sent record again")
    func cachedRefreshDuringDelivery() async throws {
        let harness = try makeHarness()
        defer { Task { await harness.stop() } }
        #expect(await answered(harness) == 2500)
        let usage = makeUsage(harness)
        let ack = try forwarder.accept(usage, usageBody([("demo-pro", 7, "c1")]))
        #expect(ack.acks.first?.currentUsage == 2507)
        let lost = harness.fake.inject(.status(500), pathPrefix: "/api/v1/usage", processFirst: true)
        usage.forwarder?.start()
        #expect(await eventually { upstream(harness) == 2507 })
        for _ in 0..<3 {
            await harness.refreshCycle()
            let seen = try #require(await answered(harness))
            #expect(seen <= 2507, "upstream 2507 already holds the only record")
        }
        harness.fake.clearFault(lost)
        #expect(await eventually { usage.counts().pending == 0 })
        #expect(await answered(harness) == 2507)
        _ = await usage.forwarder?.stop(flushWithin: .seconds(1))
    }
}
