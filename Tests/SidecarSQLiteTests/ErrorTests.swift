import CSQLite
import Testing
@testable import SidecarSQLite

@Suite("Errors")
struct ErrorTests {
    @Test("a UNIQUE violation carries SQLITE_CONSTRAINT_UNIQUE (2067), the message and the SQL")
    func uniqueConstraint() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let sql = "INSERT INTO t (x) VALUES (?)"
        let error = sqliteError {
            try connection.sync { db in
                try db.execute("CREATE TABLE t (x TEXT UNIQUE)")
                try db.execute(sql, ["a"])
                try db.execute(sql, ["a"])
            }
        }
        guard case .sqlite(let code, let message, let failedSQL) = error else {
            Issue.record("expected .sqlite, got \(String(describing: error))")
            return
        }
        #expect(code == 2067)
        #expect(error?.primaryCode == SQLITE_CONSTRAINT)
        #expect(error?.isConstraintViolation == true)
        #expect(error?.isCorruption == false)
        #expect(message == "UNIQUE constraint failed: t.x")
        #expect(failedSQL == sql)
        let text = String(describing: error!)
        #expect(text.contains("2067"))
        #expect(text.contains("SQLITE_CONSTRAINT_UNIQUE"))
        #expect(text.contains("UNIQUE constraint failed: t.x"))
        #expect(text.contains(sql))
    }

    @Test("a syntax error is reported at prepare time with the SQL")
    func syntaxError() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let error = sqliteError { try connection.sync { try $0.execute("SELEKT 1") } }
        #expect(error?.primaryCode == SQLITE_ERROR)
        #expect(error?.description.contains("syntax error") == true)
        #expect(error?.description.contains("SELEKT 1") == true)
    }

    @Test("NOT NULL and PRIMARY KEY violations have their own extended codes")
    func otherConstraints() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { db in
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            try db.execute("INSERT INTO t VALUES (1, 'a')")
            #expect(sqliteError { try db.execute("INSERT INTO t VALUES (2, NULL)") }?.codeName
                == "SQLITE_CONSTRAINT_NOTNULL")
            #expect(sqliteError { try db.execute("INSERT INTO t VALUES (1, 'b')") }?.codeName
                == "SQLITE_CONSTRAINT_PRIMARYKEY")
        }
    }

    @Test("corruption is recognised from SQLITE_CORRUPT, SQLITE_NOTADB and their extended codes")
    func corruptionHelper() {
        #expect(SQLiteError.sqlite(code: SQLITE_CORRUPT, message: "", sql: nil).isCorruption)
        #expect(SQLiteError.sqlite(code: SQLITE_NOTADB, message: "", sql: nil).isCorruption)
        #expect(SQLiteError.sqlite(code: 779, message: "", sql: nil).isCorruption)  // CORRUPT_INDEX
        #expect(!SQLiteError.sqlite(code: SQLITE_IOERR, message: "", sql: nil).isCorruption)
        #expect(!SQLiteError.sqlite(code: SQLITE_CANTOPEN, message: "", sql: nil).isCorruption)
        #expect(!SQLiteError.newerSchema(databaseVersion: 9, newestKnownVersion: 1).isCorruption)
        #expect(SQLiteError.sqlite(code: 5 | (2 << 8), message: "", sql: nil).isBusy)  // BUSY_SNAPSHOT
    }

    @Test("unknown extended codes still name their primary code")
    func codeNames() {
        #expect(SQLiteError.sqlite(code: 11 | (99 << 8), message: "", sql: nil).codeName == "SQLITE_CORRUPT(25355)")
        #expect(SQLiteError.sqlite(code: 26, message: "", sql: nil).codeName == "SQLITE_NOTADB")
    }
}
