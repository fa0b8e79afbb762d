import Foundation
import Synchronization
import Testing
@testable import SidecarCache
@testable import SidecarModel

/// Background store work gives its core up for a moment after each slice (Pacer.swift).
@Suite("Pacing of background store work")
struct PacingTests {
    /// A clock the test sets by hand, and the pauses asked of it.
    final class ManualClock: Sendable {
        let start = ContinuousClock.now
        let elapsed = Mutex(Duration.zero)
        let pauses = Mutex<[Duration]>([])

        func pacing(slice: Duration, pause: Duration = .microseconds(50)) -> Pacing {
            Pacing(
                slice: slice, pause: pause, now: { self.start + self.elapsed.withLock { $0 } },
                sleep: { pause in self.pauses.withLock { $0.append(pause) } })
        }

        func set(_ value: Duration) { elapsed.withLock { $0 = value } }
        var pauseCount: Int { pauses.withLock { $0.count } }
    }

    @Test("no pause before a slice has passed; then one per slice, counted from the last pause")
    func slices() {
        let clock = ManualClock()
        var pacer = Pacer(clock.pacing(slice: .microseconds(200)))
        clock.set(.microseconds(150))
        pacer.pace()
        #expect(clock.pauseCount == 0)
        clock.set(.microseconds(200))
        pacer.pace()
        #expect(clock.pauses.withLock { $0 } == [.microseconds(50)])
        clock.set(.microseconds(350))
        pacer.pace()
        #expect(clock.pauseCount == 1, "150 µs since the last pause")
        clock.set(.microseconds(400))
        pacer.pace()
        #expect(clock.pauseCount == 2)
    }

    @Test("the real pause sleeps at least as long as asked")
    func realPause() {
        let pacing = Pacing(slice: .zero, pause: .milliseconds(2))
        var pacer = Pacer(pacing)
        let started = ContinuousClock.now
        pacer.pace()
        #expect(ContinuousClock.now - started >= .milliseconds(2))
    }

    func makeStore(_ pacing: Pacing) throws -> EntitlementStore {
        let path = try makeTempDirectory("pacing-test").appendingPathComponent("cache.sqlite").path
        // No timed flush during a test: its pauses would be counted with the others.
        let store = try EntitlementStore.open(path: path, pacing: pacing, usageFlushDelay: .seconds(3600)).store
        try store.loadLazily(origin: .upstream)
        return store
    }

    @Test("marking a batch sent pauses between its statements and still marks every record")
    func markSentPaced() throws {
        let clock = ManualClock()
        let store = try makeStore(clock.pacing(slice: .zero))
        let outbox = OutboxTests()
        let customers = (1...3).map { StateKey(customerId: "c\($0)") }
        for key in customers {
            try store.put(key, state(metered(limit: 1000, current: 0)), origin: .upstream, syncedAt: OutboxTests.syncedAt)
        }
        let records = (0..<60).map { outbox.record(1, customer: "c\($0 % 3 + 1)") }
        _ = try store.acceptUsage(records, mode: .forward, now: OutboxTests.now, limit: 100)
        let intakePauses = clock.pauseCount
        #expect(intakePauses >= 1, "the intake group paused")
        let pending = try store.pendingRecords(.usage, limit: 100)
        #expect(pending.count == 60)
        let delivered = customers.map { DeliveredUsage(key: $0, featureId: "feature-api-calls", currentUsage: 25) }
        try store.markSent(pending, usage: delivered, now: OutboxTests.now)
        // With a zero slice every safe point pauses: one before the store's queue is taken,
        // one after each statement (60 records in pieces of 25: three) and one per state looked
        // at (three). The states' rows are written by the flush, which paces once per state.
        let statements = (60 + EntitlementStore.markSentChunk - 1) / EntitlementStore.markSentChunk
        #expect(statements == 3)
        #expect(clock.pauseCount - intakePauses == 1 + statements + 3)
        let beforeFlush = clock.pauseCount
        try store.flushUsage()
        #expect(clock.pauseCount - beforeFlush == 3)
        #expect(store.outboxCounts() == OutboxCounts(pending: 0, sent: 60))
        #expect(try store.pendingRecords(.usage, limit: 100).isEmpty)
        for key in customers {
            guard case .state(let cached) = store.lookup(key) else {
                Issue.record("\(key) is not cached")
                continue
            }
            #expect(cached.state.feature("feature-api-calls")?.currentUsage == 25)
        }
    }

    @Test("SIDECAR_USAGE_PACING=false: the store never pauses, however long the work")
    func off() throws {
        let path = try makeTempDirectory("pacing-off").appendingPathComponent("cache.sqlite").path
        #expect(try EntitlementStore.open(path: path, usagePacing: false).store.pacing.isOff)
        #expect(try EntitlementStore.open(path: path).store.pacing.isOff == false)

        let clock = ManualClock()
        let store = try makeStore(clock.pacing(slice: .zero, pause: .zero))
        try store.put(StateKey(customerId: "c1"), state(metered(limit: 1000, current: 0)), origin: .upstream, syncedAt: OutboxTests.syncedAt)
        _ = try store.acceptUsage((0..<60).map { _ in OutboxTests().record(1) }, mode: .forward, now: OutboxTests.now, limit: 100)
        try store.markSent(try store.pendingRecords(.usage, limit: 100), usage: [], now: OutboxTests.now)
        #expect(clock.pauseCount == 0)
        #expect(store.outboxCounts() == OutboxCounts(pending: 0, sent: 60))
    }
}
