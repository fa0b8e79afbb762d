import Foundation
import Testing
@testable import SidecarSQLite

@Suite("Binding and reading values")
struct ValueTests {
    private func makeTable() throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.sync { try $0.execute("CREATE TABLE v (id INTEGER PRIMARY KEY, a, b, c, d, e)") }
        return connection
    }

    @Test("integers, doubles and booleans round-trip, extremes included")
    func numbers() throws {
        let connection = try makeTable()
        let rows = try connection.sync { db in
            try db.execute("INSERT INTO v (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)",
                           [.integer(Int64.max), .integer(Int64.min), .int(-1), .real(3.141592653589793), true])
            try db.execute("INSERT INTO v (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)",
                           [SQLiteValue(Int.max), SQLiteValue(Int32.min), 0, -0.5, SQLiteValue(false)])
            return try db.query("SELECT a, b, c, d, e FROM v ORDER BY id") { row in
                (row.int64(0), row.int64(1), row.int(2), row.double(3), row.bool(4))
            }
        }
        #expect(rows.count == 2)
        #expect(rows[0].0 == Int64.max && rows[0].1 == Int64.min && rows[0].2 == -1)
        #expect(rows[0].3 == 3.141592653589793 && rows[0].4 == true)
        #expect(rows[1].0 == Int64(Int.max) && rows[1].1 == Int64(Int32.min) && rows[1].2 == 0)
        #expect(rows[1].3 == -0.5 && rows[1].4 == false)
    }

    @Test("unicode and edge-case strings round-trip byte for byte")
    func strings() throws {
        let samples = [
            "", "plain", "héllo wörld", "日本語テキスト", "👩‍👩‍👧‍👦 family", "e\u{301} combining",
            "tab\tnew\nline", "quote ' and \" and ;", "embedded\u{0}nul", String(repeating: "x", count: 100_000),
        ]
        let connection = try makeTable()
        let read = try connection.sync { db in
            for sample in samples { try db.execute("INSERT INTO v (a) VALUES (?)", [.text(sample)]) }
            return try db.query("SELECT a, typeof(a), length(CAST(a AS BLOB)) FROM v ORDER BY id") { row in
                (row.string(0), row.string(1), row.int(2))
            }
        }
        #expect(read.map(\.0) == samples)
        #expect(read.allSatisfy { $0.1 == "text" })  // "" must not turn into NULL
        #expect(read.map(\.2) == samples.map { $0.utf8.count })
    }

    @Test("blobs and Data round-trip, empty blob stays a blob")
    func blobs() throws {
        let bytes: [UInt8] = [0, 1, 2, 0xFF, 0, 0x80]
        let data = Data((0..<1024).map { UInt8($0 % 256) })
        let connection = try makeTable()
        try connection.sync { db in
            try db.execute("INSERT INTO v (a, b, c) VALUES (?, ?, ?)", [.blob(bytes), .data(data), .blob([])])
            let row = try db.queryOne("SELECT a, b, c, typeof(c) FROM v") { row in
                (row.blob(0), row.data(1), row.blob(2), row.string(3), row.isNull(2))
            }
            #expect(row?.0 == bytes)
            #expect(row?.1 == data)
            #expect(row?.2 == [])
            #expect(row?.3 == "blob")
            #expect(row?.4 == false)
        }
    }

    @Test("NULL and optionals: nil binds NULL, optional getters return nil, present values survive")
    func nullsAndOptionals() throws {
        let noString: String? = nil
        let someString: String? = "present"
        let noInt: Int? = nil
        let someDouble: Double? = 2.5
        let noData: Data? = nil
        let connection = try makeTable()
        try connection.sync { db in
            try db.execute("INSERT INTO v (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)",
                           [SQLiteValue(noString), SQLiteValue(someString), SQLiteValue(noInt),
                            SQLiteValue(someDouble), SQLiteValue(noData)])
            try db.execute("INSERT INTO v (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)", [nil, .null, 1, nil, nil])
            let rows = try db.query("SELECT a, b, c, d, e FROM v ORDER BY id") { row in
                (row.optionalString(0), row.optionalString(1), row.optionalInt(2),
                 row.optionalDouble(3), row.optionalData(4), row.isNull(0))
            }
            #expect(rows[0].0 == nil && rows[0].1 == "present" && rows[0].2 == nil)
            #expect(rows[0].3 == 2.5 && rows[0].4 == nil && rows[0].5)
            #expect(rows[1].1 == nil && rows[1].2 == 1 && rows[1].3 == nil)
            // Non-optional getters follow SQLite's conversions for NULL.
            let defaults = try db.queryOne("SELECT a, a, a, a FROM v ORDER BY id") { row in
                (row.int(0), row.double(1), row.string(2), row.blob(3))
            }
            #expect(defaults?.0 == 0 && defaults?.1 == 0 && defaults?.2 == "" && defaults?.3 == [])
        }
    }

    @Test("value(_:) returns the stored storage class")
    func storedValues() throws {
        let connection = try makeTable()
        let rows = try connection.sync { db in
            try db.execute("INSERT INTO v (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)", [1, 1.5, "s", .blob([7]), nil])
            return try db.rows("SELECT a, b, c, d, e FROM v")
        }
        #expect(rows == [[.integer(1), .real(1.5), .text("s"), .blob([7]), .null]])
    }

    @Test("lastInsertRowID and changes reflect the last statement")
    func rowIDAndChanges() throws {
        let connection = try makeTable()
        try connection.sync { db in
            try db.execute("INSERT INTO v (a) VALUES (1)")
            try db.execute("INSERT INTO v (a) VALUES (2)")
            #expect(db.lastInsertRowID == 2)
            #expect(db.changes == 1)
            try db.execute("UPDATE v SET a = a + 10")
            #expect(db.changes == 2)
            try db.execute("DELETE FROM v WHERE a > ?", [100])
            #expect(db.changes == 0)
            #expect(db.totalChanges == 4)
        }
    }

    @Test("a wrong number of arguments is refused before running")
    func argumentCount() throws {
        let connection = try makeTable()
        let error = sqliteError { try connection.sync { try $0.execute("INSERT INTO v (a) VALUES (?)", [1, 2]) } }
        guard case .misuse(let message, let sql) = error else {
            Issue.record("expected .misuse, got \(String(describing: error))")
            return
        }
        #expect(message.contains("1 parameter"))
        #expect(sql == "INSERT INTO v (a) VALUES (?)")
        // The cached statement must still be usable after the failed bind.
        try connection.sync { try $0.execute("INSERT INTO v (a) VALUES (?)", [1]) }
        #expect(try connection.sync { try $0.queryOne("SELECT count(*) FROM v") { $0.int(0) } } == 1)
    }
}
