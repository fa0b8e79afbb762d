import Synchronization
import Foundation
import Logging
import Testing
import FakeStigg
import SidecarCache
import SidecarModel
import SidecarSync
@testable import SidecarApp
import SidecarUpstream
import SidecarTestSupport

/// A usage service over the harness's store, sharing its engine's rate cap, with backoff
/// shrunk to milliseconds so retries happen within a test.
func makeUsage(_ harness: Harness, apiKey: String = "server-fake-key", configure: (inout ForwarderSettings) -> Void = { _ in }) -> UsageService {
    var settings = ForwarderSettings()
    settings.backoffBase = .milliseconds(10)
    settings.backoffMax = .milliseconds(40)
    configure(&settings)
    var logger = Logger(label: "forwarder-test")
    logger.logLevel = .critical
    let client = StiggClient(configuration: UpstreamConfiguration(
        baseURL: URL(string: harness.fake.baseURL)!, apiKey: apiKey, timeout: .milliseconds(500)))
    return UsageService(store: harness.store, client: client, engine: harness.engine, settings: settings, logger: logger, now: { harness.clock.now })
}

func usageBody(_ records: [(customer: String, value: Double, key: String?)], feature: String = "feature-api-calls") -> [UInt8] {
    let items = records.map { record in
        #"{"customerId":"\#(record.customer)","featureId":"\#(feature)","value":\#(record.value)"#
            + (record.key.map { #","idempotencyKey":"\#($0)""# } ?? "") + "}"
    }
    return Array(#"{"usages":[\#(items.joined(separator: ","))]}"#.utf8)
}

@Suite("Usage forwarder against the fake upstream")
struct ForwarderTests {
    func cachedUsage(_ harness: Harness, _ customer: String = "demo-pro") -> Double? {
        guard case .state(let cached) = harness.store.lookup(StateKey(customerId: customer)) else { return nil }
        return cached.state.feature("feature-api-calls")?.currentUsage
    }

    /// Waits for an intake call's answer (the commit completes on the store's queue).
    func settled<T: Sendable>(
        _ start: (@escaping @Sendable (Result<T, UsageService.Refusal>) -> Void) -> UsageService.Refusal?
    ) -> Result<T, UsageService.Refusal> {
        let outcome = Mutex<Result<T, UsageService.Refusal>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let refused = start { result in
            outcome.withLock { $0 = result }
            finished.signal()
        }
        if let refused { return .failure(refused) }
        finished.wait()
        return outcome.withLock { $0! }
    }

    func accept(_ usage: UsageService, _ body: [UInt8]) throws -> UsageService.UsageAnswer {
        switch settled({ usage.reportUsage(body, done: $0) }) {
        case .success(let answer): return answer
        case .failure(let refusal): throw TestError("refused: \(refusal)")
        }
    }

    @Test("records are delivered once with their keys; upstream's total then replaces the local one")
    func delivers() async throws {
        let harness = try makeHarness()
        defer { Task { await harness.stop() } }
        _ = await harness.check("demo-pro", "feature-api-calls")
        let usage = makeUsage(harness)
        let answer = try accept(usage, usageBody([("demo-pro", 10, "k1"), ("demo-pro", 10, "k2"), ("demo-pro", 10, nil)]))
        #expect(answer.acks.map(\.currentUsage) == [2510, 2520, 2530])
        #expect(cachedUsage(harness) == 2530)
        // Meanwhile another reporter added 1000 upstream: delivery brings that in.
        let upstream = try #require(harness.fake.entitlementsJSON(customerId: "demo-pro"))
        try harness.fake.setEntitlements(customerId: "demo-pro", json: upstream.replacingOccurrences(of: #""currentUsage":2500"#, with: #""currentUsage":3500"#))
        usage.forwarder?.start()
        #expect(await eventually { usage.counts().pending == 0 })
        #expect(harness.fake.uniqueRecords == 3)
        #expect(harness.fake.deliveries("k1") == 1 && harness.fake.deliveries("k2") == 1)
        #expect(harness.fake.usageRecords.compactMap(\.idempotencyKey).filter { $0.hasPrefix("sidecar-") }.count == 1)
        #expect(harness.fake.calls("/api/v1/usage") == 1)
        #expect(harness.fake.currentUsage(customerId: "demo-pro", featureId: "feature-api-calls") == 3530)
        #expect(cachedUsage(harness) == 3530)
        #expect(usage.counts() == OutboxCounts(pending: 0, sent: 3, deadLetters: 0))
        _ = await usage.forwarder?.stop(flushWithin: .seconds(1))
    }

    @Test("upstream down: accepted and queued, retried with backoff, delivered when it returns")
    func upstreamDown() async throws {
        let harness = try makeHarness()
        defer { Task { await harness.stop() } }
        _ = harness.fake.inject(.status(503), pathPrefix: "/api/v1/usage")
        let usage = makeUsage(harness)
        usage.forwarder?.start()
        _ = try accept(usage, usageBody([("demo-pro", 1, "down-1")]))
        #expect(await eventually { harness.fake.calls("/api/v1/usage") >= 3 })
        #expect(usage.counts().pending == 1)
        #expect(usage.forwarder?.status.lastError?.contains("503") == true)
        harness.fake.clearFaults()
        // The pending count drops inside markSent, a moment before the forwarder records the
        // success: wait for both.
        #expect(await eventually { usage.counts().pending == 0 && usage.forwarder?.status.consecutiveFailures == 0 })
        #expect(harness.fake.uniqueRecords == 1)
        #expect(harness.fake.deliveries("down-1") == 1)
        _ = await usage.forwarder?.stop(flushWithin: .seconds(1))
    }

    @Test("a batch refused with 400 is split: only the refused record becomes a dead letter")
    func deadLetters() async throws {
        let harness = try makeHarness()
        defer { Task { await harness.stop() } }
        let usage = makeUsage(harness)
        _ = try accept(usage, usageBody([("demo-pro", 1, "a"), ("demo-pro", 1, "b"), ("ghost", 1, "c"), ("demo-free", 1, "d"), ("demo-pro", 1, "e")]))
        usage.forwarder?.start()
        #expect(await eventually { usage.counts().pending == 0 })
        #expect(Set(harness.fake.usageRecords.compactMap(\.idempotencyKey)) == ["a", "b", "d", "e"])
        let dead = try harness.store.deadLetters()
        #expect(dead.map(\.idempotencyKey) == ["c"])
        #expect(dead.first?.reason.contains("400") == true)
        #expect(usage.counts() == OutboxCounts(pending: 0, sent: 4, deadLetters: 1))
        // Whole batch, then halves: [a b] [c d e] → [c] [d e].
        #expect(harness.fake.calls("/api/v1/usage") == 5)
        _ = await usage.forwarder?.stop(flushWithin: .seconds(1))
    }

    @Test("a rejected API key keeps records queued rather than dead-lettering them")
    func badKey() async throws {
        let harness = try makeHarness()
        defer { Task { await harness.stop() } }
        let usage = makeUsage(harness, apiKey: "wrong")
        usage.forwarder?.start()
        _ = try accept(usage, usageBody([("demo-pro", 1, "k")]))
        #expect(await eventually { harness.fake.calls("/api/v1/usage") >= 2 })
        #expect(usage.counts() == OutboxCounts(pending: 1, sent: 0, deadLetters: 0))
        #expect(usage.forwarder?.status.lastError?.contains("STIGG_API_KEY") == true)
        #expect(usage.forwarder?.status.lastError?.contains("wrong") == false)
        _ = await usage.forwarder?.stop(flushWithin: .milliseconds(100))
    }

    @Test("an answer lost after upstream applied it: resent with the same key, counted once upstream")
    func lostAnswer() async throws {
        let harness = try makeHarness()
        defer { Task { await harness.stop() } }
        _ = harness.fake.inject(.status(500), pathPrefix: "/api/v1/usage", count: 1, processFirst: true)
        let usage = makeUsage(harness)
        _ = try accept(usage, usageBody([("demo-pro", 7, "once")]))
        usage.forwarder?.start()
        #expect(await eventually { usage.counts().pending == 0 })
        #expect(harness.fake.deliveries("once") == 2)
        #expect(harness.fake.uniqueRecords == 1)
        #expect(harness.fake.currentUsage(customerId: "demo-pro", featureId: "feature-api-calls") == 2507)
        _ = await usage.forwarder?.stop(flushWithin: .seconds(1))
    }

    @Test("events are delivered in batches with their keys")
    func events() async throws {
        let harness = try makeHarness()
        defer { Task { await harness.stop() } }
        let usage = makeUsage(harness) { $0.eventBatch = 2 }
        let body = #"{"events":[{"customerId":"demo-pro","eventName":"api.request","idempotencyKey":"e1","dimensions":{"n":1}},"#
            + #"{"customerId":"demo-pro","eventName":"api.request","idempotencyKey":"e2"},{"customerId":"demo-pro","eventName":"x","idempotencyKey":"e3"}]}"#
        guard case .success(let answer) = settled({ usage.reportEvents(Array(body.utf8), done: $0) }) else { throw TestError("refused") }
        #expect(answer.recordIds.count == 3)
        usage.forwarder?.start()
        #expect(await eventually { usage.counts().pending == 0 })
        #expect(harness.fake.events.map(\.idempotencyKey) == ["e1", "e2", "e3"])
        #expect(harness.fake.events.first?.dimensionsJSON == #"{"n":1}"#)
        #expect(harness.fake.calls("/api/v1/events") == 2)
        _ = await usage.forwarder?.stop(flushWithin: .seconds(1))
    }

    @Test("stop makes one bounded flush: delivers when upstream answers, gives up in time when it hangs")
    func flushOnStop() async throws {
        let harness = try makeHarness()
        defer { Task { await harness.stop() } }
        let usage = makeUsage(harness)
        _ = try accept(usage, usageBody([("demo-pro", 1, "f1")]))
        #expect(await usage.forwarder?.stop(flushWithin: .seconds(2)) == true)
        #expect(harness.fake.uniqueRecords == 1)

        let hanging = makeUsage(harness)
        _ = harness.fake.inject(.hang, pathPrefix: "/api/v1/usage")
        _ = try accept(hanging, usageBody([("demo-pro", 1, "f2")]))
        let started = ContinuousClock.now
        #expect(await hanging.forwarder?.stop(flushWithin: .milliseconds(300)) == false)
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(hanging.counts().pending == 1)
        harness.fake.clearFaults()
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
