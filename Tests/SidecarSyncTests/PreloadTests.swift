import Foundation
import Testing
import SidecarTestSupport
import FakeStigg
import SidecarCache
import SidecarModel
import SidecarSync
@testable import SidecarApp

@Suite("Preload, staleness policy and readiness")
struct PreloadTests {
    @Test("preload all pages through every customer and caches each once")
    func preloadAll() async throws {
        let harness = try makeHarness { $0.preload = .all }
        harness.fake.addSyntheticCustomers(count: 250)
        let total = harness.fake.customerCount
        await harness.engine.tick()
        #expect(harness.persisted == total)
        #expect(harness.entitlementCalls == total)
        // Nobody asked for them yet: they wait on disk, not in memory.
        #expect(harness.store.count == 0)
        // Pages of 100 (the limit is 100): ceil(total / 100) list calls.
        #expect(harness.fake.totalCalls - harness.entitlementCalls == (total + 99) / 100)
        #expect(harness.answersAtOnce(harness.fake.customerIds.last!, "feature-api-calls"))
        #expect(harness.store.count == 1)
        // Preloaded entries stay fresh with nobody asking, a second's worth of the rate cap
        // per cycle (1,000 here), soonest due first.
        harness.clock.advance(seconds: 7200)
        await harness.engine.tick()
        #expect(harness.entitlementCalls == 2 * total)
        // Unasked for two hours, the one state asked for has left memory too; disk keeps all.
        #expect(harness.store.count == 0)
        #expect(harness.persisted == total)
        await harness.stop()
    }

    @Test("preload a list: those customers are fetched at start; unknown ones are remembered as such")
    func preloadList() async throws {
        let harness = try makeHarness(start: true) { $0.preload = .customers(["demo-pro", "demo-free", "ghost"]) }
        // The three fetches run side by side: wait for the ghost's answer too.
        #expect(await eventually {
            harness.store.count == 2 && harness.persisted == 2
                && harness.engine.notFoundSince(StateKey(customerId: "ghost"), at: harness.clock.now) != nil
        })
        #expect(harness.answersAtOnce("demo-pro", "feature-api-calls"))
        #expect(harness.answersAtOnce("demo-free", "feature-api-calls"))
        #expect(harness.answerAtOnce("ghost", "x")?.entitlement.accessDeniedReason == .customerNotFound)
        await harness.stop()
    }

    @Test("with SIDECAR_STALE_POLICY=fallback, data older than the limit is not used")
    func stalePolicyFallback() async throws {
        let rules = try FallbackRules(parsing: #"{"feature-api-calls":{"hasAccess":true,"isUnlimited":true}}"#)
        let harness = try makeHarness(fallback: rules, maxStaleness: .seconds(120), serveStale: false)
        #expect(await harness.check("demo-free", "feature-api-calls").entitlement.isGranted == false)
        _ = harness.fake.inject(.status(500))
        harness.clock.advance(seconds: 100)
        #expect(await harness.check("demo-free", "feature-api-calls").provenance.source == .cache)
        harness.clock.advance(seconds: 21)
        let old = await harness.check("demo-free", "feature-api-calls")
        #expect(old.provenance.source == .fallback)
        #expect(old.entitlement.isGranted)
        guard case .state(_, let provenance) = await harness.listing("demo-free") else {
            Issue.record("expected a listing")
            return
        }
        #expect(provenance.source == .fallback)
        await harness.stop()
    }

    @Test("with the serve policy, old data keeps answering: stale while upstream fails")
    func stalePolicyServe() async throws {
        let harness = try makeHarness(maxStaleness: .seconds(120))
        _ = await harness.check("demo-free", "feature-api-calls")
        _ = harness.fake.inject(.status(500))
        await harness.refreshCycle()
        harness.clock.advance(seconds: 1000)
        let answer = await harness.check("demo-free", "feature-api-calls")
        #expect(answer.provenance.source == .stale)
        #expect(answer.provenance.ageSeconds == 1031)
        await harness.stop()
    }

    @Test("readiness: not contacted, ready, degraded with data, not ready without")
    func readiness() async throws {
        let harness = try makeHarness()
        #expect(harness.service.readiness.status == .notReady)
        await harness.engine.probe()
        #expect(harness.service.readiness.status == .ready)
        let rule = harness.fake.inject(.status(500))
        await harness.engine.probe()
        #expect(harness.service.readiness.status == .notReady)
        #expect(harness.service.readiness.reason.contains("500"))
        harness.fake.clearFault(rule)
        _ = await harness.check("demo-pro", "feature-api-calls")
        _ = harness.fake.inject(.dropConnection)
        harness.clock.advance(seconds: 120)
        await harness.engine.probe()
        #expect(harness.service.readiness.status == .degraded)
        #expect(harness.service.readiness.isServing)
        await harness.stop()
    }
}
