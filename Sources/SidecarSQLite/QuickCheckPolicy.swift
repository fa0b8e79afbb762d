/// When `SQLiteConnection.openOrRecover` runs `PRAGMA quick_check`, which reads every page
/// (1.8 s on a 1 GB file): on every open, never, or only when the file's last connection did
/// not say it closed cleanly.
public enum QuickCheckPolicy: Sendable, Equatable {
    case always
    case never
    /// A file that a crash, `kill -9` or a power loss left behind is checked; one whose last
    /// run ended with `SQLiteConnection.recordCleanClose()` is trusted, and so is a copy of it.
    /// A file with no record either way (new, or written before this existed) is checked once.
    case afterUncleanClose
}

/// How the file's last connection ended, kept in the database header's `application_id`
/// (which nothing else here uses): reading it touches the first page only, and the record
/// travels with the file when it is copied, unlike a marker file beside it.
enum CloseRecord {
    /// "SDOP": opened under `.afterUncleanClose` and not closed cleanly since.
    static let open: Int32 = 0x5344_4F50
    /// "SDCL": the last run ended with `recordCleanClose()`.
    static let clean: Int32 = 0x5344_434C
}

extension Database {
    func applicationId() throws -> Int32 {
        try queryOne("PRAGMA application_id") { Int32(truncatingIfNeeded: $0.int64(0)) } ?? 0
    }

    /// Pragmas cannot take bound parameters, hence the integer type.
    func setApplicationId(_ id: Int32) throws {
        try execute("PRAGMA application_id = \(id)")
    }
}

extension SQLiteConnection {
    /// Records that this run is ending cleanly, so the next `openOrRecover` with
    /// `.afterUncleanClose` skips the full check. Call it last, after the final writes; a
    /// failure only means the next start checks.
    public func recordCleanClose() {
        try? sync { db in try db.setApplicationId(CloseRecord.clean) }
    }
}
