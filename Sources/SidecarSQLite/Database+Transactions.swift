import CSQLite

extension Database {
    /// How a top-level transaction takes its locks.
    public enum TransactionKind: String, Sendable {
        /// Locks only when the first statement needs to.
        case deferred = "DEFERRED"
        /// Takes the write lock at BEGIN. The default: in WAL mode a deferred transaction that
        /// reads and then writes can fail with SQLITE_BUSY_SNAPSHOT without ever waiting on
        /// the busy timeout, while an immediate one waits at BEGIN like callers expect.
        case immediate = "IMMEDIATE"
        case exclusive = "EXCLUSIVE"
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws
    /// (the error is rethrown). Called inside another transaction, it becomes a SAVEPOINT,
    /// so an inner failure undoes only the inner work.
    @discardableResult
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        if isInTransaction { return try savepoint(body) }

        try execute("BEGIN \(kind.rawValue)")
        let result: T
        do {
            result = try body()
        } catch {
            rollbackQuietly()
            throw error
        }
        do {
            try execute("COMMIT")
        } catch {
            // A failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open; close it so the
            // connection is usable again, and report the COMMIT failure.
            rollbackQuietly()
            throw error
        }
        return result
    }

    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "sidecar_sp\(savepointDepth)"
        try execute("SAVEPOINT \(name)")
        do {
            let result = try body()
            try execute("RELEASE \(name)")
            return result
        } catch {
            // ROLLBACK TO keeps the savepoint on the stack; RELEASE pops it.
            if isInTransaction {
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
            }
            throw error
        }
    }

    /// Some errors (SQLITE_FULL, SQLITE_IOERR, …) make SQLite roll back on its own; a second
    /// ROLLBACK would then fail and hide the error that matters, so it is skipped or ignored.
    private func rollbackQuietly() {
        if isInTransaction { try? execute("ROLLBACK") }
    }
}
