import Foundation
import SidecarModel
import SidecarSQLite

extension EntitlementStore {
    /// The last change-stream entry this sidecar applied for `namespace`; nil before the first.
    /// Blocks on the connection's queue: never call it on an event loop.
    public func fleetPosition(namespace: String) throws -> String? {
        try connection.sync { db in
            try db.queryOne("SELECT stream_id FROM fleet_positions WHERE namespace = ?", [.text(namespace)]) { $0.string(0) }
        }
    }

    public func setFleetPosition(_ streamId: String, namespace: String) throws {
        try connection.sync { db in
            try db.execute(
                "INSERT INTO fleet_positions (namespace, stream_id) VALUES (?, ?) ON CONFLICT (namespace) DO UPDATE SET stream_id = excluded.stream_id",
                [.text(namespace), .text(streamId)])
        }
    }

    /// When the upstream state this sidecar holds for `key` (in memory or only on disk) was
    /// synced; nil when it holds none. Blocks on the connection's queue.
    public func heldSyncedAt(_ key: StateKey) -> Date? {
        if let cached = index.withLock({ $0[key] }) { return cached.origin == .upstream ? cached.syncedAt : nil }
        return try? connection.sync { db in try Self.diskSyncedAt(key, db: db) }
    }

    /// Stores a state another sidecar shared, unless what is held for `key` should stay
    /// (`replaces` says no for its sync time) or nothing upstream is held for it at all: the
    /// fleet updates the keys a sidecar holds, it does not fill the cache. The check and the
    /// write happen on the connection's queue, so a fetch landing in between is not
    /// overwritten by an older copy. Memory gets it only if it holds the key already; unsent
    /// local usage is overlaid as for any upstream state. nil when nothing was stored.
    @discardableResult
    public func adoptHeld(_ key: StateKey, _ state: EntitlementsState, syncedAt: Date, replaces: (Date) -> Bool) throws -> CachedState? {
        try connection.sync { db in
            let held: Date?
            if let resident = index.withLock({ $0[key] }) {
                held = resident.origin == .upstream ? resident.syncedAt : nil
            } else {
                held = try Self.diskSyncedAt(key, db: db)
            }
            guard let held, replaces(held) else { return nil }
            return try put(key, state, origin: .upstream, syncedAt: syncedAt, onlyIfResident: true)
        }
    }

    /// One page of the upstream keys SQLite holds, after `cursor` in key order, with their sync
    /// times: a walk over every held key without loading the states (DESIGN.md §13:
    /// revalidating after the stream position was lost). Blocks on the connection's queue.
    public func heldKeys(after cursor: StateKey?, limit: Int) throws -> [(key: StateKey, syncedAt: Date)] {
        try connection.sync { db in
            try db.query(
                """
                SELECT customer_id, resource_id, synced_at FROM entitlement_states
                WHERE origin = 'upstream' AND (customer_id, resource_id) > (?, ?)
                ORDER BY customer_id, resource_id LIMIT ?
                """,
                [.text(cursor?.customerId ?? ""), .text(cursor.map { $0.resourceId ?? "" } ?? ""), .integer(Int64(limit))]
            ) { row in
                (StateKey(customerId: row.string(0), resourceId: row.string(1).isEmpty ? nil : row.string(1)),
                 Date(timeIntervalSince1970: row.double(2)))
            }
        }
    }

    private static func diskSyncedAt(_ key: StateKey, db: Database) throws -> Date? {
        try db.queryOne(
            "SELECT synced_at FROM entitlement_states WHERE customer_id = ? AND resource_id = ? AND origin = 'upstream'",
            [.text(key.customerId), .text(key.resourceId ?? "")]) { Date(timeIntervalSince1970: $0.double(0)) }
    }
}
