import CSQLite

/// SQLITE_TRANSIENT is a C macro cast (`(sqlite3_destructor_type)-1`) that Swift cannot
/// import. It makes SQLite copy bound text/blobs, so Swift buffers may die right after binding.
private var sqliteTransient: sqlite3_destructor_type {
    unsafeBitCast(-1 as Int, to: sqlite3_destructor_type.self)
}

/// One prepared statement. Owned by a `Database` and only touched on its connection's queue.
final class Statement {
    let handle: OpaquePointer
    let sql: String
    /// The owning connection's handle, for error messages.
    private let db: OpaquePointer
    /// Set while a caller is stepping through rows, so a re-entrant use of the same SQL
    /// (a query inside another query's row callback) gets its own statement instead of
    /// resetting this one under the outer loop.
    var inUse = false

    init(db: OpaquePointer, sql: String, persistent: Bool) throws {
        var stmt: OpaquePointer?
        var hasMoreStatements = false
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sql.withCString { cSQL in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(db, cSQL, -1, flags, &stmt, &tail)
            // prepare silently ignores everything after the first statement; refuse that
            // rather than run half of what the caller wrote. Preparing the rest is the only
            // exact test: whitespace, semicolons and comments compile to no statement.
            if rc == SQLITE_OK, let tail, tail.pointee != 0 {
                var extra: OpaquePointer?
                let extraRC = sqlite3_prepare_v2(db, tail, -1, &extra, nil)
                hasMoreStatements = extra != nil || extraRC != SQLITE_OK
                sqlite3_finalize(extra)
            }
            return rc
        }
        if hasMoreStatements {
            sqlite3_finalize(stmt)
            throw SQLiteError.misuse(message: "more than one statement; use executeScript for scripts", sql: sql)
        }
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, handle: db, sql: sql) }
        guard let stmt else { throw SQLiteError.misuse(message: "no SQL statement to prepare", sql: sql) }
        self.handle = stmt
        self.db = db
        self.sql = sql
    }

    func finalize() { sqlite3_finalize(handle) }

    func bind(_ values: [SQLiteValue]) throws {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == values.count else {
            throw SQLiteError.misuse(
                message: "statement has \(expected) parameter(s), \(values.count) value(s) given",
                sql: sql)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null:
                rc = sqlite3_bind_null(handle, index)
            case .integer(let v):
                rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v):
                rc = sqlite3_bind_double(handle, index, v)
            case .text(var v):
                rc = v.withUTF8 { buf in
                    // A nil base address would bind NULL; "" must stay an empty string.
                    guard let base = buf.baseAddress else {
                        return sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
                    }
                    return base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                        sqlite3_bind_text64(handle, index, $0, UInt64(buf.count),
                                            sqliteTransient, UInt8(SQLITE_UTF8))
                    }
                }
            case .blob(let v):
                rc = v.withUnsafeBytes { buf in
                    // Same trap as text: a nil pointer would store NULL instead of x''.
                    guard let base = buf.baseAddress, !buf.isEmpty else {
                        return sqlite3_bind_zeroblob(handle, index, 0)
                    }
                    return sqlite3_bind_blob64(handle, index, base, UInt64(buf.count), sqliteTransient)
                }
            }
            guard rc == SQLITE_OK else { throw SQLiteError(code: rc, handle: db, sql: sql) }
        }
    }

    /// Advances one row: true when a row is available, false when done.
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw SQLiteError(code: rc, handle: db, sql: sql)
        }
    }

    /// Makes the statement reusable and drops bound values, so cached statements never hold
    /// a read transaction open or keep large blobs alive between uses.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }
}
