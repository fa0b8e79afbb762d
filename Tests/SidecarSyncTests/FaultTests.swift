import Foundation
import Testing
import FakeStigg
import SidecarCache
import SidecarModel
import SidecarSync
@testable import SidecarApp

@Suite("Upstream faults keep last-known-good")
struct FaultTests {
    static let faults: [Fault] = [
        .status(500), .status(503), .status(429), .status(429, retryAfter: 5), .hang, .dropConnection,
        .malformedJSON, .htmlOK, .truncatedBody, .hugeBody(bytes: 9 * 1024 * 1024), .wrongTypes,
    ]

    @Test("a failed refresh keeps the state, shows the error in status, and answers turn stale", arguments: faults)
    func lastKnownGood(fault: Fault) async throws {
        let harness = try makeHarness(timeout: .milliseconds(300))
        _ = await harness.check("demo-pro", "feature-api-calls")
        guard case .state(let before) = harness.store.lookup(StateKey(customerId: "demo-pro")) else {
            Issue.record("not cached")
            return
        }
        let rule = harness.fake.inject(fault, pathPrefix: "/api/v1/customers/demo-pro")
        await harness.refreshCycle()
        guard case .state(let after) = harness.store.lookup(StateKey(customerId: "demo-pro")) else {
            Issue.record("last-known-good was deleted by \(fault)")
            return
        }
        #expect(after === before)
        #expect(after.lastAttemptFailed)
        let status = harness.engine.upstreamStatus
        #expect(status.state == .failing)
        #expect(status.consecutiveFailures == 1)
        #expect(status.lastError?.isEmpty == false)
        #expect(status.lastErrorAt == harness.clock.now)
        let answer = await harness.check("demo-pro", "feature-api-calls", usage: 10)
        #expect(answer.entitlement.isGranted)
        #expect(answer.provenance.source == .stale)
        #expect(answer.provenance.syncedAt == before.syncedAtText)
        harness.fake.clearFault(rule)
        // Recovery: the next refresh (after the backoff) replaces it and the answer is fresh.
        harness.clock.advance(seconds: 10)
        await harness.engine.tick()
        #expect(harness.engine.upstreamStatus.state == .healthy)
        #expect(await harness.check("demo-pro", "feature-api-calls").provenance.source == .cache)
        await harness.stop()
    }

    @Test("an outage: 500 checks for cached customers all answer from last-known-good as stale")
    func outage() async throws {
        let harness = try makeHarness()
        let customers = ["demo-pro", "demo-free", "demo-unlimited", "demo-lapsed"]
        var expected: [String: Bool] = [:]
        for customer in customers {
            expected[customer] = await harness.check(customer, "feature-api-calls", usage: 1).entitlement.isGranted
        }
        #expect(expected == ["demo-pro": true, "demo-free": false, "demo-unlimited": true, "demo-lapsed": false])
        _ = harness.fake.inject(.status(500))
        await harness.refreshCycle()
        let callsBefore = harness.fake.totalCalls
        for index in 0..<500 {
            let customer = customers[index % customers.count]
            let answer = await harness.check(customer, "feature-api-calls", usage: 1)
            #expect(answer.entitlement.isGranted == expected[customer])
            #expect(answer.provenance.source == .stale)
        }
        #expect(harness.fake.totalCalls == callsBefore)
        await harness.stop()
    }

    @Test("429 with Retry-After: no upstream call of any kind before it elapses")
    func retryAfter() async throws {
        let harness = try makeHarness()
        _ = await harness.check("demo-pro", "feature-api-calls")
        _ = harness.fake.inject(.status(429, retryAfter: 30), count: 1)
        await harness.refreshCycle()
        let calls = harness.fake.totalCalls
        #expect(harness.engine.upstreamStatus.nextAttemptAt == harness.clock.now.addingTimeInterval(30))
        // 29 s later: the poller holds back and a miss answers from the fallback at once.
        harness.clock.advance(seconds: 29)
        await harness.engine.tick()
        #expect(harness.answersAtOnce("demo-free", "feature-api-calls"))
        #expect(await harness.check("demo-free", "feature-api-calls").provenance.source == .fallback)
        #expect(harness.fake.totalCalls == calls)
        harness.clock.advance(seconds: 1.5)
        await harness.engine.tick()
        #expect(harness.fake.totalCalls == calls + 1)
        #expect(harness.engine.upstreamStatus.state == .healthy)
        await harness.stop()
    }

    @Test("five failures open the circuit: misses go to fallback at once; a probe after the backoff closes it")
    func circuit() async throws {
        let harness = try makeHarness { $0.backoffMax = .seconds(4) }
        harness.fake.addSyntheticCustomers(count: 5)
        let ids = harness.fake.customerIds.filter { !$0.hasPrefix("demo-") }
        let rule = harness.fake.inject(.status(502))
        for id in ids {
            #expect(await harness.check(id, "feature-api-calls").provenance.source == .fallback)
        }
        let status = harness.engine.upstreamStatus
        #expect(status.consecutiveFailures == 5)
        #expect(status.circuitOpen)
        let calls = harness.fake.totalCalls
        #expect(harness.answersAtOnce("demo-pro", "feature-api-calls"))
        #expect(harness.fake.totalCalls == calls)
        // Before the backoff (capped at 4 s here) has passed, no probe.
        await harness.engine.tick()
        #expect(harness.fake.totalCalls == calls)
        harness.fake.clearFault(rule)
        harness.clock.advance(seconds: 4.1)
        await harness.engine.tick()
        #expect(harness.fake.calls("/api/v1/customers") == calls + 1)
        #expect(!harness.engine.circuitOpen)
        #expect(!harness.answersAtOnce("demo-pro", "feature-api-calls"))
        #expect(await harness.check("demo-pro", "feature-api-calls").provenance.source == .upstream)
        await harness.stop()
    }

    @Test("a rejected API key is reported as such, without the key")
    func invalidKey() async throws {
        let harness = try makeHarness(apiKey: "server-wrong-secret-key")
        await harness.engine.probe()
        let status = harness.engine.upstreamStatus
        #expect(status.authenticationFailed)
        #expect(status.lastError?.contains("401") == true)
        #expect(status.lastError?.contains("STIGG_API_KEY") == true)
        #expect(status.lastError?.contains("server-wrong-secret-key") == false)
        #expect(harness.service.readiness.status == .notReady)
        await harness.stop()
    }
}
