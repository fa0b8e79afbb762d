import Foundation
import SidecarSQLite
import SidecarTestSupport
import Testing
@testable import SidecarCache
@testable import SidecarModel

@Suite("Local usage: rows follow memory by a flush, and a reopen replays what no flush wrote")
struct UsageFlushTests {
    let outbox = OutboxTests()

    /// A store on `path` (a fresh one when nil) whose timed flush waits `flushDelay`.
    func makeStore(path: String? = nil, flushDelay: Duration = .seconds(3600)) throws -> (EntitlementStore, String) {
        let path = try path ?? makeTempDirectory("usage-flush-test").appendingPathComponent("cache.sqlite").path
        let store = try EntitlementStore.open(path: path, pacing: .off, usageFlushDelay: flushDelay).store
        try store.loadLazily(origin: .upstream)
        return (store, path)
    }

    /// What the state's row says, read from SQLite (not memory).
    func rowUsage(_ store: EntitlementStore, _ key: StateKey = OutboxTests.key) throws -> Double? {
        let blob = try store.connection.sync { db in
            try db.queryOne(
                "SELECT state FROM entitlement_states WHERE customer_id = ? AND resource_id = ?",
                [.text(key.customerId), .text(key.resourceId ?? "")]) { $0.blob(0) }
        }
        guard let blob else { return nil }
        return try EntitlementsState(json: JSONParser.parse(blob)).feature("feature-api-calls")?.currentUsage
    }

    @Test("intake changes memory at once and the row at the flush, once for several requests")
    func rowsFollowMemory() throws {
        let (store, _) = try makeStore()
        try outbox.seed(store)
        _ = try store.acceptUsage([outbox.record(5)], mode: .forward, now: OutboxTests.now, limit: 10)
        _ = try store.acceptUsage([outbox.record(2)], mode: .forward, now: OutboxTests.now, limit: 10)
        #expect(outbox.usage(of: store) == 17)
        #expect(try rowUsage(store) == 10)
        try store.flushUsage()
        #expect(try rowUsage(store) == 17)
    }

    @Test("the timed flush writes the row by itself")
    func timedFlush() async throws {
        let (store, _) = try makeStore(flushDelay: .milliseconds(20))
        try outbox.seed(store)
        _ = try store.acceptUsage([outbox.record(5)], mode: .forward, now: OutboxTests.now, limit: 10)
        #expect(await eventually { (try? rowUsage(store)) == 15 })
    }

    @Test("a reopen after a crash replays unflushed usage once, and never onto a state fetched after it")
    func replayAfterCrash() throws {
        let other = StateKey(customerId: "c2")
        let (crashed, path) = try makeStore()
        try outbox.seed(crashed)
        try crashed.put(other, state(metered(limit: 100, current: 30)), origin: .upstream, syncedAt: OutboxTests.syncedAt)
        _ = try crashed.acceptUsage([outbox.record(5), outbox.record(1, customer: "c2")], mode: .forward, now: OutboxTests.now, limit: 10)
        _ = try crashed.acceptUsage([outbox.record(2)], mode: .forward, now: OutboxTests.now, limit: 10)
        // c2 is fetched again after its record: upstream's 30 plus the record it has not seen.
        try crashed.put(other, state(metered(limit: 100, current: 30)), origin: .upstream, syncedAt: OutboxTests.now)
        #expect(outbox.usage(of: crashed) == 17 && outbox.usage(of: crashed, other) == 31)
        #expect(try rowUsage(crashed) == 10)
        // `crashed` never flushes: the next opens stand for the restart.
        let (restarted, _) = try makeStore(path: path)
        #expect(outbox.usage(of: restarted) == 17)
        #expect(outbox.usage(of: restarted, other) == 31)
        #expect(try rowUsage(restarted) == 17)
        let (again, _) = try makeStore(path: path)
        #expect(outbox.usage(of: again) == 17)
        #expect(outbox.usage(of: again, other) == 31)
    }

    @Test("a state with unflushed usage is not evicted until the flush")
    func evictionWaitsForFlush() throws {
        let (store, _) = try makeStore()
        try outbox.seed(store)
        _ = try store.acceptUsage([outbox.record(5)], mode: .forward, now: OutboxTests.now, limit: 10)
        store.evict([OutboxTests.key])
        #expect(store.isResident(OutboxTests.key))
        try store.flushUsage()
        store.evict([OutboxTests.key])
        #expect(!store.isResident(OutboxTests.key))
        #expect(outbox.usage(of: store) == 15)
    }

    @Test("offline mode's usage is never replayed onto an upstream row of the same customer")
    func replayKeepsOrigins() throws {
        let (crashed, path) = try makeStore()
        try outbox.seed(crashed)  // an upstream row, left from an online run
        crashed.evict([OutboxTests.key])
        // Another state with unflushed usage keeps the mark where it is.
        try crashed.put(StateKey(customerId: "c2"), state(metered(limit: 100, current: 0)), origin: .upstream, syncedAt: OutboxTests.syncedAt)
        _ = try crashed.acceptUsage([outbox.record(1, customer: "c2")], mode: .forward, now: OutboxTests.now, limit: 10)
        try crashed.loadLazily(origin: .offline)
        let acks = try crashed.acceptUsage([outbox.record(5)], mode: .localOnly, now: OutboxTests.now, limit: 10)
        #expect(acks[0].currentUsage == nil, "no offline state took it")
        let (restarted, _) = try makeStore(path: path)
        #expect(outbox.usage(of: restarted) == 10)
    }

    @Test("records no state takes move the mark on, so a reopen has nothing to read again")
    func markMovesWithoutStates() throws {
        let (store, _) = try makeStore()
        _ = try store.acceptUsage([outbox.record(1, customer: "nobody")], mode: .forward, now: OutboxTests.now, limit: 10)
        let (mark, newest) = try store.connection.sync { db in
            (try db.queryOne("SELECT through_seq FROM usage_applied") { $0.int(0) },
             try db.queryOne("SELECT max(seq) FROM outbox") { $0.int(0) })
        }
        #expect(mark != nil && mark == newest)
    }

    @Test("a flush never writes back a row that is gone")
    func flushSkipsRemovedRows() throws {
        let (store, _) = try makeStore()
        try outbox.seed(store)
        _ = try store.acceptUsage([outbox.record(5)], mode: .forward, now: OutboxTests.now, limit: 10)
        try store.connection.sync { db in try db.execute("DELETE FROM entitlement_states") }
        try store.flushUsage()
        #expect(try rowUsage(store) == nil)
        try outbox.seed(store)
        _ = try store.acceptUsage([outbox.record(5)], mode: .forward, now: OutboxTests.now, limit: 10)
        try store.remove(OutboxTests.key)
        try store.flushUsage()
        #expect(try rowUsage(store) == nil)
        #expect(store.persistedCount(origin: .upstream) == 0)
    }

    @Test("a clean shutdown flushes")
    func shutdownFlushes() throws {
        let (store, _) = try makeStore()
        try outbox.seed(store)
        _ = try store.acceptUsage([outbox.record(5)], mode: .forward, now: OutboxTests.now, limit: 10)
        store.recordCleanShutdown()
        #expect(try rowUsage(store) == 15)
    }

    @Test("a version-8 database's rows already hold their usage: the upgrade replays none of it")
    func upgradeReplaysNothing() throws {
        let path = try makeTempDirectory("usage-flush-migration").appendingPathComponent("cache.sqlite").path
        do {
            // The previous release wrote each record into its state at intake: 10 + 5 = 15.
            let (store, _) = try makeStore(path: path)
            try outbox.seed(store, current: 15)
            try store.connection.sync { db in
                try db.execute("DROP TABLE usage_applied")
                try db.execute("ALTER TABLE entitlement_states DROP COLUMN usage_through")
                try db.execute(
                    """
                    INSERT INTO outbox (kind, record_id, idempotency_key, customer_id, feature_id, value, body,
                                        created_at, accepted_at, status)
                    VALUES ('usage', 'r1', 'k1', 'c1', 'feature-api-calls', 5, x'7b7d', '2026-11-02T10:00:00Z', 0, 'pending')
                    """)
                _ = try db.pragma("user_version = 8")
            }
        }
        let (store, _) = try makeStore(path: path)
        #expect(outbox.usage(of: store) == 15)
        #expect(try store.pendingRecords(.usage, limit: 10).count == 1)
    }
}
