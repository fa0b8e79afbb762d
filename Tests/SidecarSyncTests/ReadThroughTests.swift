import Foundation
import Testing
import SidecarTestSupport
import FakeStigg
import SidecarCache
import SidecarModel
import SidecarSync
@testable import SidecarApp

@Suite("Read-through on a miss")
struct ReadThroughTests {
    @Test("a miss is fetched once, answered as upstream, then served from the cache")
    func missThenHit() async throws {
        let harness = try makeHarness()
        #expect(!harness.answersAtOnce("demo-pro", "feature-api-calls"))
        let first = await harness.check("demo-pro", "feature-api-calls", usage: 100)
        #expect(first.entitlement.isGranted)
        #expect(first.provenance.source == .upstream)
        #expect(first.provenance.ageSeconds == 0)
        let second = await harness.check("demo-pro", "feature-api-calls", usage: 100_000)
        #expect(!second.entitlement.isGranted)
        #expect(second.entitlement.accessDeniedReason == .requestedUsageExceedingLimit)
        #expect(second.provenance.source == .cache)
        #expect(harness.entitlementCalls == 1)
        await harness.stop()
    }

    @Test("200 concurrent checks for 20 uncached customers make exactly 20 upstream calls")
    func singleFlight() async throws {
        let harness = try makeHarness { $0.upstreamConcurrency = 4 }
        harness.fake.addSyntheticCustomers(count: 20)
        let ids = harness.fake.customerIds.filter { !$0.hasPrefix("demo-") }
        #expect(ids.count == 20)
        // Slow enough that every request arrives while its customer's call is in flight.
        _ = harness.fake.inject(.latency(milliseconds: 150))
        let answers = await withTaskGroup(of: EntitlementAnswers.Answer.self) { group in
            for index in 0..<200 {
                group.addTask { await harness.check(ids[index % 20], "feature-api-calls", usage: 1) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 200)
        // A task that runs late can find its customer already read and answer from the cache.
        #expect(answers.allSatisfy { $0.entitlement.isGranted && [.upstream, .cache].contains($0.provenance.source) })
        #expect(answers.filter { $0.provenance.source == .upstream }.count >= 20)
        #expect(harness.entitlementCalls == 20)
        #expect(harness.store.count == 20)
        await harness.stop()
    }

    @Test("CustomerNotFound is remembered for 60 s, then asked again")
    func notFoundCached() async throws {
        let harness = try makeHarness()
        let first = await harness.check("nobody", "feature-api-calls")
        #expect(first.entitlement.accessDeniedReason == .customerNotFound)
        #expect(first.provenance.source == .cache)
        harness.clock.advance(seconds: 59)
        #expect(harness.answersAtOnce("nobody", "feature-api-calls"))
        #expect(await harness.check("nobody", "feature-api-calls").entitlement.accessDeniedReason == .customerNotFound)
        #expect(harness.entitlementCalls == 1)
        harness.clock.advance(seconds: 2)
        #expect(!harness.answersAtOnce("nobody", "feature-api-calls"))
        _ = await harness.check("nobody", "feature-api-calls")
        #expect(harness.entitlementCalls == 2)
        // A resource upstream does not know: CustomerResourceNotFound, and a 404 listing.
        let resource = await harness.check("demo-team", "feature-sso", resourceId: "nope")
        #expect(resource.entitlement.accessDeniedReason == .customerResourceNotFound)
        guard case .resourceNotFound = await harness.listing("demo-team", resourceId: "nope") else {
            Issue.record("expected a 404 listing")
            return
        }
        await harness.stop()
    }

    @Test("past the miss deadline the fallback answers, and the late answer still fills the cache")
    func missDeadline() async throws {
        let rules = try FallbackRules(parsing: #"{"feature-api-calls":{"hasAccess":true,"usageLimit":5}}"#)
        let harness = try makeHarness(fallback: rules, timeout: .seconds(3)) { $0.missTimeout = .milliseconds(100) }
        _ = harness.fake.inject(.latency(milliseconds: 600), count: 1)
        let started = ContinuousClock.now
        let answer = await harness.check("demo-pro", "feature-api-calls", usage: 1)
        #expect(ContinuousClock.now - started < .milliseconds(550))
        #expect(answer.provenance.source == .fallback)
        #expect(answer.provenance.syncedAt == nil)
        #expect(answer.entitlement.isGranted)
        #expect(await eventually { harness.store.count == 1 })
        #expect(await harness.check("demo-pro", "feature-api-calls").provenance.source == .cache)
        #expect(harness.entitlementCalls == 1)
        await harness.stop()
    }

    @Test("listings read through too, and a deleted customer's listing says CustomerNotFound")
    func listings() async throws {
        let harness = try makeHarness()
        guard case .state(let state, let provenance) = await harness.listing("demo-pro") else {
            Issue.record("expected a state")
            return
        }
        #expect(state.feature("feature-api-calls") != nil)
        #expect(provenance.source == .upstream)
        guard case .state(let missing, _) = await harness.listing("nobody") else {
            Issue.record("expected a state")
            return
        }
        #expect(missing.accessDeniedReason == .customerNotFound)
        #expect(missing.entitlements.isEmpty)
        await harness.stop()
    }

    @Test("ENUM values go to upstream /check once per refresh interval")
    func enumValues() async throws {
        let harness = try makeHarness()
        let granted = await harness.check("demo-pro", "feature-region", values: ["eu", "us"])
        #expect(granted.entitlement.isGranted)
        #expect(granted.provenance.source == .upstream)
        let again = await harness.check("demo-pro", "feature-region", values: ["us", "eu"])
        #expect(again.provenance.source == .cache)
        #expect(harness.fake.calls("/api/v1/customers/demo-pro/entitlements/check") == 1)
        let denied = await harness.check("demo-pro", "feature-region", values: ["mars"])
        #expect(denied.entitlement.accessDeniedReason == .requestedValuesMismatch)
        #expect(harness.fake.calls("/api/v1/customers/demo-pro/entitlements/check") == 2)
        // Upstream down: the fallback decides.
        _ = harness.fake.inject(.status(500))
        let down = await harness.check("demo-pro", "feature-region", values: ["asia"])
        #expect(down.provenance.source == .fallback)
        #expect(!down.entitlement.isGranted)
        await harness.stop()
    }
}
