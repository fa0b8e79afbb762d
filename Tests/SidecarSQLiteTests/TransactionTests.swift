import Testing
@testable import SidecarSQLite

private struct Boom: Error {}

@Suite("Transactions")
struct TransactionTests {
    private func count(_ db: Database) throws -> Int {
        try db.queryOne("SELECT count(*) FROM t") { $0.int(0) } ?? -1
    }

    @Test("a thrown error rolls everything back and is rethrown")
    func rollbackOnError() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { db in
            try db.execute("CREATE TABLE t (x)")
            #expect(throws: Boom.self) {
                try db.transaction {
                    for i in 0..<10 { try db.execute("INSERT INTO t VALUES (?)", [.int(i)]) }
                    throw Boom()
                }
            }
            #expect(try count(db) == 0)
            #expect(!db.isInTransaction)
        }
    }

    @Test("a SQL error inside rolls back too")
    func rollbackOnSQLError() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { db in
            try db.execute("CREATE TABLE t (x UNIQUE)")
            let error = sqliteError {
                try db.transaction {
                    try db.execute("INSERT INTO t VALUES (1)")
                    try db.execute("INSERT INTO t VALUES (1)")
                }
            }
            #expect(error?.extendedCode == 2067)
            #expect(try count(db) == 0)
        }
    }

    @Test("a returning body commits and its value is returned")
    func commit() throws {
        try withTempDirectory { dir in
            let connection = try openTestDatabase(in: dir)
            let value = try connection.sync { db in
                try db.execute("CREATE TABLE t (x)")
                return try db.transaction { () throws -> Int in
                    try db.execute("INSERT INTO t VALUES (1)")
                    try db.execute("INSERT INTO t VALUES (2)")
                    return 42
                }
            }
            #expect(value == 42)
            try connection.close()
            let reopened = try openTestDatabase(in: dir)
            #expect(try reopened.sync { try count($0) } == 2)
        }
    }

    @Test("a nested transaction is a savepoint: its failure undoes only the inner work")
    func nestedSavepoint() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { db in
            try db.execute("CREATE TABLE t (x)")
            try db.transaction {
                try db.execute("INSERT INTO t VALUES ('outer')")
                _ = try? db.transaction {
                    try db.execute("INSERT INTO t VALUES ('inner')")
                    throw Boom()
                }
                try db.transaction { try db.execute("INSERT INTO t VALUES ('inner ok')") }
            }
            let values = try db.query("SELECT x FROM t ORDER BY rowid") { $0.string(0) }
            #expect(values == ["outer", "inner ok"])
        }
    }
}
