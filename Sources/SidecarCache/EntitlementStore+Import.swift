import Foundation
import SidecarModel
import SidecarSQLite

// Bulk import of a whole origin (the offline snapshot: 100,000 customers in one transaction,
// DESIGN.md §9: ready within 5 s and 256 MiB).

extension EntitlementStore {
    /// `replaceAll` for more states than memory should hold at once: `produce` hands each one
    /// to `add`, which writes it inside the one transaction; none is kept in memory, and from
    /// then on states of `origin` load lazily. A throw, or a nil from `produce`, rolls
    /// everything back (the previous states stay) and is passed on.
    public func replaceAll<Result>(
        origin: StateOrigin, syncedAt: Date,
        streaming produce: (_ add: (StateKey, EntitlementsState) throws -> Void) throws -> Result?
    ) throws -> Result? {
        let result: Result?
        do {
            result = try connection.sync { db -> Result in
                // The count triggers make every write a statement that may need undoing on
                // its own, so SQLite copies each page it touches (4-5 per row) into a
                // statement journal, a temporary file by default: 1.2 million pwrite calls
                // for 100,000 rows, most of the import. In memory those copies are memcpy.
                // The transaction's own rollback journal (the WAL) is unaffected: a crash
                // mid-import still leaves the previous states.
                try db.execute("PRAGMA temp_store = MEMORY")
                defer { try? db.execute("PRAGMA temp_store = DEFAULT") }
                let produced = try db.transaction { () throws -> Result in
                    if origin == .offline { try db.execute("DELETE FROM offline_snapshot") }
                    if persistedCount(origin: origin) > 0 {
                        try db.execute("DELETE FROM entitlement_states WHERE origin = ?", [.text(origin.rawValue)])
                    }
                    guard let produced = try produce({ key, state in
                        try Self.write(CachedState(key: key, state: state, origin: origin, syncedAt: syncedAt), to: db)
                    }) else { throw NothingProduced() }
                    return produced
                }
                let counts = try Self.persistedCounts(db)
                persisted.withLock { $0 = counts }
                return produced
            }
        } catch is NothingProduced {
            return nil
        }
        index.withLock { index in
            for key in index.values.filter({ $0.origin == origin }).map(\.key) { index.remove(key) }
        }
        lazyOrigin.withLock { $0 = origin }
        return result
    }

    /// `replaceAll(streaming:)`'s producer gave up: roll back.
    private struct NothingProduced: Error {}
}
