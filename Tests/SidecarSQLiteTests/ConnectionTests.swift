import CSQLite
import Foundation
import Testing
@testable import SidecarSQLite

@Suite("Opening a connection")
struct ConnectionTests {
    @Test("WAL is on and read back from SQLite")
    func walIsOn() throws {
        try withTempDirectory { dir in
            let connection = try openTestDatabase(in: dir)
            #expect(try connection.sync { try $0.journalMode() } == "wal")
            try connection.sync { try $0.execute("CREATE TABLE t (x)") }
            #expect(FileManager.default.fileExists(atPath: connection.path + "-wal"))
            try connection.close()

            // A second connection sees WAL as the file's persistent mode.
            let again = try openTestDatabase(in: dir)
            #expect(try again.sync { try $0.pragma("journal_mode") } == "wal")
        }
    }

    @Test("synchronous is NORMAL by default and FULL when configured")
    func synchronousSetting() throws {
        try withTempDirectory { dir in
            let normal = try openTestDatabase(in: dir)
            #expect(try normal.sync { try $0.synchronous() } == .normal)
            #expect(try normal.sync { try $0.pragma("synchronous") } == "1")

            let full = try openTestDatabase(in: dir, configuration: .init(synchronous: .full))
            #expect(try full.sync { try $0.synchronous() } == .full)
            #expect(try full.sync { try $0.pragma("synchronous") } == "2")
        }
    }

    @Test("busy timeout defaults to 5000 ms and is configurable; foreign keys are on")
    func busyTimeoutAndForeignKeys() throws {
        try withTempDirectory { dir in
            let defaults = try openTestDatabase(in: dir)
            #expect(try defaults.sync { try $0.pragma("busy_timeout") } == "5000")
            #expect(try defaults.sync { try $0.pragma("foreign_keys") } == "1")

            let custom = try openTestDatabase(in: dir, configuration: .init(busyTimeoutMilliseconds: 250))
            #expect(try custom.sync { try $0.pragma("busy_timeout") } == "250")
        }
    }

    @Test("foreign keys are enforced")
    func foreignKeysEnforced() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let error = sqliteError {
            try connection.sync { db in
                try db.executeScript("""
                    CREATE TABLE parent (id INTEGER PRIMARY KEY);
                    CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent(id));
                    """)
                try db.execute("INSERT INTO child (parent_id) VALUES (?)", [42])
            }
        }
        #expect(error?.extendedCode == 787)  // SQLITE_CONSTRAINT_FOREIGNKEY
        #expect(error?.codeName == "SQLITE_CONSTRAINT_FOREIGNKEY")
    }

    @Test(":memory: is accepted without WAL")
    func inMemory() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        #expect(try connection.sync { try $0.journalMode() } == "memory")
        try connection.sync { try $0.execute("CREATE TABLE t (x)") }
    }

    @Test("a read-only connection reads and refuses writes")
    func readOnly() throws {
        try withTempDirectory { dir in
            let writer = try openTestDatabase(in: dir)
            try writer.sync { db in
                try db.execute("CREATE TABLE t (x)")
                try db.execute("INSERT INTO t VALUES (1)")
            }
            let reader = try openTestDatabase(in: dir, configuration: .init(readOnly: true))
            #expect(try reader.sync { try $0.queryOne("SELECT x FROM t") { $0.int(0) } } == 1)
            let error = sqliteError { try reader.sync { try $0.execute("INSERT INTO t VALUES (2)") } }
            #expect(error?.primaryCode == SQLITE_READONLY)
        }
    }

    @Test("opening a missing read-only file fails with SQLITE_CANTOPEN")
    func cannotOpen() throws {
        try withTempDirectory { dir in
            let error = sqliteError {
                _ = try openTestDatabase(in: dir, name: "missing.sqlite", configuration: .init(readOnly: true))
            }
            #expect(error?.primaryCode == SQLITE_CANTOPEN)
        }
    }

    @Test("a closed connection throws misuse instead of crashing; closing twice is fine")
    func useAfterClose() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.close()
        try connection.close()
        let error = sqliteError { try connection.sync { try $0.execute("SELECT 1") } }
        guard case .misuse = error else {
            Issue.record("expected .misuse, got \(String(describing: error))")
            return
        }
    }

    @Test("sync is re-entrant on the same connection")
    func reentrantSync() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let value = try connection.sync { _ in
            try connection.sync { try $0.queryOne("SELECT 7") { $0.int(0) } }
        }
        #expect(value == 7)
    }

    @Test("integrity_check of a healthy database is ok")
    func integrityCheck() throws {
        try withTempDirectory { dir in
            let connection = try openTestDatabase(in: dir)
            try connection.sync { db in
                try db.execute("CREATE TABLE t (x UNIQUE)")
                for i in 0..<100 { try db.execute("INSERT INTO t VALUES (?)", [.int(i)]) }
                #expect(try db.integrityCheck() == "ok")
                #expect(try db.quickCheck() == "ok")
            }
        }
    }

    @Test("a truncating checkpoint empties the WAL")
    func checkpoint() throws {
        try withTempDirectory { dir in
            let connection = try openTestDatabase(in: dir)
            try connection.sync { db in
                try db.execute("CREATE TABLE t (x)")
                try db.execute("INSERT INTO t VALUES (1)")
                try db.checkpoint(.truncate)
            }
            let size = try FileManager.default.attributesOfItem(atPath: connection.path + "-wal")[.size] as? Int
            #expect(size == 0)
        }
    }
}
