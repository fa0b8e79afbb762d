import Synchronization
import Foundation
import SidecarSQLite
import Testing
@testable import SidecarCache
@testable import SidecarModel

@Suite("Usage outbox: committed with its local effect, deduplicated, delivered, dead-lettered")
struct OutboxTests {
    static let key = StateKey(customerId: "c1")
    static let syncedAt = Date(timeIntervalSince1970: 1_700_000_000)
    static let now = Date(timeIntervalSince1970: 1_700_000_100)

    /// A store holding `c1` with a metered `feature-api-calls` at 10 of 100.
    func makeStore(path: String? = nil) throws -> (EntitlementStore, String) {
        let path = try path ?? {
            // Under the test process's scratch root, removed when the run ends.
            let directory = try makeTempDirectory("outbox-test")
            return directory.appendingPathComponent("cache.sqlite").path
        }()
        let store = try EntitlementStore.open(path: path).store
        try store.loadLazily(origin: .upstream)
        return (store, path)
    }

    func seed(_ store: EntitlementStore, current: Double = 10) throws {
        try store.put(Self.key, state(metered(limit: 100, current: current), boolean()), origin: .upstream, syncedAt: Self.syncedAt)
    }

    func usage(of store: EntitlementStore, _ key: StateKey = key) -> Double? {
        guard case .state(let cached) = store.lookup(key) else { return nil }
        return cached.state.feature("feature-api-calls")?.currentUsage
    }

    func record(_ value: Double, key idempotencyKey: String? = nil, set: Bool = false, customer: String = "c1", feature: String = "feature-api-calls") -> UsageInput {
        UsageInput(customerId: customer, featureId: feature, value: value, updateBehavior: set ? .set : .delta, idempotencyKey: idempotencyKey)
    }

    @Test("DELTA adds and SET replaces at once; acks carry the new usage; the sync time is unchanged")
    func appliesLocally() throws {
        let (store, _) = try makeStore()
        try seed(store)
        let acks = try store.acceptUsage([record(5), record(40, set: true), record(2)], mode: .forward, now: Self.now, limit: 10)
        #expect(acks.map(\.currentUsage) == [15, 40, 42])
        #expect(acks.allSatisfy { !$0.repeated && !$0.recordId.isEmpty })
        #expect(Set(acks.map(\.recordId)).count == 3)
        #expect(usage(of: store) == 42)
        guard case .state(let cached) = store.lookup(Self.key) else { throw TestFailure("c1 gone") }
        #expect(cached.syncedAt == Self.syncedAt)
        #expect(store.outboxCounts() == OutboxCounts(pending: 3))
    }

    @Test("usage for an uncached customer or a BOOLEAN feature is queued with currentUsage null")
    func uncached() throws {
        let (store, _) = try makeStore()
        try seed(store)
        let acks = try store.acceptUsage([record(1, customer: "nobody"), record(1, feature: "feature-sso")], mode: .forward, now: Self.now, limit: 10)
        #expect(acks.map(\.currentUsage) == [nil, nil])
        #expect(try store.pendingRecords(.usage, limit: 10).count == 2)
        #expect(usage(of: store) == 10)
    }

    @Test("a repeated idempotency key, in a later request or the same one, is acknowledged with the first id and applied once")
    func repeatedKey() throws {
        let (store, _) = try makeStore()
        try seed(store)
        let first = try store.acceptUsage([record(5, key: "k1"), record(5, key: "k1")], mode: .forward, now: Self.now, limit: 10)
        let again = try store.acceptUsage([record(5, key: "k1")], mode: .forward, now: Self.now, limit: 10)
        #expect(first[1].repeated && again[0].repeated && !first[0].repeated)
        #expect(first[1].recordId == first[0].recordId && again[0].recordId == first[0].recordId)
        #expect(again[0].currentUsage == 15)
        #expect(usage(of: store) == 15)
        #expect(store.outboxCounts().pending == 1)
    }

    @Test("keys are generated once, stored in the forwarded body, and records come back in order")
    func generatedKeys() throws {
        let (store, _) = try makeStore()
        let ids = Mutex(["id-1", "id-2"].makeIterator())
        _ = try store.acceptUsage([record(1), record(2, key: "mine")], mode: .forward, now: Self.now, limit: 10, makeId: { ids.withLock { $0.next()! } })
        let pending = try store.pendingRecords(.usage, limit: 10)
        #expect(pending.map(\.idempotencyKey) == ["sidecar-id-1", "mine"])
        #expect(pending.map(\.recordId) == ["id-1", "id-2"])
        let body = try JSONParser.parse(pending[0].body)
        #expect(body["idempotencyKey"] == .string("sidecar-id-1"))
        #expect(body["createdAt"] == .string(Timestamp.formatRFC3339(Self.now)))
        #expect(body["updateBehavior"] == .string("DELTA"))
    }

    @Test("a request that would pass the limit is refused whole: nothing stored, nothing applied")
    func full() throws {
        let (store, _) = try makeStore()
        try seed(store)
        _ = try store.acceptUsage([record(1), record(1)], mode: .forward, now: Self.now, limit: 3)
        #expect(throws: StoreError.outboxFull(.full(limit: 3, pending: 2))) {
            _ = try store.acceptUsage([record(1), record(1)], mode: .forward, now: Self.now, limit: 3)
        }
        #expect(store.outboxCounts().pending == 2)
        #expect(usage(of: store) == 12)
    }

    @Test("a refresh from upstream keeps the usage still queued on top (read-your-writes)")
    func refreshKeepsPending() throws {
        let (store, _) = try makeStore()
        try seed(store)
        _ = try store.acceptUsage([record(5)], mode: .forward, now: Self.now, limit: 10)
        try store.put(Self.key, state(metered(limit: 100, current: 50), boolean()), origin: .upstream, syncedAt: Self.now)
        #expect(usage(of: store) == 55)
    }

    @Test("after delivery, upstream's total replaces the cached usage, plus what is still queued")
    func markSent() throws {
        let (store, _) = try makeStore()
        try seed(store)
        _ = try store.acceptUsage([record(5), record(7)], mode: .forward, now: Self.now, limit: 10)
        let first = try store.pendingRecords(.usage, limit: 1)
        try store.markSent(first, usage: [DeliveredUsage(key: Self.key, featureId: "feature-api-calls", currentUsage: 100)], now: Self.now)
        #expect(usage(of: store) == 107)
        #expect(store.outboxCounts() == OutboxCounts(pending: 1, sent: 1))
        // A refresh now sees only the record still queued.
        try store.put(Self.key, state(metered(limit: 100, current: 100), boolean()), origin: .upstream, syncedAt: Self.now)
        #expect(usage(of: store) == 107)
        // Marking the same records twice changes no count.
        try store.markSent(first, usage: [], now: Self.now)
        #expect(store.outboxCounts() == OutboxCounts(pending: 1, sent: 1))
    }

    @Test("a dead letter leaves the queue with its reason and its key is still recognised")
    func deadLetter() throws {
        let (store, _) = try makeStore()
        _ = try store.acceptUsage([record(1, key: "bad"), record(1, key: "good")], mode: .forward, now: Self.now, limit: 10)
        let bad = try store.pendingRecords(.usage, limit: 1)[0]
        try store.deadLetter(bad, reason: "upstream answered 400: customer not found", now: Self.now)
        #expect(store.outboxCounts() == OutboxCounts(pending: 1, deadLetters: 1))
        #expect(try store.deadLetters().map(\.idempotencyKey) == ["bad"])
        #expect(try store.deadLetters().first?.reason == "upstream answered 400: customer not found")
        let again = try store.acceptUsage([record(1, key: "bad")], mode: .forward, now: Self.now, limit: 10)
        #expect(again[0].repeated && again[0].recordId == bad.recordId)
        #expect(try store.pendingRecords(.usage, limit: 10).map(\.idempotencyKey) == ["good"])
    }

    @Test("a dead-lettered key is recognised after a reopen, and a fresh key is not taken for one")
    func deadLetterAfterReopen() throws {
        let path: String
        let refused: OutboxRecord
        do {
            let (store, opened) = try makeStore()
            path = opened
            _ = try store.acceptUsage([record(1, key: "bad")], mode: .forward, now: Self.now, limit: 10)
            refused = try store.pendingRecords(.usage, limit: 1)[0]
            try store.deadLetter(refused, reason: "upstream answered 400", now: Self.now)
        }
        // The intake looks keys up among dead letters only while the kept count says there
        // are some: after a reopen that count is read from SQLite again.
        let (store, _) = try makeStore(path: path)
        #expect(store.outboxCounts() == OutboxCounts(deadLetters: 1))
        let again = try store.acceptUsage([record(1, key: "bad"), record(1, key: "new")], mode: .forward, now: Self.now, limit: 10)
        #expect(again[0].repeated && again[0].recordId == refused.recordId)
        #expect(!again[1].repeated)
        #expect(try store.pendingRecords(.usage, limit: 10).map(\.idempotencyKey) == ["new"])
    }

    @Test("a version-7 database's send attempts become the watermark: a fetched state gets only never-sent usage added")
    func attemptsMigrateToWatermark() throws {
        let directory = try makeTempDirectory("outbox-migration")
        let path = directory.appendingPathComponent("cache.sqlite").path
        do {
            // The schema as the previous release left it: records 1 and 2 sent once, 3 never.
            let connection = try SQLiteConnection(path: path)
            try Migrator(EntitlementStore.migrator.migrations.filter { $0.version <= 7 }).migrate(connection)
            try connection.sync { db in
                for (seq, attempted) in [(1, 1), (2, 1), (3, 0)] {
                    try db.execute(
                        """
                        INSERT INTO outbox (seq, kind, record_id, idempotency_key, customer_id, feature_id, value, body,
                                            created_at, accepted_at, status, attempted)
                        VALUES (?, 'usage', ?, ?, 'c1', 'feature-api-calls', 1, x'7b7d', '2026-11-02T10:00:00Z', 0, 'pending', ?)
                        """,
                        [.integer(Int64(seq)), .text("r\(seq)"), .text("k\(seq)"), .integer(Int64(attempted))])
                }
            }
        }
        let (store, _) = try makeStore(path: path)
        func watermark() throws -> Int? {
            try store.connection.sync { db in
                try db.queryOne("SELECT through_seq FROM outbox_attempted WHERE kind = 'usage'") { $0.int(0) }
            }
        }
        #expect(try watermark() == 2)
        try seed(store, current: 10)  // a fetched state: upstream may hold 1 and 2 already, not 3
        #expect(usage(of: store) == 11)
        // Marking a batch moves the mark to its highest seq, never back.
        let batch = try store.pendingRecords(.usage, limit: 10)
        #expect(batch.map(\.seq) == [1, 2, 3])
        try store.markAttempted(batch)
        try store.markAttempted(Array(batch.prefix(1)))
        #expect(try watermark() == 3)
        try seed(store, current: 10)
        #expect(usage(of: store) == 10)
    }

    @Test("queued records, their local effect and the counts survive a reopen")
    func survivesReopen() throws {
        let path: String
        do {
            let (store, opened) = try makeStore()
            path = opened
            try seed(store)
            _ = try store.acceptUsage([record(5, key: "a")], mode: .forward, now: Self.now, limit: 10)
            _ = try store.acceptEvents([EventInput(customerId: "c1", eventName: "e", idempotencyKey: "e1")], mode: .forward, now: Self.now, limit: 10)
        }
        let (store, _) = try makeStore(path: path)
        #expect(store.outboxCounts() == OutboxCounts(pending: 2))
        #expect(usage(of: store) == 15)
        #expect(try store.pendingRecords(.event, limit: 10).map(\.idempotencyKey) == ["e1"])
        let integrity = try store.connection.sync { try $0.integrityCheck() }
        #expect(integrity == "ok")
    }

    @Test("offline intake applies and deduplicates but queues nothing")
    func offline() throws {
        let (store, _) = try makeStore()
        try seed(store)
        _ = try store.acceptUsage([record(5, key: "k")], mode: .localOnly, now: Self.now, limit: 1)
        let again = try store.acceptUsage([record(5, key: "k")], mode: .localOnly, now: Self.now, limit: 1)
        #expect(again[0].repeated)
        #expect(usage(of: store) == 15)
        #expect(store.outboxCounts() == OutboxCounts())
        #expect(try store.pendingRecords(.usage, limit: 10).isEmpty)
    }

    @Test("delivered records are forgotten after the retention window, pending ones never")
    func prune() throws {
        let (store, _) = try makeStore()
        _ = try store.acceptUsage([record(1, key: "old"), record(1, key: "queued")], mode: .forward, now: Self.now, limit: 10)
        try store.markSent(try store.pendingRecords(.usage, limit: 1), usage: [], now: Self.now)
        #expect(try store.pruneOutbox(before: Self.now.addingTimeInterval(1)) == 1)
        #expect(store.outboxCounts() == OutboxCounts(pending: 1))
        let reused = try store.acceptUsage([record(1, key: "old")], mode: .forward, now: Self.now, limit: 10)
        #expect(!reused[0].repeated)
    }

    @Test("lowering usage under the limit with SET lifts a usage denial")
    func regrant() throws {
        var current = state(feature(granted: false, reason: .requestedUsageExceedingLimit, limit: .present(10), current: 10, unlimited: false))
        current.applyUsage(featureId: "feature-api-calls", value: 3, behavior: .set)
        #expect(current.feature("feature-api-calls")?.isGranted == true)
        #expect(current.feature("feature-api-calls")?.accessDeniedReason == nil)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
