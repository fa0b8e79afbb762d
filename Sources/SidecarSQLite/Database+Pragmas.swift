import CSQLite

extension Database {
    /// The first column of the first row of `PRAGMA <statement>`, as text; nil when the
    /// pragma returns no row. `statement` is interpolated: pass constants only.
    @discardableResult
    public func pragma(_ statement: String) throws -> String? {
        try queryOne("PRAGMA \(statement)") { $0.optionalString(0) } ?? nil
    }

    /// `PRAGMA user_version`: the schema version that `Migrator` maintains.
    public func userVersion() throws -> Int {
        try queryOne("PRAGMA user_version") { $0.int(0) } ?? 0
    }

    /// Sets `PRAGMA user_version`. Pragmas cannot take bound parameters, hence the Int type.
    public func setUserVersion(_ version: Int) throws {
        try execute("PRAGMA user_version = \(version)")
    }

    /// The current journal mode, lowercased by SQLite (`wal`, `delete`, `memory`, …).
    public func journalMode() throws -> String {
        try pragma("journal_mode") ?? ""
    }

    /// `PRAGMA synchronous` as read back from SQLite.
    public func synchronous() throws -> SQLiteConfiguration.Synchronous? {
        try queryOne("PRAGMA synchronous") { SQLiteConfiguration.Synchronous(level: $0.int(0)) } ?? nil
    }

    /// `PRAGMA integrity_check`: "ok" for a healthy file, otherwise the problems found, one
    /// per line. Reads every page, so it is slow on large files; see `quickCheck`.
    public func integrityCheck() throws -> String {
        try query("PRAGMA integrity_check") { $0.string(0) }.joined(separator: "\n")
    }

    /// `PRAGMA quick_check`: like `integrityCheck` without verifying index contents; O(N)
    /// but much cheaper, which makes it affordable at every start.
    public func quickCheck() throws -> String {
        try query("PRAGMA quick_check") { $0.string(0) }.joined(separator: "\n")
    }

    /// How a WAL checkpoint treats readers and writers (see `sqlite3_wal_checkpoint_v2`).
    public enum CheckpointMode: Int32, Sendable {
        case passive = 0, full = 1, restart = 2, truncate = 3
    }

    /// Copies the WAL back into the database file; `.truncate` also empties the WAL, which is
    /// what a clean shutdown wants. Returns (frames in WAL, frames checkpointed).
    @discardableResult
    public func checkpoint(_ mode: CheckpointMode = .passive) throws -> (logFrames: Int, checkpointed: Int) {
        let handle = try openHandle(nil)
        var log: Int32 = 0
        var done: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, mode.rawValue, &log, &done)
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, handle: handle) }
        return (Int(log), Int(done))
    }
}
