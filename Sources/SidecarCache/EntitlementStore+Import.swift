import Foundation
import SidecarModel
import SidecarSQLite

// Bulk import of a whole origin (the offline snapshot: 100,000 customers in one transaction,
// DESIGN.md §9: ready within 5 s and 256 MiB, whether the file is new or has one value changed).

extension EntitlementStore {
    /// `replaceAll` for more states than memory should hold at once: `produce` hands each one
    /// to `add`, which writes it inside the one transaction; none is kept in memory, and from
    /// then on states of `origin` load lazily. A throw, or a nil from `produce`, rolls
    /// everything back (the previous states stay) and is passed on.
    ///
    /// A row whose state is already stored, with this origin, is left as it is rather than
    /// deleted and written again: a file with one value changed rewrites one row, not the
    /// whole table (deleting 100,000 rows alone took 0.8 s). Such a row keeps its old
    /// `synced_at`; every state of `origin` reads as synced at `syncedAt` (see
    /// `importedAt`). Rows of `origin` the new states do not name are deleted.
    public func replaceAll<Result>(
        origin: StateOrigin, syncedAt: Date,
        streaming produce: (_ add: (StateKey, EntitlementsState) throws -> Void) throws -> Result?
    ) throws -> Result? {
        let result: Result?
        // States of another origin in memory that the import replaces on disk.
        var displaced: [StateKey] = []
        do {
            result = try connection.sync { db -> Result in
                // The count triggers make every write a statement that may need undoing on
                // its own, so SQLite copies each page it touches (4-5 per new row) into a
                // statement journal, a temporary file by default: 1.2 million pwrite calls
                // for 100,000 rows, most of the import. In memory those copies are memcpy.
                // The transaction's own journal (the WAL) is unaffected: a crash mid-import
                // still leaves the previous states.
                try db.execute("PRAGMA temp_store = MEMORY")
                defer { try? db.execute("PRAGMA temp_store = DEFAULT") }
                let produced = try db.transaction { () throws -> Result in
                    if origin == .offline { try db.execute("DELETE FROM offline_snapshot") }
                    // Only a replacement can leave rows behind, so only it remembers the keys.
                    var written: Set<StateKey>? = persistedCount(origin: origin) > 0 ? [] : nil
                    guard let produced = try produce({ key, state in
                        try Self.importRow(CachedState(key: key, state: state, origin: origin, syncedAt: syncedAt), to: db)
                        written?.insert(key)
                        if index.withLock({ $0[key] != nil }) { displaced.append(key) }
                    }) else { throw NothingProduced() }
                    if let written { try Self.deleteRows(of: origin, notIn: written, db: db) }
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
            for key in displaced { index.remove(key) }
        }
        importedAt.withLock { $0[origin] = syncedAt }
        lazyOrigin.withLock { $0 = origin }
        return result
    }

    /// `replaceAll(streaming:)`'s producer gave up: roll back.
    private struct NothingProduced: Error {}

    /// `write`, but a row that already holds this state with this origin is not touched, so
    /// its pages are neither journaled nor written to the WAL again.
    static func importRow(_ cached: CachedState, to db: Database) throws {
        var writer = JSONWriter(capacity: 1024)
        writer.entitlementsState(cached.state)
        try db.execute(
            """
            INSERT INTO entitlement_states
                (customer_id, resource_id, origin, state, synced_at, accessed_at, refresh_due)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (customer_id, resource_id) DO UPDATE SET
                origin = excluded.origin, state = excluded.state, synced_at = excluded.synced_at,
                accessed_at = excluded.accessed_at, refresh_due = excluded.refresh_due
            WHERE entitlement_states.origin <> excluded.origin OR entitlement_states.state <> excluded.state
            """,
            [
                .text(cached.key.customerId), .text(cached.key.resourceId ?? ""), .text(cached.origin.rawValue),
                .blob(writer.bytes), .real(cached.syncedAt.timeIntervalSince1970),
                .real(cached.accessedAt.timeIntervalSince1970),
                cached.refreshDue.map { .real($0.timeIntervalSince1970) } ?? .null,
            ])
    }

    /// Deletes the rows of `origin` whose keys are not in `keys`. The triggers' count says
    /// whether there are any without a scan: every key in `keys` is a row of `origin` now.
    private static func deleteRows(of origin: StateOrigin, notIn keys: Set<StateKey>, db: Database) throws {
        guard (try persistedCounts(db)[origin] ?? 0) > keys.count else { return }
        var stale: [StateKey] = []
        try db.iterate("SELECT customer_id, resource_id FROM entitlement_states WHERE origin = ?", [.text(origin.rawValue)]) { row in
            let key = StateKey(customerId: row.string(0), resourceId: row.string(1).isEmpty ? nil : row.string(1))
            if !keys.contains(key) { stale.append(key) }
        }
        for key in stale {
            try db.execute(
                "DELETE FROM entitlement_states WHERE customer_id = ? AND resource_id = ?",
                [.text(key.customerId), .text(key.resourceId ?? "")])
        }
    }
}
