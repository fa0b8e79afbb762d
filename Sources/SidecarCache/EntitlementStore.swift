import SidecarModel
import Foundation
import SidecarSQLite
import Synchronization

/// Entitlement states per (customer, resource): SQLite holds every state, memory holds the
/// decoded states callers ask about. Writes go to SQLite first and then to memory, so memory
/// never holds what a crash would lose. Local usage is the exception that proves it: its
/// records are committed to the outbox first, and rows catch up by a flush a second, or by a
/// replay from the outbox at the next open (EntitlementStore+UsageFlush.swift).
///
/// With lazy loading on (online mode), a state is read from SQLite and decoded the first time
/// it is asked for, and kept in memory from then on: start-up does not decode 100,000 states,
/// and memory follows the working set rather than everything ever cached. Offline snapshots
/// are small and loaded whole.
public final class EntitlementStore: Sendable {
    let connection: SQLiteConnection
    let index = Mutex(Index())
    /// The origin read from SQLite on a memory miss; nil = memory is the whole truth.
    let lazyOrigin = Mutex<StateOrigin?>(nil)
    /// Outbox counts, read from SQLite on first use and kept current by the outbox writers
    /// (all on the connection's queue); nil = not read yet.
    let outboxTally = Mutex<OutboxCounts?>(nil)
    /// States SQLite holds per origin, counted once at open and kept current by the writers
    /// (all on the connection's queue), so `/readyz` and `/status` never run `count(*)`.
    let persisted = Mutex<[StateOrigin: Int]>([:])
    /// Per origin imported whole by `replaceAll(streaming:)`: when that import ran. Every
    /// state of the origin reads as synced then, since rows the import found unchanged keep
    /// the `synced_at` they were first written with.
    let importedAt = Mutex<[StateOrigin: Date]>([:])
    /// Intake requests waiting for the next group commit.
    let intake = Mutex(IntakeBacklog())
    /// States whose usage memory holds and their rows do not yet (EntitlementStore+UsageFlush).
    let usageFlush = Mutex(UsageFlushState())
    /// How usage bookkeeping (intake groups, marking batches sent) shares its core.
    let pacing: Pacing
    /// How long a state whose usage changed waits for its row to be written.
    let usageFlushDelay: Duration

    /// What opening found: a corrupt file moved aside is reported so the caller can say so.
    public struct Opened: Sendable {
        public let store: EntitlementStore
        public let recovery: StoreRecovery?
    }

    /// Opens (creating or migrating) the database. A corrupt file is moved aside and a fresh
    /// one started; a database from a newer schema is refused (`StoreError.newerSchema`).
    /// `usagePacing` (`SIDECAR_USAGE_PACING`): whether usage bookkeeping pauses to let the event
    /// loops run (Pacer.swift).
    public static func open(path: String, usagePacing: Bool = true) throws(StoreError) -> Opened {
        try open(path: path, pacing: usagePacing ? .standard : .off)
    }

    /// `open` with the pacing of background work given (tests watch it with a clock of their own),
    /// and the flush delay (tests that stand for a crash keep rows behind memory).
    static func open(path: String, pacing: Pacing, usageFlushDelay: Duration = .seconds(1)) throws(StoreError) -> Opened {
        do {
            // The full check reads every page (1.8 s on 1M states): only after a crash.
            let opened = try SQLiteConnection.openOrRecover(path: path, migrator: migrator, quickCheck: .afterUncleanClose)
            return Opened(
                store: try EntitlementStore(connection: opened.connection, pacing: pacing, usageFlushDelay: usageFlushDelay),
                recovery: opened.recovery.map { StoreRecovery(movedTo: $0.movedTo, cause: "\($0.cause)") })
        } catch {
            throw StoreError(error)
        }
    }

    init(connection: SQLiteConnection, pacing: Pacing = .standard, usageFlushDelay: Duration = .seconds(1)) throws {
        self.connection = connection
        self.pacing = pacing
        self.usageFlushDelay = usageFlushDelay
        let counts = try connection.sync { db in
            try Self.replayUnflushedUsage(db)
            return try Self.persistedCounts(db)
        }
        persisted.withLock { $0 = counts }
        _ = try connection.sync { db in try tally(db) { _ in } }
    }

    // MARK: Reads

    /// What memory knows, without touching SQLite: safe on an HTTP event loop. `.unloaded`
    /// means SQLite may hold the state; `load` (or `lookup`, off the loop) reads it.
    public func lookupInMemory(_ key: StateKey) -> StoreLookup {
        let lazy = lazyOrigin.withLock { $0 } != nil
        return index.withLock { index -> StoreLookup in
            if let cached = index[key] { return .state(cached) }
            if lazy { return .unloaded }
            return index.hasCustomer(key.customerId) ? .resourceNotFound : .missing
        }
    }

    /// Memory, then SQLite: blocks on the connection's queue, so never call it on an event
    /// loop (debug builds trap there). Never answers `.unloaded`.
    public func lookup(_ key: StateKey) -> StoreLookup {
        let found = lookupInMemory(key)
        guard case .unloaded = found else { return found }
        return connection.sync { _ in loadResident(key) }
    }

    /// `lookup` on the connection's queue; `completion` runs there, so it must not block.
    public func load(_ key: StateKey, completion: @escaping @Sendable (StoreLookup) -> Void) {
        connection.async { _ in completion(self.lookup(key)) }
    }

    /// Reads `key` from SQLite into memory (on the connection's queue).
    private func loadResident(_ key: StateKey) -> StoreLookup {
        let memory = index.withLock { index -> StoreLookup? in
            if let cached = index[key] { return .state(cached) }
            return nil
        }
        if let memory { return memory }
        guard let origin = lazyOrigin.withLock({ $0 }) else { return .missing }
        guard let loaded = loadFromDisk(key, origin: origin) else {
            return hasOtherResourceOnDisk(key, origin: origin) ? .resourceNotFound : .missing
        }
        // Another thread may have stored a newer state meanwhile: the one in memory wins.
        return .state(index.withLock { index in
            if let existing = index[key] { return existing }
            index.insert(loaded)
            return loaded
        })
    }

    /// Whether SQLite has a state of `key`'s customer for another resource (a prefix of the
    /// primary key: one seek), which makes `key` an unknown resource of a known customer.
    private func hasOtherResourceOnDisk(_ key: StateKey, origin: StateOrigin) -> Bool {
        let found = try? connection.sync { db in
            try db.queryOne(
                "SELECT 1 FROM entitlement_states WHERE customer_id = ? AND resource_id <> ? AND origin = ? LIMIT 1",
                [.text(key.customerId), .text(key.resourceId ?? ""), .text(origin.rawValue)]) { _ in true }
        }
        return found == true
    }

    /// Whether memory holds `key`'s state (it has been asked for or fetched on a miss).
    public func isResident(_ key: StateKey) -> Bool { index.withLock { $0[key] != nil } }

    /// Whether SQLite has a state for `key`, without loading it.
    public func contains(_ key: StateKey, origin: StateOrigin) -> Bool {
        if isResident(key) { return true }
        let found = try? connection.sync { db in
            try db.queryOne(
                "SELECT 1 FROM entitlement_states WHERE customer_id = ? AND resource_id = ? AND origin = ?",
                [.text(key.customerId), .text(key.resourceId ?? ""), .text(origin.rawValue)]) { _ in true }
        }
        return found == true
    }

    public var count: Int { index.withLock { $0.count } }

    /// Every cached state of `origin`, for the poller's scan and `/status`. A copy of the
    /// references: the scan runs without holding the lock answers need.
    public func states(origin: StateOrigin) -> [CachedState] {
        index.withLock { index in index.values.filter { $0.origin == origin } }
    }

    // MARK: Writes (SQLite, then memory)

    /// Stores one state, replacing what was there.
    /// The last access carries over from the state it replaces, so a refresh does not make
    /// an unused entry look used. With `onlyIfResident`, memory is updated only if it already
    /// holds the key: a background refresh of a state nobody asked about stays on disk.
    ///
    /// Usage accepted locally but not yet delivered is applied on top of an upstream state,
    /// so a refresh never takes back what a client already reported (read-your-writes). The
    /// read of the queue, the write and the memory update happen on the connection's queue,
    /// where usage intake also runs, so a report cannot land in between and be lost.
    @discardableResult
    public func put(_ key: StateKey, _ state: EntitlementsState, origin: StateOrigin, syncedAt: Date, onlyIfResident: Bool = false) throws -> CachedState {
        try connection.sync { db in
            let previous = index.withLock { $0[key] }
            var state = state
            if origin == .upstream { try Self.overlayPending(&state, key: key, featureId: nil, db: db) }
            let cached = CachedState(key: key, state: state, origin: origin, syncedAt: syncedAt, accessedAt: previous?.accessedAt)
            let replaced = try previous?.origin ?? Self.persistedOrigin(key, db: db)
            try Self.write(cached, to: db)
            persisted.withLock { persisted in
                if let replaced { persisted[replaced, default: 1] -= 1 }
                persisted[origin, default: 0] += 1
            }
            if previous != nil || !onlyIfResident {
                index.withLock { $0.insert(cached) }
            }
            return cached
        }
    }

    /// Drops states from memory only (SQLite keeps them), so memory holds the recent working
    /// set rather than every state ever asked for. Only with lazy loading, which brings them
    /// back on the next ask. Waits for the connection's queue: never on an event loop.
    public func evict(_ keys: [StateKey]) {
        guard lazyOrigin.withLock({ $0 }) != nil, !keys.isEmpty else { return }
        // A state whose usage its row does not have yet stays until the flush. On the queue,
        // where usage marks states dirty, so none is marked between this check and its removal.
        connection.sync { _ in
            let evictable = keys.filter { !hasUnflushedUsage($0) }
            index.withLock { index in evictable.forEach { index.remove($0) } }
        }
    }

    /// Forgets one state (upstream says the customer or resource no longer exists).
    public func remove(_ key: StateKey) throws {
        // Memory too, on the queue: a flush in between would find the state in memory and
        // write its row again.
        try connection.sync { db in
            if let origin = try Self.persistedOrigin(key, db: db) {
                try db.execute(
                    "DELETE FROM entitlement_states WHERE customer_id = ? AND resource_id = ?",
                    [.text(key.customerId), .text(key.resourceId ?? "")])
                persisted.withLock { $0[origin, default: 1] -= 1 }
            }
            index.withLock { $0.remove(key) }
        }
    }

    /// Replaces every state of `origin` with `entries` in one transaction.
    public func replaceAll(origin: StateOrigin, with entries: [(StateKey, EntitlementsState)], syncedAt: Date) throws {
        let cached = entries.map { CachedState(key: $0.0, state: $0.1, origin: origin, syncedAt: syncedAt) }
        // Every row is written again, with its true sync time.
        importedAt.withLock { $0[origin] = nil }
        try connection.sync { db in
            try db.transaction {
                // The states no longer come from the file that was recorded.
                if origin == .offline { try db.execute("DELETE FROM offline_snapshot") }
                // Nothing of `origin` on disk: skip a DELETE that would read every row.
                if persistedCount(origin: origin) > 0 {
                    try db.execute("DELETE FROM entitlement_states WHERE origin = ?", [.text(origin.rawValue)])
                }
                for state in cached { try Self.write(state, to: db) }
            }
            // Keys are unique per call, and the other origin's rows with these keys were replaced.
            let counts = try Self.persistedCounts(db)
            persisted.withLock { $0 = counts }
        }
        index.withLock { index in
            for key in index.values.filter({ $0.origin == origin }).map(\.key) { index.remove(key) }
            for state in cached { index.insert(state) }
        }
    }

    /// From now on, states of `origin` missing from memory are read from SQLite when asked
    /// for. Returns how many SQLite holds.
    /// `importedAt`: when a restart that reuses an offline import loaded it, which every state
    /// of `origin` then reads as its sync time instead of the one stored with its row.
    @discardableResult
    public func loadLazily(origin: StateOrigin, importedAt: Date? = nil) throws -> Int {
        if let importedAt { self.importedAt.withLock { $0[origin] = importedAt } }
        lazyOrigin.withLock { $0 = origin }
        return persistedCount(origin: origin)
    }

    /// States SQLite holds for `origin`, from the counter kept in memory (no query).
    public func persistedCount(origin: StateOrigin) -> Int {
        persisted.withLock { $0[origin] ?? 0 }
    }

    /// The oldest sync time among the states of `origin`, for `/status`.
    public func oldestSyncedAt(origin: StateOrigin) throws -> Date? {
        if let imported = importedAt.withLock({ $0[origin] }) { return persistedCount(origin: origin) > 0 ? imported : nil }
        return try connection.sync { db in
            try db.queryOne("SELECT min(synced_at) FROM entitlement_states WHERE origin = ?", [.text(origin.rawValue)]) { row in
                row.optionalDouble(0).map { Date(timeIntervalSince1970: $0) }
            } ?? nil
        }
    }

    /// Keys of `origin` due at `now` (older than `interval`, or past their refresh-due time),
    /// most urgent first, that memory does not hold: the poller's view of the disk.
    public func dueOnDisk(origin: StateOrigin, interval: Duration, now: Date, limit: Int) throws -> [StateKey] {
        let keys = try connection.sync { db in
            try db.query(
                """
                SELECT customer_id, resource_id FROM entitlement_states
                WHERE origin = ? AND (synced_at <= ? OR refresh_due <= ?)
                ORDER BY (refresh_due IS NOT NULL AND refresh_due <= ?) DESC, min(synced_at + ?, coalesce(refresh_due, synced_at + ?))
                LIMIT ?
                """,
                [.text(origin.rawValue), .real(now.timeIntervalSince1970 - interval.seconds), .real(now.timeIntervalSince1970),
                 .real(now.timeIntervalSince1970), .real(interval.seconds), .real(interval.seconds), .integer(Int64(limit))]
            ) { row in StateKey(customerId: row.string(0), resourceId: row.string(1).isEmpty ? nil : row.string(1)) }
        }
        return keys
    }

    /// One state from SQLite, decoded; nil if absent or if it no longer decodes (written by a
    /// bug, or tampered with), in which case it reads as a miss and is fetched again.
    private func loadFromDisk(_ key: StateKey, origin: StateOrigin) -> CachedState? {
        let row = try? connection.sync { db in
            try db.queryOne(
                "SELECT state, synced_at, accessed_at FROM entitlement_states WHERE customer_id = ? AND resource_id = ? AND origin = ?",
                [.text(key.customerId), .text(key.resourceId ?? ""), .text(origin.rawValue)]
            ) { row in (row.blob(0), row.double(1), row.double(2)) }
        }
        guard let (blob, syncedAt, accessedAt) = row ?? nil,
              let state = try? EntitlementsState(json: try JSONParser.parse(blob)) else { return nil }
        let imported = importedAt.withLock { $0[origin] }
        return CachedState(
            key: key, state: state, origin: origin, syncedAt: imported ?? Date(timeIntervalSince1970: syncedAt),
            accessedAt: Date(timeIntervalSince1970: accessedAt))
    }

    /// Deletes every persisted and cached state of `origin`.
    public func removeAll(origin: StateOrigin) throws {
        try replaceAll(origin: origin, with: [], syncedAt: Date())
    }

    /// The origin of the row SQLite holds for `key`, if any.
    private static func persistedOrigin(_ key: StateKey, db: Database) throws -> StateOrigin? {
        try db.queryOne(
            "SELECT origin FROM entitlement_states WHERE customer_id = ? AND resource_id = ?",
            [.text(key.customerId), .text(key.resourceId ?? "")]) { StateOrigin(rawValue: $0.string(0)) } ?? nil
    }

    /// States per origin, from the table the triggers keep (never a scan).
    static func persistedCounts(_ db: Database) throws -> [StateOrigin: Int] {
        var counts: [StateOrigin: Int] = [:]
        for (origin, count) in try db.query("SELECT origin, states FROM state_counts", [], { ($0.string(0), $0.int(1)) }) {
            if let origin = StateOrigin(rawValue: origin), count > 0 { counts[origin] = count }
        }
        return counts
    }

    /// Rewrites only the state's JSON, for a change of its usage (the flush of what intake and
    /// delivery confirmations changed): the row's origin, sync time and refresh hint stay, so
    /// SQLite touches one table page instead of also the sync-time and refresh indexes and the
    /// count trigger. A row that is gone, or holds another origin now, was removed or replaced
    /// after memory changed: it is left as it is, never written back.
    static func writeUsageChange(_ state: EntitlementsState, of key: StateKey, origin: StateOrigin, to db: Database) throws {
        var writer = JSONWriter(capacity: 1024)
        writer.entitlementsState(state)
        try db.execute(
            """
            UPDATE entitlement_states SET state = ?, usage_through = \(Self.lastUsageSeq)
            WHERE customer_id = ? AND resource_id = ? AND origin = ?
            """,
            [.blob(writer.bytes), .text(key.customerId), .text(key.resourceId ?? ""), .text(origin.rawValue)])
    }

    static func write(_ cached: CachedState, to db: Database) throws {
        var writer = JSONWriter(capacity: 1024)
        writer.entitlementsState(cached.state)
        try write(cached, encoded: writer.bytes, to: db)
    }

    /// `write` with the state already encoded.
    static func write(_ cached: CachedState, encoded: [UInt8], to db: Database) throws {
        try db.execute(
            """
            INSERT INTO entitlement_states
                (customer_id, resource_id, origin, state, synced_at, accessed_at, refresh_due, usage_through)
            VALUES (?, ?, ?, ?, ?, ?, ?, \(Self.lastUsageSeq))
            ON CONFLICT (customer_id, resource_id) DO UPDATE SET
                origin = excluded.origin, state = excluded.state, synced_at = excluded.synced_at,
                accessed_at = excluded.accessed_at, refresh_due = excluded.refresh_due,
                usage_through = excluded.usage_through
            """,
            [
                .text(cached.key.customerId), .text(cached.key.resourceId ?? ""), .text(cached.origin.rawValue),
                .blob(encoded), .real(cached.syncedAt.timeIntervalSince1970),
                .real(cached.accessedAt.timeIntervalSince1970),
                cached.refreshDue.map { .real($0.timeIntervalSince1970) } ?? .null,
            ])
    }
}

extension EntitlementStore {
    /// Whether the offline states came from a file with exactly this signature: a restart with
    /// an unchanged file reuses them (loaded lazily).
    public func hasImportedOfflineSnapshot(matching signature: OfflineSnapshot.Signature) -> Bool {
        let recorded = try? connection.sync { db in
            try db.queryOne("SELECT size, mtime, hash FROM offline_snapshot WHERE id = 1") { row in
                OfflineSnapshot.Signature(size: Int64(row.int(0)), modifiedAt: row.double(1), hash: row.string(2))
            }
        }
        return (recorded ?? nil) == signature
    }

    /// Records the file the offline states were just imported from (after `replaceAll`).
    public func recordOfflineSnapshot(_ signature: OfflineSnapshot.Signature, loadedAt: Date) throws {
        try connection.sync { db in
            try db.execute(
                "INSERT OR REPLACE INTO offline_snapshot (id, size, mtime, hash, loaded_at) VALUES (1, ?, ?, ?, ?)",
                [.integer(signature.size), .real(signature.modifiedAt), .text(signature.hash), .real(loadedAt.timeIntervalSince1970)])
        }
    }

    /// Says this run ends cleanly, so the next open skips the full integrity check. Call it
    /// at the very end of shutdown.
    public func recordCleanShutdown() {
        // Rows first, so the next start has nothing to replay.
        try? flushUsage()
        connection.recordCleanClose()
    }

    /// Runs `body` on the connection's queue, where it may read SQLite without making an
    /// event loop wait.
    public func onQueue(_ body: @escaping @Sendable () -> Void) {
        connection.async { _ in body() }
    }
}
