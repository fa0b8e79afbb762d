import Foundation
import SidecarSQLite
import Synchronization

/// Entitlement states per (customer, resource): SQLite for durability, an in-memory index for
/// answers. Writes go to SQLite first and then to memory, so memory never holds what a crash
/// would lose; reads never touch SQLite.
public final class EntitlementStore: Sendable {
    let connection: SQLiteConnection
    private let index = Mutex(Index())

    struct Index {
        var states: [StateKey: CachedState] = [:]
        /// States per customer, to tell "unknown customer" from "unknown resource".
        var customers: [String: Int] = [:]

        mutating func insert(_ cached: CachedState) {
            if states.updateValue(cached, forKey: cached.key) == nil {
                customers[cached.key.customerId, default: 0] += 1
            }
        }

        mutating func remove(_ key: StateKey) {
            guard states.removeValue(forKey: key) != nil else { return }
            let left = (customers[key.customerId] ?? 1) - 1
            customers[key.customerId] = left > 0 ? left : nil
        }
    }

    /// What opening found: a corrupt file moved aside is reported so the caller can say so.
    public struct Opened: Sendable {
        public let store: EntitlementStore
        public let recovery: SQLiteRecovery?
    }

    /// Opens (creating or migrating) the database. A corrupt file is moved aside and a fresh
    /// one started; a database from a newer schema is refused (`SQLiteError.newerSchema`).
    public static func open(path: String) throws -> Opened {
        let opened = try SQLiteConnection.openOrRecover(path: path, migrator: migrator)
        return Opened(store: EntitlementStore(connection: opened.connection), recovery: opened.recovery)
    }

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    // MARK: Reads (memory only)

    public func lookup(_ key: StateKey) -> StoreLookup {
        index.withLock { index in
            if let cached = index.states[key] { return .state(cached) }
            return index.customers[key.customerId] != nil ? .resourceNotFound : .missing
        }
    }

    public var count: Int { index.withLock { $0.states.count } }

    /// Every cached state of `origin`, for the poller's scan and `/status`. A copy of the
    /// references: the scan runs without holding the lock answers need.
    public func states(origin: StateOrigin) -> [CachedState] {
        index.withLock { index in index.states.values.filter { $0.origin == origin } }
    }

    // MARK: Writes (SQLite, then memory)

    /// Stores one state, replacing what was there.
    /// The last access carries over from the state it replaces, so a refresh does not make
    /// an unused entry look used. Returns the stored state.
    @discardableResult
    public func put(_ key: StateKey, _ state: EntitlementsState, origin: StateOrigin, syncedAt: Date) throws -> CachedState {
        let previous = index.withLock { $0.states[key] }
        let cached = CachedState(key: key, state: state, origin: origin, syncedAt: syncedAt, accessedAt: previous?.accessedAt)
        try connection.sync { db in try Self.write(cached, to: db) }
        index.withLock { $0.insert(cached) }
        return cached
    }

    /// Forgets one state (upstream says the customer or resource no longer exists).
    public func remove(_ key: StateKey) throws {
        try connection.sync { db in
            try db.execute(
                "DELETE FROM entitlement_states WHERE customer_id = ? AND resource_id = ?",
                [.text(key.customerId), .text(key.resourceId ?? "")])
        }
        index.withLock { $0.remove(key) }
    }

    /// Replaces every state of `origin` with `entries` in one transaction.
    public func replaceAll(origin: StateOrigin, with entries: [(StateKey, EntitlementsState)], syncedAt: Date) throws {
        let cached = entries.map { CachedState(key: $0.0, state: $0.1, origin: origin, syncedAt: syncedAt) }
        try connection.transaction { db in
            try db.execute("DELETE FROM entitlement_states WHERE origin = ?", [.text(origin.rawValue)])
            for state in cached { try Self.write(state, to: db) }
        }
        index.withLock { index in
            for key in index.states.values.filter({ $0.origin == origin }).map(\.key) { index.remove(key) }
            for state in cached { index.insert(state) }
        }
    }

    /// Loads the persisted states of `origin` into memory; returns how many. States that no
    /// longer decode (written by a bug, or tampered with) are skipped and counted in `skipped`.
    @discardableResult
    public func loadPersisted(origin: StateOrigin) throws -> (loaded: Int, skipped: Int) {
        var loaded: [CachedState] = []
        var skipped = 0
        try connection.sync { db in
            try db.iterate(
                "SELECT customer_id, resource_id, state, synced_at, accessed_at FROM entitlement_states WHERE origin = ?",
                [.text(origin.rawValue)]
            ) { row in
                let resource = row.string(1)
                let key = StateKey(customerId: row.string(0), resourceId: resource.isEmpty ? nil : resource)
                do {
                    let state = try EntitlementsState(json: try JSONParser.parse(row.blob(2)))
                    loaded.append(CachedState(
                        key: key, state: state, origin: origin, syncedAt: Date(timeIntervalSince1970: row.double(3)),
                        accessedAt: Date(timeIntervalSince1970: row.double(4))))
                } catch {
                    skipped += 1
                }
            }
        }
        index.withLock { index in loaded.forEach { index.insert($0) } }
        return (loaded.count, skipped)
    }

    /// Deletes every persisted and cached state of `origin`.
    public func removeAll(origin: StateOrigin) throws {
        try replaceAll(origin: origin, with: [], syncedAt: Date())
    }

    private static func write(_ cached: CachedState, to db: Database) throws {
        var writer = JSONWriter(capacity: 1024)
        writer.entitlementsState(cached.state)
        try db.execute(
            """
            INSERT OR REPLACE INTO entitlement_states
                (customer_id, resource_id, origin, state, synced_at, accessed_at, refresh_due)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(cached.key.customerId), .text(cached.key.resourceId ?? ""), .text(cached.origin.rawValue),
                .blob(writer.bytes), .real(cached.syncedAt.timeIntervalSince1970),
                .real(cached.accessedAt.timeIntervalSince1970),
                cached.refreshDue.map { .real($0.timeIntervalSince1970) } ?? .null,
            ])
    }
}
