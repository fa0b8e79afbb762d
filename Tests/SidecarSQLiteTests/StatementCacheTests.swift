import Testing
@testable import SidecarSQLite

@Suite("Prepared statement cache")
struct StatementCacheTests {
    @Test("the same SQL is prepared once and reused")
    func reuse() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { db in
            try db.execute("CREATE TABLE t (x INTEGER)")
            let before = db.prepareCount
            for i in 0..<100 { try db.execute("INSERT INTO t (x) VALUES (?)", [.int(i)]) }
            #expect(db.prepareCount == before + 1)
            for _ in 0..<10 { _ = try db.query("SELECT x FROM t WHERE x < ?", [50]) { $0.int(0) } }
            #expect(db.prepareCount == before + 2)
            #expect(try db.query("SELECT x FROM t WHERE x < ?", [3]) { $0.int(0) } == [0, 1, 2])
            #expect(db.prepareCount == before + 2)
        }
    }

    @Test("a statement is reset after use, so an unfinished query holds no read lock")
    func resetAfterPartialRead() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { db in
            try db.execute("CREATE TABLE t (x INTEGER)")
            for i in 0..<5 { try db.execute("INSERT INTO t VALUES (?)", [.int(i)]) }
            // queryOne stops after the first row; the next use must start from the top.
            #expect(try db.queryOne("SELECT x FROM t ORDER BY x") { $0.int(0) } == 0)
            #expect(try db.queryOne("SELECT x FROM t ORDER BY x") { $0.int(0) } == 0)
            // DROP fails with SQLITE_LOCKED if any statement is still mid-step.
            try db.execute("DROP TABLE t")
        }
    }

    @Test("the same SQL used inside its own row callback gets a separate statement")
    func reentrantSameSQL() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let pairs = try connection.sync { db in
            try db.execute("CREATE TABLE t (x INTEGER)")
            for i in 1...3 { try db.execute("INSERT INTO t VALUES (?)", [.int(i)]) }
            var pairs: [[Int]] = []
            try db.iterate("SELECT x FROM t ORDER BY x") { outer in
                let x = outer.int(0)
                let inner = try db.query("SELECT x FROM t ORDER BY x") { $0.int(0) }
                pairs.append([x] + inner)
            }
            return pairs
        }
        #expect(pairs == [[1, 1, 2, 3], [2, 1, 2, 3], [3, 1, 2, 3]])
    }

    @Test("several statements in one execute are refused; executeScript runs them all")
    func multipleStatements() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { db in
            let error = sqliteError { try db.execute("CREATE TABLE a (x); CREATE TABLE b (x)") }
            guard case .misuse = error else {
                Issue.record("expected .misuse, got \(String(describing: error))")
                return
            }
            try db.execute("CREATE TABLE c (x);  \n")  // a trailing semicolon is fine
            try db.executeScript("CREATE TABLE a (x); CREATE TABLE b (x);")
            let tables = try db.query("SELECT name FROM sqlite_master ORDER BY name") { $0.string(0) }
            #expect(tables == ["a", "b", "c"])
        }
    }

    @Test("clearing the cache forces a new prepare")
    func clear() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { db in
            _ = try db.queryOne("SELECT 1") { $0.int(0) }
            #expect(db.cachedStatementCount == 1)
            let before = db.prepareCount
            db.clearStatementCache()
            #expect(db.cachedStatementCount == 0)
            _ = try db.queryOne("SELECT 1") { $0.int(0) }
            #expect(db.prepareCount == before + 1)
        }
    }
}

@Suite("Statement boundaries")
struct StatementBoundaryTests {
    @Test("trailing comments and semicolons are not a second statement")
    func trailingComments() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { db throws in
            #expect(try db.queryOne("SELECT 1; -- trailing comment") { $0.int(0) } == 1)
            #expect(try db.queryOne("SELECT 2 /* block */ ;;  ") { $0.int(0) } == 2)
            // A second statement that would not even compile yet still counts as one.
            let error = sqliteError { try db.execute("CREATE TABLE a (x); INSERT INTO a VALUES (1)") }
            guard case .misuse(let message, _) = error else {
                Issue.record("expected .misuse, got \(String(describing: error))")
                return
            }
            #expect(message.contains("more than one statement"))
            #expect(try db.queryOne("SELECT count(*) FROM sqlite_master") { $0.int(0) } == 0)
        }
    }

    @Test("an empty statement is refused as misuse")
    func emptySQL() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let error = sqliteError { try connection.sync { try $0.execute("  -- nothing\n") } }
        guard case .misuse = error else {
            Issue.record("expected .misuse, got \(String(describing: error))")
            return
        }
    }

    @Test("connection.transaction commits on the queue")
    func connectionTransaction() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { try $0.execute("CREATE TABLE t (x)") }
        let id = try connection.transaction { db in
            try db.execute("INSERT INTO t VALUES (?)", ["a"])
            return db.lastInsertRowID
        }
        #expect(id == 1)
    }
}
