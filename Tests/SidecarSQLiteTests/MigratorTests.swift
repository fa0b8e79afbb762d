import Foundation
import Testing
@testable import SidecarSQLite

@Suite("Migrations")
struct MigratorTests {
    private func migrations() -> [Migration] {
        [
            Migration(version: 1, name: "create", sql: """
                CREATE TABLE steps (n INTEGER NOT NULL);
                INSERT INTO steps VALUES (1);
                """),
            Migration(version: 2, name: "closure") { db in
                try db.execute("INSERT INTO steps VALUES (?)", [2])
            },
            Migration(version: 5, name: "gap is fine") { db in
                try db.execute("ALTER TABLE steps ADD COLUMN note TEXT")
                try db.execute("INSERT INTO steps (n, note) VALUES (?, ?)", [5, "last"])
            },
        ]
    }

    @Test("migrations apply in order and are idempotent on reopen")
    func applyInOrder() throws {
        try withTempDirectory { dir in
            let migrator = Migrator(migrations())
            #expect(migrator.newestVersion == 5)

            let first = try openTestDatabase(in: dir)
            let report = try migrator.migrate(first)
            #expect(report == MigrationReport(fromVersion: 0, toVersion: 5, applied: [1, 2, 5]))
            #expect(try first.sync { try $0.query("SELECT n FROM steps ORDER BY rowid") { $0.int(0) } } == [1, 2, 5])
            #expect(try first.sync { try $0.userVersion() } == 5)
            try first.close()

            let second = try openTestDatabase(in: dir)
            let again = try migrator.migrate(second)
            #expect(again == MigrationReport(fromVersion: 5, toVersion: 5, applied: []))
            #expect(try second.sync { try $0.query("SELECT n FROM steps") { $0.int(0) } } == [1, 2, 5])
        }
    }

    @Test("a later release applies only its new migrations")
    func incremental() throws {
        try withTempDirectory { dir in
            let all = migrations()
            let connection = try openTestDatabase(in: dir)
            try Migrator(Array(all.prefix(2))).migrate(connection)
            #expect(try connection.sync { try $0.userVersion() } == 2)
            let report = try Migrator(all).migrate(connection)
            #expect(report.fromVersion == 2 && report.applied == [5])
            // Closure migrations insert a row each: a re-run would show up as a duplicate.
            #expect(try connection.sync { try $0.query("SELECT n FROM steps") { $0.int(0) } } == [1, 2, 5])
        }
    }

    @Test("a failing migration leaves the file untouched")
    func failureRollsBack() throws {
        try withTempDirectory { dir in
            let broken = migrations() + [Migration(version: 6, sql: "CREATE TABLE oops (; ")]
            let connection = try openTestDatabase(in: dir)
            let error = sqliteError { try Migrator(broken).migrate(connection) }
            #expect(error?.extendedCode != nil)
            try connection.sync { db throws in
                #expect(try db.userVersion() == 0)
                #expect(try db.queryOne("SELECT count(*) FROM sqlite_master") { $0.int(0) } == 0)
            }
        }
    }

    @Test("a database from a newer version is refused, naming both versions")
    func newerSchemaRefused() throws {
        try withTempDirectory { dir in
            let connection = try openTestDatabase(in: dir)
            try connection.sync { db in
                try db.execute("CREATE TABLE future (x)")
                try db.setUserVersion(7)
            }
            let error = sqliteError { try Migrator(migrations()).migrate(connection) }
            #expect(error == .newerSchema(databaseVersion: 7, newestKnownVersion: 5))
            let message = error?.description ?? ""
            #expect(message.contains("newer version"))
            #expect(message.contains("7"))
            #expect(message.contains("5"))
            #expect(try connection.sync { try $0.userVersion() } == 7)  // untouched
        }
    }
}
