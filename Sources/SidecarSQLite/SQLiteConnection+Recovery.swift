import CSQLite
import Foundation

/// A damaged database that `openOrRecover` moved aside before starting fresh.
public struct SQLiteRecovery: Sendable, Equatable {
    /// Why the file was judged damaged (always `isCorruption`).
    public let cause: SQLiteError
    /// Where the main file went: `<path>.corrupt-<unix time>` (plus `-N` if that was taken).
    public let movedTo: String
    /// Every path created by the move: the main file and whichever of its `-wal`, `-shm` and
    /// `-journal` companions still existed, each renamed with the same prefix so that SQLite
    /// can still open the set for forensics. Companions are often gone by then: closing the
    /// last connection to a WAL database checkpoints the WAL and deletes it and the -shm.
    public let movedFiles: [String]
}

/// The result of `SQLiteConnection.openOrRecover`.
public struct SQLiteOpenResult: Sendable {
    public let connection: SQLiteConnection
    /// What the migrator did, when one was given.
    public let migration: MigrationReport?
    /// Non-nil when the previous file was corrupt and was moved aside: log it loudly.
    public let recovery: SQLiteRecovery?
}

extension SQLiteConnection {
    /// Opens `path`, runs `PRAGMA quick_check` (as `quickCheck` says) and `migrator`;
    /// if any of that fails because the file is corrupt or not a database, closes it, moves
    /// it and its companions aside and opens a fresh, migrated database in its place.
    ///
    /// Only corruption is recovered from: `.newerSchema`, I/O, permission and busy errors
    /// propagate, because moving a healthy file away would silently throw away its data.
    public static func openOrRecover(
        path: String,
        configuration: SQLiteConfiguration = .init(),
        migrator: Migrator? = nil,
        quickCheck: QuickCheckPolicy = .always,
        now: Date = Date()
    ) throws -> SQLiteOpenResult {
        guard !configuration.readOnly else {
            throw SQLiteError.misuse(message: "openOrRecover needs a read-write connection", sql: nil)
        }
        do {
            let (connection, report) = try openChecked(path, configuration, migrator, quickCheck)
            return SQLiteOpenResult(connection: connection, migration: report, recovery: nil)
        } catch let error as SQLiteError where error.isCorruption && path != ":memory:" && !path.isEmpty {
            let (movedTo, movedFiles) = try moveAside(path, now: now)
            // The fresh file is trusted: a quick_check of an empty database proves nothing.
            let (connection, report) = try openChecked(path, configuration, migrator, quickCheck == .always ? .never : quickCheck, trusted: true)
            let recovery = SQLiteRecovery(cause: error, movedTo: movedTo, movedFiles: movedFiles)
            return SQLiteOpenResult(connection: connection, migration: report, recovery: recovery)
        }
    }

    private static func openChecked(
        _ path: String, _ configuration: SQLiteConfiguration, _ migrator: Migrator?, _ policy: QuickCheckPolicy,
        trusted: Bool = false
    ) throws -> (SQLiteConnection, MigrationReport?) {
        let connection = try SQLiteConnection(path: path, configuration: configuration)
        do {
            let report = try connection.sync { db -> MigrationReport? in
                let check = switch policy {
                case .always: true
                case .never: false
                case .afterUncleanClose: try !trusted && db.applicationId() != CloseRecord.clean
                }
                if check {
                    let result = try db.quickCheck()
                    // quick_check reports damage as rows, not as an error code; turn it into
                    // the same error SQLite raises when it trips over damage itself.
                    if result != "ok" {
                        throw SQLiteError.sqlite(
                            code: SQLITE_CORRUPT, message: "quick_check failed: \(result)",
                            sql: "PRAGMA quick_check")
                    }
                }
                // From now until `recordCleanClose`, a crash leaves the file marked for a check.
                if policy == .afterUncleanClose { try db.setApplicationId(CloseRecord.open) }
                return try migrator?.migrate(db)
            }
            return (connection, report)
        } catch {
            // Close before the caller renames the file: an open handle would keep the old
            // inode (and its locks) alive under the new name.
            try? connection.close()
            throw error
        }
    }

    /// Renames the database and its companions to `<path>.corrupt-<unix time>[-N]<suffix>`.
    /// Returns the new main path and every path created.
    static func moveAside(_ path: String, now: Date) throws -> (String, [String]) {
        let fileManager = FileManager.default
        let suffixes = ["", "-wal", "-shm", "-journal"]
        let stamp = "\(path).corrupt-\(Int(now.timeIntervalSince1970))"
        var base = stamp
        var attempt = 0
        // Two recoveries within one second must not overwrite the first evidence.
        while suffixes.contains(where: { fileManager.fileExists(atPath: base + $0) }) {
            attempt += 1
            base = "\(stamp)-\(attempt)"
        }
        var moved: [String] = []
        for suffix in suffixes where fileManager.fileExists(atPath: path + suffix) {
            do {
                try fileManager.moveItem(atPath: path + suffix, toPath: base + suffix)
            } catch {
                throw SQLiteError.fileSystem(
                    "could not move corrupt database file \(path + suffix) aside: \(error)")
            }
            moved.append(base + suffix)
        }
        return (base, moved)
    }
}
