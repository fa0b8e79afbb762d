import Foundation
import Testing
@testable import SidecarCache
@testable import SidecarModel

/// `replaceAll(streaming:)` replacing an earlier import: unchanged rows are left alone (so a
/// file with one value changed rewrites one row), yet every state reads as the new import.
@Suite("Offline import into the store: replacing an earlier import row by row")
struct OfflineImportStoreTests {
    let first = Date(timeIntervalSince1970: 1_700_000_000)
    let second = Date(timeIntervalSince1970: 1_700_000_600)

    func makePath() throws -> String {
        try makeTempDirectory("offline-import").appendingPathComponent("cache.sqlite").path
    }

    func state(granted: Bool) -> EntitlementsState {
        EntitlementsState(entitlements: [.feature(FeatureEntitlement(
            isGranted: granted, feature: FeatureRef(id: "f", displayName: "F", featureStatus: .active, featureType: .boolean)))])
    }

    func load(_ store: EntitlementStore, _ id: String) -> CachedState? {
        if case .state(let cached) = store.lookup(StateKey(customerId: id)) { return cached }
        return nil
    }

    /// The `synced_at` SQLite holds for `id`: tells a row written again from one left alone.
    func storedSyncedAt(_ store: EntitlementStore, _ id: String) throws -> Double? {
        try store.connection.sync { db in
            try db.queryOne("SELECT synced_at FROM entitlement_states WHERE customer_id = ?", [.text(id)]) { $0.double(0) }
        }
    }

    func importStates(_ store: EntitlementStore, _ states: [(String, Bool)], at syncedAt: Date) throws {
        let count = try store.replaceAll(origin: .offline, syncedAt: syncedAt) { add in
            for (id, granted) in states { try add(StateKey(customerId: id), state(granted: granted)) }
            return states.count
        }
        #expect(count == states.count)
    }

    @Test("a second import rewrites only changed rows, deletes the ones it no longer names, takes over upstream keys, and every state reads as synced at it")
    func replacement() throws {
        let store = try EntitlementStore.open(path: try makePath()).store
        try store.put(StateKey(customerId: "u"), state(granted: false), origin: .upstream, syncedAt: first)
        try store.put(StateKey(customerId: "v"), state(granted: false), origin: .upstream, syncedAt: first)
        try importStates(store, [("a", true), ("b", true), ("c", true)], at: first)
        try importStates(store, [("a", true), ("b", false), ("u", false)], at: second)

        #expect(try storedSyncedAt(store, "a") == first.timeIntervalSince1970, "an unchanged row is not written again")
        #expect(try storedSyncedAt(store, "b") == second.timeIntervalSince1970)
        #expect(load(store, "a")?.syncedAt == second)
        #expect(load(store, "a")?.state == state(granted: true))
        #expect(load(store, "b")?.state == state(granted: false))
        #expect(load(store, "u")?.origin == .offline, "the same state under another origin is taken over")
        #expect(load(store, "c") == nil, "a state the new import does not name is gone")
        #expect(store.persistedCount(origin: .offline) == 3)
        #expect(store.persistedCount(origin: .upstream) == 1)
        #expect(try store.oldestSyncedAt(origin: .offline) == second)
    }

    @Test("the counts the import keeps while the count triggers are suspended survive a reopen, and the triggers count again afterwards")
    func countsAfterImport() throws {
        let path = try makePath()
        do {
            let store = try EntitlementStore.open(path: path).store
            try store.put(StateKey(customerId: "u"), state(granted: false), origin: .upstream, syncedAt: first)
            try store.put(StateKey(customerId: "v"), state(granted: false), origin: .upstream, syncedAt: first)
            try importStates(store, [("a", true), ("b", true), ("c", true)], at: first)
            try importStates(store, [("a", true), ("b", false), ("u", false), ("d", true)], at: second)
        }
        let store = try EntitlementStore.open(path: path).store
        #expect(store.persistedCount(origin: .offline) == 4)
        #expect(store.persistedCount(origin: .upstream) == 1)
        let triggers = try store.connection.sync { db in
            try db.query("SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name") { $0.string(0) }
        }
        #expect(triggers == ["state_counts_delete", "state_counts_insert", "state_counts_origin"])
        try store.put(StateKey(customerId: "w"), state(granted: true), origin: .upstream, syncedAt: second)
        try store.put(StateKey(customerId: "a"), state(granted: true), origin: .upstream, syncedAt: second)
        try store.remove(StateKey(customerId: "b"))
        #expect(try EntitlementStore.open(path: path).store.persistedCount(origin: .upstream) == 3)
        #expect(try EntitlementStore.open(path: path).store.persistedCount(origin: .offline) == 2)
    }

    @Test("a restart reusing the import reads its states as synced at that import, not at the row's first write")
    func reuseAfterReopen() throws {
        let path = try makePath()
        do {
            let store = try EntitlementStore.open(path: path).store
            try importStates(store, [("a", true), ("b", true)], at: first)
            try importStates(store, [("a", true), ("b", false)], at: second)
        }
        let store = try EntitlementStore.open(path: path).store
        #expect(try store.loadLazily(origin: .offline, importedAt: second) == 2)
        #expect(load(store, "a")?.syncedAt == second)
        #expect(load(store, "b")?.syncedAt == second)
    }

    @Test("an import that fails halfway leaves every previous state, including those it would have deleted")
    func failedReplacementRollsBack() throws {
        struct Stop: Error {}
        let store = try EntitlementStore.open(path: try makePath()).store
        try importStates(store, [("a", true), ("b", true), ("c", true)], at: first)
        #expect(throws: Stop.self) {
            try store.replaceAll(origin: .offline, syncedAt: second) { add -> Int in
                try add(StateKey(customerId: "a"), state(granted: false))
                try add(StateKey(customerId: "d"), state(granted: true))
                throw Stop()
            }
        }
        #expect(load(store, "a")?.state == state(granted: true))
        #expect(load(store, "c") != nil)
        #expect(load(store, "d") == nil)
        #expect(store.persistedCount(origin: .offline) == 3)
        let triggers = try store.connection.sync { db in
            try db.queryOne("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'") { $0.int(0) }
        }
        #expect(triggers == 3, "the suspended count triggers come back with the rollback")
    }
}
