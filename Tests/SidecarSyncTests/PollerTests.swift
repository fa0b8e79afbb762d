import Foundation
import Synchronization
import Testing
import SidecarTestSupport
import FakeStigg
import SidecarCache
import SidecarModel
@testable import SidecarSync
@testable import SidecarApp

@Suite("Background refresh")
struct PollerTests {
    @Test("a state changed upstream is served within one refresh interval, not before")
    func changedStateServed() async throws {
        let harness = try makeHarness()
        #expect(await harness.check("demo-free", "feature-api-calls").entitlement.isGranted == false)
        try harness.fake.setEntitlements(customerId: "demo-free", json: #"""
            {"accessDeniedReason":null,"entitlements":[{"isGranted":true,"accessDeniedReason":null,"type":"FEATURE",
             "feature":{"id":"feature-api-calls","displayName":"API Calls","featureType":"BOOLEAN","featureStatus":"ACTIVE"}}]}
            """#)
        harness.clock.advance(seconds: 15)
        await harness.engine.tick()
        #expect(harness.entitlementCalls == 1)
        #expect(await harness.check("demo-free", "feature-api-calls").entitlement.isGranted == false)
        harness.clock.advance(seconds: 15.5)
        await harness.engine.tick()
        #expect(harness.entitlementCalls == 2)
        let answer = await harness.check("demo-free", "feature-api-calls")
        #expect(answer.entitlement.isGranted)
        #expect(answer.provenance.source == .cache)
        #expect(answer.provenance.ageSeconds == 0)
        await harness.stop()
    }

    @Test("the live poller refreshes on its own timer")
    func livePoller() async throws {
        let harness = try makeHarness(start: true) {
            $0.pollInterval = .milliseconds(20)
            $0.refreshInterval = .seconds(1)
        }
        _ = await harness.check("demo-pro", "feature-api-calls")
        harness.clock.advance(seconds: 2)
        #expect(await eventually { harness.entitlementCalls >= 2 })
        await harness.stop()
    }

    @Test("entries nobody asks about stop being refreshed and leave memory; asking again revives them")
    func idleEntries() async throws {
        let harness = try makeHarness { $0.idleAfter = .seconds(100) }
        _ = await harness.check("demo-pro", "feature-api-calls")
        harness.clock.advance(seconds: 101)
        await harness.engine.tick()
        #expect(harness.entitlementCalls == 1)
        #expect(harness.store.count == 0)
        #expect(harness.persisted == 1)
        #expect(await harness.check("demo-pro", "feature-api-calls").provenance.source == .cache)
        await harness.engine.tick()
        #expect(harness.entitlementCalls == 2)
        await harness.stop()
    }

    @Test("due order: passed validUntil first, then the longest overdue; in-flight and idle skipped; limited")
    func dueOrder() async throws {
        let harness = try makeHarness()
        let now = harness.clock.now
        func state(validUntil: Date?) -> EntitlementsState {
            EntitlementsState(entitlements: [.feature(FeatureEntitlement(
                isGranted: true, validUntil: validUntil.map { Timestamp(date: $0) }))])
        }
        try harness.store.put(StateKey(customerId: "old"), state(validUntil: nil), origin: .upstream, syncedAt: now.addingTimeInterval(-100))
        try harness.store.put(StateKey(customerId: "older"), state(validUntil: nil), origin: .upstream, syncedAt: now.addingTimeInterval(-200))
        try harness.store.put(StateKey(customerId: "expired"), state(validUntil: now.addingTimeInterval(-1)), origin: .upstream, syncedAt: now.addingTimeInterval(-5))
        try harness.store.put(StateKey(customerId: "fresh"), state(validUntil: nil), origin: .upstream, syncedAt: now.addingTimeInterval(-5))
        for key in harness.store.states(origin: .upstream) { key.markAccessed(now) }
        #expect(harness.engine.dueKeys(at: now, limit: 10).map(\.customerId) == ["expired", "older", "old"])
        #expect(harness.engine.dueKeys(at: now, limit: 2).map(\.customerId) == ["expired", "older"])
        await harness.stop()
    }
}

@Suite("Rate and concurrency caps")
struct GateTests {
    @Test("token bucket: a burst of one second's worth, then one token per 1/rate")
    func tokenBucket() {
        var bucket = TokenBucket(perSecond: 4, now: 100)
        for _ in 0..<4 { #expect(bucket.take(now: 100) == nil) }
        let wait = bucket.take(now: 100)
        #expect(wait.map { abs($0 - 0.25) < 1e-9 } == true)
        #expect(bucket.take(now: 100.25) == nil)
        #expect(bucket.take(now: 100.25) != nil)
        // Idle time refills up to the burst, not beyond.
        for _ in 0..<4 { #expect(bucket.take(now: 200) == nil) }
        #expect(bucket.take(now: 200) != nil)
    }

    @Test("misses are admitted before queued background calls")
    func missesFirst() async {
        let gate = UpstreamGate(concurrency: 1, perSecond: 1_000)
        await gate.acquire(.background)
        let order = OrderLog()
        let background = Task { await gate.acquire(.background); order.append("background"); gate.release() }
        #expect(await eventually { gate.queuedBackground == 1 })
        let miss = Task { await gate.acquire(.miss); order.append("miss"); gate.release() }
        #expect(await eventually { gate.queuedMisses == 1 })
        gate.release()
        await background.value
        await miss.value
        #expect(order.entries == ["miss", "background"])
    }

    @Test("a queued background read that a miss now waits on moves ahead of the other background calls")
    func promotedRead() async {
        let gate = UpstreamGate(concurrency: 1, perSecond: 1_000)
        await gate.acquire(.background)
        let order = OrderLog()
        let first = Task { await gate.acquire(.background, key: StateKey(customerId: "a")); order.append("a"); gate.release() }
        #expect(await eventually { gate.queuedBackground == 1 })
        let second = Task { await gate.acquire(.background, key: StateKey(customerId: "b")); order.append("b"); gate.release() }
        #expect(await eventually { gate.queuedBackground == 2 })
        gate.promote(StateKey(customerId: "b"))
        gate.promote(StateKey(customerId: "nobody"))  // not queued: nothing moves
        #expect(gate.queuedMisses == 1 && gate.queuedBackground == 1)
        gate.release()
        await first.value
        await second.value
        #expect(order.entries == ["b", "a"])
    }

    @Test("a miss for a customer a preload is about to read is not left in the preload's queue")
    func missJoinsPreloadRead() async throws {
        let harness = try makeHarness { $0.upstreamConcurrency = 1 }
        harness.fake.addSyntheticCustomers(count: 4)
        let ids = harness.fake.customerIds.filter { !$0.hasPrefix("demo-") }
        _ = harness.fake.inject(.latency(milliseconds: 100))
        let preload = Task {
            await withTaskGroup(of: Void.self) { group in
                for id in ids { group.addTask { _ = await harness.engine.load(StateKey(customerId: id), priority: .background) } }
            }
        }
        // One read in flight, three queued behind the cap.
        #expect(await eventually { harness.engine.gate.queuedBackground == 3 })
        let missed = ids.last!
        _ = await harness.engine.load(StateKey(customerId: missed), priority: .miss)
        await preload.value
        // Its read went right after the one in flight, not after every other queued one. The
        // order of arrival says so; a count taken when the miss returns would race the next read.
        let reads = harness.fake.recentCalls.filter { $0.hasPrefix("/api/v1/customers/") }
        #expect(reads.count == 4)
        let position = reads.firstIndex { $0.contains("/\(missed)/") || $0.hasSuffix("/\(missed)") }
        // Position 0 when the task group happened to start its read first.
        #expect(position.map { $0 <= 1 } == true, "reads in order: \(reads)")
        await harness.stop()
    }

    @Test("no more than the concurrency cap of calls reach upstream at once")
    func concurrencyCap() async throws {
        let harness = try makeHarness { $0.upstreamConcurrency = 2 }
        harness.fake.addSyntheticCustomers(count: 6)
        let ids = harness.fake.customerIds.filter { !$0.hasPrefix("demo-") }
        _ = harness.fake.inject(.latency(milliseconds: 100))
        let started = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for id in ids { group.addTask { _ = await harness.check(id, "feature-api-calls") } }
        }
        // Six 100 ms calls two at a time take three rounds.
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        #expect(harness.entitlementCalls == 6)
        await harness.stop()
    }
}

final class OrderLog: Sendable {
    private let log = Mutex<[String]>([])
    func append(_ entry: String) { log.withLock { $0.append(entry) } }
    var entries: [String] { log.withLock { $0 } }
}
