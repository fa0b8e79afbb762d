import Foundation
import Testing
@testable import SidecarCache
@testable import SidecarModel

@Suite("Entitlement store: SQLite behind an in-memory working set")
struct StoreTests {
    func makePath() throws -> String {
        // Under the test process's scratch root, removed when the run ends.
        let directory = try makeTempDirectory("store-test")
        return directory.appendingPathComponent("cache.sqlite").path
    }

    func state(granted: Bool, validUntil: Date? = nil) -> EntitlementsState {
        EntitlementsState(entitlements: [.feature(FeatureEntitlement(
            isGranted: granted, feature: FeatureRef(id: "f", displayName: "F", featureStatus: .active, featureType: .boolean),
            validUntil: validUntil.map { Timestamp(date: $0) }))])
    }

    @Test("state counts per origin survive a reopen without a scan: puts, replacements across origins, removals")
    func countsKeptByTriggers() throws {
        let path = try makePath()
        let syncedAt = Date(timeIntervalSince1970: 1_700_000_000)
        do {
            let store = try EntitlementStore.open(path: path).store
            for id in ["a", "b", "c"] { try store.put(StateKey(customerId: id), state(granted: true), origin: .upstream, syncedAt: syncedAt) }
            try store.put(StateKey(customerId: "a"), state(granted: false), origin: .upstream, syncedAt: syncedAt)
            try store.remove(StateKey(customerId: "b"))
            try store.replaceAll(origin: .offline, with: [(StateKey(customerId: "c"), state(granted: true)), (StateKey(customerId: "d"), state(granted: true))], syncedAt: syncedAt)
            #expect(store.persistedCount(origin: .upstream) == 1)
            #expect(store.persistedCount(origin: .offline) == 2)
        }
        let store = try EntitlementStore.open(path: path).store
        #expect(store.persistedCount(origin: .upstream) == 1)
        #expect(store.persistedCount(origin: .offline) == 2)
        try store.removeAll(origin: .offline)
        #expect(try EntitlementStore.open(path: path).store.persistedCount(origin: .offline) == 0)
    }

    @Test("after a reopen, states load from disk when first asked for, and stay in memory")
    func lazyLoad() throws {
        let path = try makePath()
        let syncedAt = Date(timeIntervalSince1970: 1_700_000_000)
        do {
            let store = try EntitlementStore.open(path: path).store
            try store.put(StateKey(customerId: "a"), state(granted: true), origin: .upstream, syncedAt: syncedAt)
            try store.put(StateKey(customerId: "b", resourceId: "r"), state(granted: false), origin: .upstream, syncedAt: syncedAt)
        }
        let store = try EntitlementStore.open(path: path).store
        #expect(try store.loadLazily(origin: .upstream) == 2)
        #expect(store.count == 0)
        guard case .state(let a) = store.lookup(StateKey(customerId: "a")) else {
            Issue.record("a not loaded")
            return
        }
        #expect(a.state == state(granted: true))
        #expect(a.syncedAt == syncedAt)
        #expect(store.count == 1)
        #expect(store.isResident(StateKey(customerId: "a")))
        #expect(store.contains(StateKey(customerId: "b", resourceId: "r"), origin: .upstream))
        #expect(!store.isResident(StateKey(customerId: "b", resourceId: "r")))
        guard case .missing = store.lookup(StateKey(customerId: "c")) else {
            Issue.record("c should be missing")
            return
        }
        #expect(try store.oldestSyncedAt(origin: .upstream) == syncedAt)
    }

    @Test("a background put of a state nobody asked for updates the disk only")
    func onlyIfResident() throws {
        let store = try EntitlementStore.open(path: try makePath()).store
        try store.loadLazily(origin: .upstream)
        try store.put(StateKey(customerId: "a"), state(granted: true), origin: .upstream, syncedAt: Date(), onlyIfResident: true)
        #expect(store.count == 0)
        #expect(store.persistedCount(origin: .upstream) == 1)
        _ = store.lookup(StateKey(customerId: "a"))
        try store.put(StateKey(customerId: "a"), state(granted: false), origin: .upstream, syncedAt: Date(), onlyIfResident: true)
        guard case .state(let a) = store.lookup(StateKey(customerId: "a")) else {
            Issue.record("a not resident")
            return
        }
        #expect(a.state == state(granted: false))
        try store.remove(StateKey(customerId: "a"))
        #expect(store.count == 0)
        #expect(store.persistedCount(origin: .upstream) == 0)
    }

    @Test("a state that no longer decodes reads as a miss")
    func undecodableRow() throws {
        let path = try makePath()
        let store = try EntitlementStore.open(path: path).store
        try store.loadLazily(origin: .upstream)
        try store.connection.sync { db in
            try db.execute(
                "INSERT INTO entitlement_states (customer_id, resource_id, origin, state, synced_at, accessed_at) VALUES ('x', '', 'upstream', ?, 0, 0)",
                [.blob(Array(#"{"entitlements":"nope"}"#.utf8))])
        }
        guard case .missing = store.lookup(StateKey(customerId: "x")) else {
            Issue.record("expected a miss")
            return
        }
    }

    @Test("due on disk: past refresh-due first, then the oldest; fresh ones not at all")
    func dueOnDisk() throws {
        let store = try EntitlementStore.open(path: try makePath()).store
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        try store.put(StateKey(customerId: "old"), state(granted: true), origin: .upstream, syncedAt: now.addingTimeInterval(-100))
        try store.put(StateKey(customerId: "older"), state(granted: true), origin: .upstream, syncedAt: now.addingTimeInterval(-200))
        try store.put(StateKey(customerId: "expired"), state(granted: true, validUntil: now.addingTimeInterval(-1)), origin: .upstream, syncedAt: now.addingTimeInterval(-5))
        try store.put(StateKey(customerId: "fresh"), state(granted: true, validUntil: now.addingTimeInterval(60)), origin: .upstream, syncedAt: now.addingTimeInterval(-5))
        let due = try store.dueOnDisk(origin: .upstream, interval: .seconds(30), now: now, limit: 10)
        #expect(due.map(\.customerId) == ["expired", "older", "old"])
        #expect(try store.dueOnDisk(origin: .upstream, interval: .seconds(30), now: now, limit: 1).map(\.customerId) == ["expired"])
    }
}
