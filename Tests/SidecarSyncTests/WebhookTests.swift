import Foundation
import Logging
import Testing
import SidecarTestSupport
import FakeStigg
import SidecarCache
import SidecarModel
@testable import SidecarSync
import SidecarUpstream
@testable import SidecarApp

/// A state upstream changes to in these tests: every check of it is denied.
let lapsedState = #"{"accessDeniedReason":"NoActiveSubscription","entitlements":[]}"#

/// A flat Stigg event, as STIGG-API.md §6.3 shows them.
func webhookEvent(_ type: String, messageId: String = UUID().uuidString, _ fields: String = "") -> WebhookEvent {
    let body = #"{"type":"\#(type)","messageId":"\#(messageId)","traceId":"t-1","timestamp":"2026-11-02T10:15:30.123Z"\#(fields.isEmpty ? "" : "," + fields)}"#
    // Every event built here is valid by construction.
    return try! WebhookEvent(parsing: Array(body.utf8))
}

extension WebhookService {
    func receive(_ event: WebhookEvent) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            receive(event) { continuation.resume(with: $0) }
        }
    }
}

extension Harness {
    var dueMarks: Int { (try? store.webhookDueCount()) ?? -1 }

    /// Whether a check of `customerId` is now answered from the lapsed state.
    func showsLapsed(_ customerId: String, resourceId: String? = nil) -> Bool {
        let key = StateKey(customerId: customerId, resourceId: resourceId)
        guard case .state(let cached) = store.lookup(key) else { return false }
        return cached.state.accessDeniedReason == .noActiveSubscription
    }
}

/// A second sync engine on `harness`'s database, as after a restart (same upstream).
func restarted(_ harness: Harness, upstream: String) throws -> (EntitlementStore, SyncEngine, WebhookService) {
    let store = try EntitlementStore.open(path: harness.directory.appendingPathComponent("cache.sqlite").path).store
    try store.loadLazily(origin: .upstream)
    var settings = SyncSettings()
    settings.pollInterval = nil
    settings.upstreamRPS = 1_000
    var logger = Logger(label: "webhook-test")
    logger.logLevel = .critical
    let client = StiggClient(configuration: UpstreamConfiguration(baseURL: URL(string: upstream)!, apiKey: "server-fake-key", timeout: .milliseconds(500)))
    let clock = harness.clock
    let engine = SyncEngine(store: store, client: client, settings: settings, logger: logger, now: { clock.now }, random: { 0.999_999 })
    let service = EntitlementService(store: store, mode: .online(engine), policy: .init(), now: { clock.now })
    return (store, engine, WebhookService(service: service))
}

@Suite("Webhooks refresh the cache", .serialized)
struct WebhookTests {
    @Test("entitlements.updated: that state is refreshed at once with one upstream read, and its mark cleared")
    func entitlementsUpdated() async throws {
        let harness = try makeHarness()
        let webhooks = WebhookService(service: harness.service)
        _ = await harness.check("demo-pro", "feature-api-calls")
        #expect(harness.entitlementCalls == 1)
        try harness.fake.setEntitlements(customerId: "demo-pro", json: lapsedState)
        let outcome = try await webhooks.receive(webhookEvent("entitlements.updated", #""customer":{"id":"demo-pro"},"resource":null,"entitlements":[]"#))
        #expect(outcome == .applied)
        // Woken by the intake, not by a poller tick (none runs in this harness).
        #expect(await eventually { harness.showsLapsed("demo-pro") })
        #expect(await eventually { harness.dueMarks == 0 })
        #expect(harness.entitlementCalls == 2)
        #expect(await harness.check("demo-pro", "feature-api-calls").entitlement.isGranted == false)
        await harness.stop()
    }

    @Test("entitlements.updated names a resource: only that state is refreshed")
    func resourceScoped() async throws {
        let harness = try makeHarness()
        let webhooks = WebhookService(service: harness.service)
        _ = await harness.listing("demo-team")
        _ = await harness.listing("demo-team", resourceId: "workspace-1")
        try harness.fake.setEntitlements(customerId: "demo-team", resourceId: "workspace-1", json: lapsedState)
        #expect(try await webhooks.receive(webhookEvent("entitlements.updated", #""customer":{"id":"demo-team"},"resource":{"id":"workspace-1","entityId":"x"}"#)) == .applied)
        #expect(await eventually { harness.showsLapsed("demo-team", resourceId: "workspace-1") })
        #expect(await eventually { harness.dueMarks == 0 })
        #expect(harness.fake.calls("/api/v1/customers/demo-team/entitlements") == 3)
        #expect(!harness.showsLapsed("demo-team"))
        await harness.stop()
    }

    @Test("customer-level families refresh every cached state of that customer", arguments: [
        ("customer.updated", #""id":"demo-team","entityId":"e-1","name":"Team""#),
        ("subscription.created", #""customerId":"demo-team""#),
        ("trial.expired", #""customer":{"id":"demo-team"}"#),
        ("promotionalEntitlement.expired", #""customer":{"id":"demo-team"}"#),
        ("promotional_entitlement.granted", #""customerId":"demo-team""#),
        ("credit.balance.low", #""customer":{"id":"demo-team"}"#),
        ("entitlement.usage_exceeded", #""customerId":"demo-team""#),
    ])
    func customerFamilies(type: String, fields: String) async throws {
        let harness = try makeHarness()
        let webhooks = WebhookService(service: harness.service)
        _ = await harness.listing("demo-team")
        _ = await harness.listing("demo-team", resourceId: "workspace-1")
        _ = await harness.check("demo-pro", "feature-api-calls")
        #expect(harness.entitlementCalls == 3)
        try harness.fake.setEntitlements(customerId: "demo-team", json: lapsedState)
        try harness.fake.setEntitlements(customerId: "demo-team", resourceId: "workspace-1", json: lapsedState)
        #expect(try await webhooks.receive(webhookEvent(type, fields)) == .applied)
        #expect(await eventually { harness.showsLapsed("demo-team") && harness.showsLapsed("demo-team", resourceId: "workspace-1") })
        #expect(await eventually { harness.dueMarks == 0 })
        // Both states of demo-team, nothing of demo-pro.
        #expect(harness.entitlementCalls == 5)
        #expect(harness.fake.calls("/api/v1/customers/demo-pro/") == 1)
        await harness.stop()
    }

    @Test("catalog families make every cached state due, refreshed most recently asked first", arguments: ["plan.updated", "addon.deleted", "feature.updated", "package.published"])
    func catalogFamilies(type: String) async throws {
        // One call at a time, so the order of the reads is the order of the queue.
        let harness = try makeHarness { $0.upstreamConcurrency = 1 }
        let webhooks = WebhookService(service: harness.service)
        for customer in ["demo-free", "demo-unlimited", "demo-pro"] {
            _ = await harness.check(customer, "feature-api-calls")
            // accessed_at on disk is the put time: let each be a second later.
            harness.clock.advance(seconds: 1)
        }
        for customer in ["demo-free", "demo-unlimited", "demo-pro"] {
            try harness.fake.setEntitlements(customerId: customer, json: lapsedState)
        }
        let before = harness.fake.recentCalls.count
        #expect(try await webhooks.receive(webhookEvent(type, #""id":"plan-pro""#)) == .applied)
        #expect(await eventually { ["demo-free", "demo-unlimited", "demo-pro"].allSatisfy { harness.showsLapsed($0) } })
        #expect(await eventually { harness.dueMarks == 0 })
        #expect(harness.entitlementCalls == 6)
        let order = Array(harness.fake.recentCalls.dropFirst(before))
        #expect(order == ["/api/v1/customers/demo-pro/entitlements", "/api/v1/customers/demo-unlimited/entitlements", "/api/v1/customers/demo-free/entitlements"])
        await harness.stop()
    }

    @Test("a customer's own change goes ahead of a plan change's backlog")
    func ownChangeFirst() async throws {
        let harness = try makeHarness { $0.upstreamConcurrency = 1 }
        harness.fake.addSyntheticCustomers(count: 20)
        let webhooks = WebhookService(service: harness.service)
        for index in 1...20 {
            _ = await harness.check(String(format: "synthetic-%06d", index), "feature-api-calls")
            harness.clock.advance(seconds: 1)
        }
        // Most recently asked first: synthetic-000001 would be the backlog's last.
        let slow = harness.fake.inject(.latency(milliseconds: 30))
        #expect(try await webhooks.receive(webhookEvent("plan.updated", #""id":"plan-pro""#)) == .applied)
        #expect(await eventually { harness.entitlementCalls >= 22 })
        try harness.fake.setEntitlements(customerId: "synthetic-000001", json: lapsedState)
        #expect(try await webhooks.receive(webhookEvent("entitlements.updated", #""customer":{"id":"synthetic-000001"}"#)) == .applied)
        #expect(await eventually { harness.showsLapsed("synthetic-000001") })
        #expect(await eventually { harness.dueMarks == 0 })
        // Counted from the order reads arrived in, once everything is done: marks counted
        // while the backlog still runs would race it.
        let reads = harness.fake.recentCalls.filter { $0.hasPrefix("/api/v1/customers/") }.dropFirst(20)
        let ownRead = reads.firstIndex { $0.contains("synthetic-000001") }
        let readsAfter = ownRead.map { reads.endIndex - $0 - 1 } ?? 0
        #expect(readsAfter >= 10, "the backlog was done first: \(Array(reads))")
        harness.fake.clearFault(slow)
        await harness.stop()
    }

    @Test("an event for a customer with no cached state costs no upstream call")
    func uncachedCustomer() async throws {
        let harness = try makeHarness()
        let webhooks = WebhookService(service: harness.service)
        #expect(try await webhooks.receive(webhookEvent("entitlements.updated", #""customer":{"id":"demo-free"}"#)) == .applied)
        #expect(try await webhooks.receive(webhookEvent("customer.updated", #""id":"demo-unlimited""#)) == .applied)
        #expect(try await webhooks.receive(webhookEvent("plan.created", #""id":"plan-x""#)) == .applied)
        await harness.engine.refreshWebhookMarks()
        await harness.engine.tick()
        #expect(harness.dueMarks == 0)
        #expect(harness.fake.totalCalls == 0)
        await harness.stop()
    }

    @Test("unknown types, and customer events without a customer id, are ignored and counted")
    func ignored() async throws {
        let harness = try makeHarness()
        let webhooks = WebhookService(service: harness.service)
        _ = await harness.check("demo-pro", "feature-api-calls")
        #expect(try await webhooks.receive(webhookEvent("coupon.created", #""customerId":"demo-pro""#)) == .ignored)
        #expect(try await webhooks.receive(webhookEvent("subscription.updated", #""plan":{"id":"p"}"#)) == .ignored)
        #expect(try await webhooks.receive(webhookEvent("entitlements.updated")) == .ignored)
        #expect(try await webhooks.receive(webhookEvent("third_party_sync_failed")) == .ignored)
        await harness.engine.refreshWebhookMarks()
        #expect(harness.dueMarks == 0)
        #expect(harness.entitlementCalls == 1)
        #expect(webhooks.counts.received == 4)
        #expect(webhooks.counts.ignored == 4)
        #expect(webhooks.counts.lastReceivedAt == harness.clock.now)
        await harness.stop()
    }
}
