import CSQLite
import Foundation
import Testing
@testable import SidecarSQLite

@Suite("Opening with corruption recovery")
struct RecoveryTests {
    private let migrator = Migrator([
        Migration(version: 1, sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"),
        Migration(version: 2, sql: "CREATE INDEX items_name ON items (name)"),
    ])
    private let fixedNow = Date(timeIntervalSince1970: 1_700_000_000)

    private func garbage(_ count: Int, seed: UInt8 = 0x5A) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) ^ seed })
    }

    private func files(in dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    @Test("a file of garbage bytes is moved to .corrupt-<unix time> and a fresh database opens")
    func garbageFile() throws {
        try withTempDirectory { dir in
            let path = dir.appendingPathComponent("cache.sqlite").path
            let bytes = garbage(64 * 1024)
            try bytes.write(to: URL(fileURLWithPath: path))

            let result = try SQLiteConnection.openOrRecover(path: path, migrator: migrator, now: fixedNow)
            let recovery = try #require(result.recovery)
            #expect(recovery.cause.isCorruption)
            #expect(recovery.cause.primaryCode == SQLITE_NOTADB)
            #expect(recovery.movedTo == path + ".corrupt-1700000000")
            #expect(recovery.movedFiles == [path + ".corrupt-1700000000"])
            #expect(try Data(contentsOf: URL(fileURLWithPath: recovery.movedTo)) == bytes)
            #expect(result.migration?.applied == [1, 2])

            try result.connection.sync { db in
                #expect(try db.journalMode() == "wal")
                #expect(try db.userVersion() == 2)
                try db.execute("INSERT INTO items (name) VALUES (?)", ["fresh"])
                #expect(try db.integrityCheck() == "ok")
            }
        }
    }

    @Test("afterUncleanClose: the full check is skipped after a recorded clean close and runs otherwise")
    func quickCheckOnlyAfterUncleanClose() throws {
        try withTempDirectory { dir in
            let path = dir.appendingPathComponent("cache.sqlite").path
            let created = try SQLiteConnection.openOrRecover(path: path, migrator: migrator, quickCheck: .afterUncleanClose)
            try created.connection.sync { db in
                for i in 0..<2000 { try db.execute("INSERT INTO items (name) VALUES (?)", [.text("item-\(i)-" + String(repeating: "x", count: 100))]) }
            }
            #expect(try created.connection.sync { try $0.applicationId() } == CloseRecord.open)
            created.connection.recordCleanClose()
            try created.connection.close()
            // A copy of a cleanly closed file is trusted as well: the record is in its header.
            let copy = dir.appendingPathComponent("copy.sqlite").path
            try FileManager.default.copyItem(atPath: path, toPath: copy)

            // Damage a page that opening and migrating never read; only quick_check does.
            for file in [path, copy] {
                let handle = try #require(FileHandle(forUpdatingAtPath: file))
                let size = handle.seekToEndOfFile()
                handle.seek(toFileOffset: size - 4096)
                handle.write(garbage(4096, seed: 0x77))
                handle.closeFile()
            }

            let trusted = try SQLiteConnection.openOrRecover(path: path, migrator: migrator, quickCheck: .afterUncleanClose, now: fixedNow)
            #expect(trusted.recovery == nil, "a clean close is trusted")
            #expect(try trusted.connection.sync { try $0.applicationId() } == CloseRecord.open, "the record is spent while the file is open")
            try trusted.connection.close()
            let copied = try SQLiteConnection.openOrRecover(path: copy, migrator: migrator, quickCheck: .afterUncleanClose, now: fixedNow)
            #expect(copied.recovery == nil)
            try copied.connection.close()

            // Closed without the record, as a crash would leave it: checked, found, moved aside.
            let checked = try SQLiteConnection.openOrRecover(path: path, migrator: migrator, quickCheck: .afterUncleanClose, now: fixedNow)
            #expect(checked.recovery?.cause.isCorruption == true)
            try checked.connection.close()
        }
    }

    @Test("stale -wal and -shm files do not leak into the fresh database")
    func staleCompanions() throws {
        try withTempDirectory { dir in
            let path = dir.appendingPathComponent("cache.sqlite").path
            for suffix in ["", "-wal", "-shm"] {
                try garbage(8192, seed: 0x33).write(to: URL(fileURLWithPath: path + suffix))
            }
            let result = try SQLiteConnection.openOrRecover(path: path, migrator: migrator, now: fixedNow)
            #expect(result.recovery?.cause.isCorruption == true)
            // SQLite itself may delete the garbage WAL while closing; whatever survived was moved.
            for moved in result.recovery?.movedFiles ?? [] {
                #expect(moved.hasPrefix(path + ".corrupt-1700000000"))
            }
            try result.connection.sync { db in
                try db.execute("INSERT INTO items (name) VALUES ('x')")
                #expect(try db.quickCheck() == "ok")
            }
        }
    }

    @Test("moving aside takes every companion and never overwrites earlier evidence")
    func moveAsideCompanionsAndCollisions() throws {
        try withTempDirectory { dir in
            let path = dir.appendingPathComponent("cache.sqlite").path
            let stamp = path + ".corrupt-1700000000"
            for suffix in ["", "-wal", "-shm", "-journal"] {
                try Data(suffix.utf8).write(to: URL(fileURLWithPath: path + suffix))
            }
            let (first, firstMoved) = try SQLiteConnection.moveAside(path, now: fixedNow)
            #expect(first == stamp)
            #expect(firstMoved == [stamp, stamp + "-wal", stamp + "-shm", stamp + "-journal"])
            #expect(try Data(contentsOf: URL(fileURLWithPath: stamp + "-wal")) == Data("-wal".utf8))
            #expect(!FileManager.default.fileExists(atPath: path))

            try Data("second".utf8).write(to: URL(fileURLWithPath: path))
            let (second, secondMoved) = try SQLiteConnection.moveAside(path, now: fixedNow)
            #expect(second == stamp + "-1")
            #expect(secondMoved == [stamp + "-1"])
            #expect(try Data(contentsOf: URL(fileURLWithPath: stamp)) == Data())
        }
    }

    @Test("damaged pages behind a valid header are caught and recovered")
    func damagedPages() throws {
        try withTempDirectory { dir in
            let path = dir.appendingPathComponent("cache.sqlite").path
            let connection = try SQLiteConnection(path: path)
            try migrator.migrate(connection)
            try connection.sync { db in
                try db.transaction {
                    for i in 0..<2000 {
                        try db.execute("INSERT INTO items (name) VALUES (?)", [.text("item \(i) " + String(repeating: "x", count: 50))])
                    }
                }
                try db.checkpoint(.truncate)
            }
            try connection.close()

            // Keep page 1 (header and schema) intact; scribble over everything after it.
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            let size = try handle.seekToEnd()
            try handle.seek(toOffset: 4096)
            try handle.write(contentsOf: garbage(Int(size) - 4096))
            try handle.close()

            let result = try SQLiteConnection.openOrRecover(path: path, migrator: migrator, now: fixedNow)
            let recovery = try #require(result.recovery)
            #expect(recovery.cause.isCorruption)
            #expect(try result.connection.sync { try $0.queryOne("SELECT count(*) FROM items") { $0.int(0) } } == 0)
        }
    }

    @Test("a healthy database opens without recovery and keeps its data")
    func healthy() throws {
        try withTempDirectory { dir in
            let path = dir.appendingPathComponent("cache.sqlite").path
            let first = try SQLiteConnection.openOrRecover(path: path, migrator: migrator, now: fixedNow)
            #expect(first.recovery == nil)
            try first.connection.sync { try $0.execute("INSERT INTO items (name) VALUES ('kept')") }
            try first.connection.close()

            let second = try SQLiteConnection.openOrRecover(path: path, migrator: migrator, now: fixedNow)
            #expect(second.recovery == nil)
            #expect(second.migration?.applied == [])
            #expect(try second.connection.sync { try $0.queryOne("SELECT name FROM items") { $0.string(0) } } == "kept")
            #expect(try files(in: dir).allSatisfy { !$0.contains("corrupt") })
        }
    }

    @Test("a newer-schema database is not treated as corruption: the error propagates and the file stays")
    func newerSchemaPropagates() throws {
        try withTempDirectory { dir in
            let path = dir.appendingPathComponent("cache.sqlite").path
            let future = try SQLiteConnection(path: path)
            try future.sync { db in
                try db.execute("CREATE TABLE precious (x)")
                try db.execute("INSERT INTO precious VALUES ('data')")
                try db.setUserVersion(9)
            }
            try future.close()

            let error = sqliteError { _ = try SQLiteConnection.openOrRecover(path: path, migrator: migrator, now: fixedNow) }
            #expect(error == .newerSchema(databaseVersion: 9, newestKnownVersion: 2))
            #expect(try files(in: dir).allSatisfy { !$0.contains("corrupt") })
            let reopened = try SQLiteConnection(path: path)
            #expect(try reopened.sync { try $0.queryOne("SELECT x FROM precious") { $0.string(0) } } == "data")
        }
    }

    @Test("an empty file is a valid new database, not corruption")
    func emptyFile() throws {
        try withTempDirectory { dir in
            let path = dir.appendingPathComponent("cache.sqlite").path
            _ = FileManager.default.createFile(atPath: path, contents: Data())
            let result = try SQLiteConnection.openOrRecover(path: path, migrator: migrator, now: fixedNow)
            #expect(result.recovery == nil)
            #expect(result.migration?.applied == [1, 2])
        }
    }
}
