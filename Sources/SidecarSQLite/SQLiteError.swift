import CSQLite
import Foundation

/// The one error type thrown by this layer.
public enum SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A libsqlite3 call failed. `code` is the *extended* result code
    /// (e.g. 2067 = SQLITE_CONSTRAINT_UNIQUE); `message` is `sqlite3_errmsg`;
    /// `sql` is the statement that failed, when there was one.
    case sqlite(code: Int32, message: String, sql: String?)

    /// The database's `PRAGMA user_version` is higher than the newest migration this
    /// build knows: it was written by a newer version of the program. Kept apart from
    /// `.sqlite` so that callers refuse to start instead of "recovering" a healthy file.
    case newerSchema(databaseVersion: Int, newestKnownVersion: Int)

    /// The layer was used in a way it does not support (closed connection, several
    /// statements passed to `execute`, wrong number of arguments, …).
    case misuse(message: String, sql: String?)

    /// The connection opened but refused a setting this layer relies on
    /// (e.g. `journal_mode=WAL` answered something else).
    case configurationRejected(String)

    /// A file operation of this layer failed (moving a corrupt database aside).
    case fileSystem(String)

    /// The extended result code, for `.sqlite`; nil otherwise.
    public var extendedCode: Int32? {
        if case .sqlite(let code, _, _) = self { return code }
        return nil
    }

    /// The primary result code (low 8 bits of the extended one), for `.sqlite`.
    public var primaryCode: Int32? { extendedCode.map { $0 & 0xFF } }

    /// True when SQLite says the file is damaged or is not a database at all —
    /// the only situation in which moving the file aside is the right answer.
    public var isCorruption: Bool {
        primaryCode == SQLITE_CORRUPT || primaryCode == SQLITE_NOTADB
    }

    /// True for any constraint violation (UNIQUE, NOT NULL, FOREIGN KEY, CHECK, …).
    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }

    /// True when the database stayed locked past the busy timeout.
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    /// The symbolic name of the extended code, e.g. `SQLITE_CONSTRAINT_UNIQUE`.
    public var codeName: String? { extendedCode.map(sqliteResultCodeName) }

    public var description: String {
        switch self {
        case .sqlite(let code, let message, let sql):
            var text = "SQLite error \(code) (\(sqliteResultCodeName(code))): \(message)"
            if let sql { text += " — in: \(Self.abbreviated(sql))" }
            return text
        case .newerSchema(let found, let newest):
            return "database was written by a newer version of this program "
                + "(schema version \(found), this build knows up to \(newest)); refusing to open it"
        case .misuse(let message, let sql):
            var text = "SQLite misuse: \(message)"
            if let sql { text += " — in: \(Self.abbreviated(sql))" }
            return text
        case .configurationRejected(let message):
            return "SQLite configuration rejected: \(message)"
        case .fileSystem(let message):
            return "SQLite file operation failed: \(message)"
        }
    }

    /// Long migration scripts would drown the message; the start is enough to find it.
    private static func abbreviated(_ sql: String) -> String {
        let oneLine = sql.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
        return oneLine.count > 200 ? String(oneLine.prefix(200)) + "…" : oneLine
    }
}

extension SQLiteError {
    /// Builds the error for a failed call on `handle`. The returned `rc` is preferred over
    /// `sqlite3_extended_errcode` because some APIs (e.g. `sqlite3_open_v2`) report
    /// through `rc` while the handle's saved state is stale or absent.
    init(code rc: Int32, handle: OpaquePointer?, sql: String? = nil) {
        var code = rc
        var message: String
        if let handle {
            let saved = sqlite3_extended_errcode(handle)
            // Upgrade a primary code to the handle's extended one when they agree.
            if rc <= 0xFF && saved & 0xFF == rc { code = saved }
            message = String(cString: sqlite3_errmsg(handle))
        } else {
            message = String(cString: sqlite3_errstr(rc))
        }
        if message.isEmpty { message = String(cString: sqlite3_errstr(code)) }
        self = .sqlite(code: code, message: message, sql: sql)
    }
}
