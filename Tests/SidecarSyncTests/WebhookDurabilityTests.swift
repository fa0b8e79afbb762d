import Foundation
import Testing
import SidecarTestSupport
import FakeStigg
import SidecarCache
import SidecarModel
@testable import SidecarSync
@testable import SidecarApp

@Suite("Webhooks are durable: dedup, outages, restarts", .serialized)
struct WebhookDurabilityTests {
    @Test("a repeated messageId is a duplicate for 24 h, also after a restart, and does nothing again")
    func dedup() async throws {
        let harness = try makeHarness()
        let webhooks = WebhookService(service: harness.service)
        _ = await harness.check("demo-pro", "feature-api-calls")
        let event = webhookEvent("entitlements.updated", messageId: "msg-1", #""customer":{"id":"demo-pro"}"#)
        #expect(try await webhooks.receive(event) == .applied)
        #expect(await eventually { harness.dueMarks == 0 && harness.entitlementCalls == 2 })
        #expect(try await webhooks.receive(event) == .duplicate)
        await harness.engine.refreshWebhookMarks()
        #expect(harness.entitlementCalls == 2)
        #expect(webhooks.counts == WebhookService.Counts(received: 2, duplicates: 1, ignored: 0, lastReceivedAt: harness.clock.now))

        harness.engine.stop()
        let (_, engine, again) = try restarted(harness, upstream: harness.fake.baseURL)
        #expect(try await again.receive(event) == .duplicate)
        harness.clock.advance(seconds: 24 * 3600 + 1)
        #expect(try await again.receive(event) == .applied)
        engine.stop()
        await harness.stop()
    }

    @Test("a webhook during an outage is refreshed after recovery, with no second webhook")
    func outage() async throws {
        let harness = try makeHarness(timeout: .milliseconds(300))
        let webhooks = WebhookService(service: harness.service)
        _ = await harness.check("demo-pro", "feature-api-calls")
        try harness.fake.setEntitlements(customerId: "demo-pro", json: lapsedState)
        let rule = harness.fake.inject(.status(503))
        #expect(try await webhooks.receive(webhookEvent("entitlements.updated", #""customer":{"id":"demo-pro"}"#)) == .applied)
        #expect(await eventually { harness.engine.upstreamStatus.state == .failing })
        await harness.engine.refreshWebhookMarks()
        #expect(harness.dueMarks == 1)
        #expect(!harness.showsLapsed("demo-pro"))
        // Still failing after the backoff: retried, still due.
        harness.clock.advance(seconds: 5)
        await harness.engine.tick()
        #expect(harness.dueMarks == 1)
        harness.fake.clearFault(rule)
        harness.clock.advance(seconds: 10)
        await harness.engine.tick()
        #expect(harness.showsLapsed("demo-pro"))
        #expect(harness.dueMarks == 0)
        await harness.stop()
    }

    @Test("a webhook, then a restart during the outage: still refreshed after recovery")
    func restartDuringOutage() async throws {
        let harness = try makeHarness(timeout: .milliseconds(300))
        let webhooks = WebhookService(service: harness.service)
        _ = await harness.check("demo-pro", "feature-api-calls")
        try harness.fake.setEntitlements(customerId: "demo-pro", json: lapsedState)
        let rule = harness.fake.inject(.status(503))
        #expect(try await webhooks.receive(webhookEvent("customer.updated", #""id":"demo-pro""#)) == .applied)
        #expect(await eventually { harness.engine.upstreamStatus.state == .failing })
        harness.engine.stop()
        await harness.engine.refreshWebhookMarks()
        #expect(harness.dueMarks == 1)

        let (store, engine, _) = try restarted(harness, upstream: harness.fake.baseURL)
        harness.fake.clearFault(rule)
        engine.start()
        #expect(await eventually {
            guard case .state(let cached) = store.lookup(StateKey(customerId: "demo-pro")) else { return false }
            return cached.state.accessDeniedReason == .noActiveSubscription
        })
        #expect(await eventually { (try? store.webhookDueCount()) == 0 })
        engine.stop()
        await harness.stop()
    }

    @Test("a webhook landing while a read is in flight is not satisfied by that read")
    func inFlightRead() async throws {
        let harness = try makeHarness()
        let webhooks = WebhookService(service: harness.service)
        _ = await harness.check("demo-pro", "feature-api-calls")
        // The refresh leaves before the change and comes back after the webhook.
        let slow = harness.fake.inject(.latency(milliseconds: 300), pathPrefix: "/api/v1/customers/demo-pro", count: 1)
        let refresh = Task { await harness.engine.load(StateKey(customerId: "demo-pro"), priority: .background) }
        #expect(await eventually { harness.engine.isInFlight(StateKey(customerId: "demo-pro")) })
        try harness.fake.setEntitlements(customerId: "demo-pro", json: lapsedState)
        _ = try await webhooks.receive(webhookEvent("entitlements.updated", #""customer":{"id":"demo-pro"}"#))
        _ = await refresh.value
        #expect(await eventually { harness.showsLapsed("demo-pro") && harness.dueMarks == 0 })
        harness.fake.clearFault(slow)
        await harness.stop()
    }
}
