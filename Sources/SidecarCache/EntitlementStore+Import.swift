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
    /// A row that already holds the same state with this origin is left as it is rather than
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
                let produced = try db.transaction { () throws -> Result in
                    if origin == .offline { try db.execute("DELETE FROM offline_snapshot") }
                    var bulk = try BulkImport(origin: origin, db: db)
                    guard let produced = try produce({ key, state in
                        try bulk.add(CachedState(key: key, state: state, origin: origin, syncedAt: syncedAt))
                        if index.withLock({ $0[key] != nil }) { displaced.append(key) }
                    }) else { throw NothingProduced() }
                    try bulk.finish()
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
}

/// One `replaceAll(streaming:)` inside its transaction.
///
/// The `state_counts` triggers are dropped for its length and recreated, from the SQL they
/// were created with, before it commits: a table with triggers makes every write a statement
/// SQLite may have to undo on its own, so it copied each page a row touched (4-5) into a
/// statement journal and ran the trigger's own upsert, together a fifth of the import (and
/// 1.2 million pwrite calls while that journal was a temporary file). The counts are kept
/// here instead, from what each row replaced, and written once. Being DDL inside the
/// transaction, a crash or a throw before the commit brings the triggers back with the
/// previous states.
private struct BulkImport {
    let origin: StateOrigin
    let db: Database
    /// The trigger SQL to run again at `finish`.
    private let suspended: [String]
    /// States per origin as the triggers would have kept them.
    private var counts: [StateOrigin: Int]
    /// Only a replacement can leave rows behind, so only it remembers the keys it wrote.
    private var written: Set<StateKey>?

    init(origin: StateOrigin, db: Database) throws {
        self.origin = origin
        self.db = db
        counts = try EntitlementStore.persistedCounts(db)
        // Sized for a file of about the same length, so the set is not rehashed at every
        // doubling (changed file, 10,000 customers: 1.49G -> 1.47G instructions).
        let previous = counts[origin] ?? 0
        written = previous > 0 ? Set(minimumCapacity: previous) : nil
        let triggers = try db.query(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'entitlement_states' AND name LIKE 'state_counts_%'"
        ) { ($0.string(0), $0.string(1)) }
        for (name, _) in triggers { try db.execute("DROP TRIGGER \(name)") }
        suspended = triggers.map(\.1)
    }

    /// Writes `cached` unless its row already holds the same state with this origin.
    mutating func add(_ cached: CachedState) throws {
        var writer = JSONWriter(capacity: 1024)
        writer.entitlementsState(cached.state)
        let stored = try db.queryOne(
            "SELECT origin, state = ? FROM entitlement_states WHERE customer_id = ? AND resource_id = ?",
            [.blob(writer.bytes), .text(cached.key.customerId), .text(cached.key.resourceId ?? "")]
        ) { row in (StateOrigin(rawValue: row.string(0)), row.int(1) == 1) }
        written?.insert(cached.key)
        switch stored {
        case (origin, true)?: return
        case nil: counts[origin, default: 0] += 1
        case (let replaced?, _)? where replaced != origin:
            counts[replaced, default: 1] -= 1
            counts[origin, default: 0] += 1
        case (nil, _)?: counts[origin, default: 0] += 1  // an origin this version does not count
        case _?: break  // the same origin, another state
        }
        try EntitlementStore.write(cached, encoded: writer.bytes, to: db)
    }

    /// Deletes the rows of `origin` not written by this import, stores the counts and brings
    /// the triggers back.
    mutating func finish() throws {
        if let written, (counts[origin] ?? 0) > written.count {
            var stale: [StateKey] = []
            try db.iterate("SELECT customer_id, resource_id FROM entitlement_states WHERE origin = ?", [.text(origin.rawValue)]) { row in
                let key = StateKey(customerId: row.string(0), resourceId: row.string(1).isEmpty ? nil : row.string(1))
                if !written.contains(key) { stale.append(key) }
            }
            for key in stale {
                try db.execute(
                    "DELETE FROM entitlement_states WHERE customer_id = ? AND resource_id = ?",
                    [.text(key.customerId), .text(key.resourceId ?? "")])
            }
            counts[origin] = (counts[origin] ?? 0) - stale.count
        }
        for (origin, states) in counts {
            try db.execute(
                "INSERT INTO state_counts (origin, states) VALUES (?, ?) ON CONFLICT (origin) DO UPDATE SET states = excluded.states",
                [.text(origin.rawValue), .integer(Int64(states))])
        }
        for sql in suspended { try db.execute(sql) }
    }
}
