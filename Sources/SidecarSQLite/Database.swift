import CSQLite

/// Access to an open SQLite connection, handed to the closure of `SQLiteConnection.sync`.
///
/// Not `Sendable` and must not escape that closure: every method assumes it runs on the
/// connection's serial queue, which is what makes the NOMUTEX handle safe to use.
public final class Database {
    /// nil once closed; every throwing method then fails with `.misuse`.
    private(set) var handle: OpaquePointer?
    private var statementCache: [String: Statement] = [:]
    /// Nesting depth of `transaction` calls that became savepoints; names them uniquely.
    var savepointDepth = 0

    /// Past this many distinct SQL strings the cache is flushed. A guard against callers
    /// that build SQL dynamically, not a tuning knob: real workloads stay far below it.
    static let statementCacheLimit = 256

    /// How many times SQL was compiled (`sqlite3_prepare_v3`) on this connection.
    /// A debugging aid: repeating the same SQL must not move it.
    public private(set) var prepareCount = 0

    /// How many statements are held in the cache right now.
    public var cachedStatementCount: Int { statementCache.count }

    init(handle: OpaquePointer) { self.handle = handle }

    // MARK: Running SQL

    /// Runs one statement, discarding any rows it produces.
    public func execute(_ sql: String, _ values: [SQLiteValue] = []) throws {
        try withStatement(sql, values) { statement in
            while try statement.step() {}
        }
    }

    /// Runs a script of several `;`-separated statements without parameters
    /// (schema creation, migrations). Not cached: scripts run once.
    public func executeScript(_ sql: String) throws {
        let handle = try openHandle(sql)
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        sqlite3_free(message)  // errmsg on the handle carries the same text
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, handle: handle, sql: sql) }
    }

    /// Calls `body` for each row.
    public func iterate(_ sql: String, _ values: [SQLiteValue] = [], _ body: (Row) throws -> Void) throws {
        try withStatement(sql, values) { statement in
            let row = Row(statement.handle)
            while try statement.step() { try body(row) }
        }
    }

    /// Maps every row through `transform` and returns the results in order.
    public func query<T>(_ sql: String, _ values: [SQLiteValue] = [], _ transform: (Row) throws -> T) throws -> [T] {
        var results: [T] = []
        try iterate(sql, values) { results.append(try transform($0)) }
        return results
    }

    /// Maps the first row, or returns nil when there is none. Stops after that row.
    public func queryOne<T>(_ sql: String, _ values: [SQLiteValue] = [], _ transform: (Row) throws -> T) throws -> T? {
        try withStatement(sql, values) { statement in
            try statement.step() ? try transform(Row(statement.handle)) : nil
        }
    }

    /// Every row as stored values; convenient in tests and tools, slower than typed getters.
    public func rows(_ sql: String, _ values: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        try query(sql, values) { row in (0..<row.columnCount).map(row.value) }
    }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { handle.map(sqlite3_last_insert_rowid) ?? 0 }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE on this connection.
    public var changes: Int { handle.map { Int(sqlite3_changes64($0)) } ?? 0 }

    /// Rows changed since the connection was opened.
    public var totalChanges: Int { handle.map { Int(sqlite3_total_changes64($0)) } ?? 0 }

    /// Whether a transaction is open (SQLite is not in autocommit mode).
    public var isInTransaction: Bool { handle.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    // MARK: Statements

    func openHandle(_ sql: String?) throws -> OpaquePointer {
        guard let handle else { throw SQLiteError.misuse(message: "connection is closed", sql: sql) }
        return handle
    }

    /// Runs `body` with a bound statement, then resets it whatever happens.
    private func withStatement<T>(_ sql: String, _ values: [SQLiteValue], _ body: (Statement) throws -> T) throws -> T {
        let handle = try openHandle(sql)
        let statement: Statement
        var owned = false  // true: prepared just for this call, finalized at the end
        if let cached = statementCache[sql], !cached.inUse {
            statement = cached
        } else if statementCache[sql] == nil {
            if statementCache.count >= Self.statementCacheLimit { clearStatementCache() }
            statement = try Statement(db: handle, sql: sql, persistent: true)
            prepareCount += 1
            statementCache[sql] = statement
        } else {
            statement = try Statement(db: handle, sql: sql, persistent: false)
            prepareCount += 1
            owned = true
        }
        statement.inUse = true
        defer {
            statement.inUse = false
            statement.reset()
            if owned { statement.finalize() }
        }
        try statement.bind(values)
        return try body(statement)
    }

    /// Finalizes every cached statement (they are re-prepared on next use).
    public func clearStatementCache() {
        for statement in statementCache.values where !statement.inUse { statement.finalize() }
        statementCache = statementCache.filter { $0.value.inUse }
    }

    /// Finalizes everything and closes the handle. Called by `SQLiteConnection` only.
    func close() throws {
        guard let handle else { return }
        guard !statementCache.values.contains(where: \.inUse) else {
            throw SQLiteError.misuse(message: "cannot close while a query is running", sql: nil)
        }
        for statement in statementCache.values { statement.finalize() }
        statementCache = [:]
        self.handle = nil
        // close_v2 never fails with BUSY: if something still holds a statement the handle
        // becomes a zombie and is freed once that statement is finalized.
        let rc = sqlite3_close_v2(handle)
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, handle: nil) }
    }
}
