import CSQLite
import Dispatch
import Synchronization

/// Settings applied when a connection opens.
public struct SQLiteConfiguration: Sendable {
    /// `PRAGMA synchronous`. In WAL mode `.normal` cannot corrupt the database but may lose the
    /// last commits on power loss (not on a process crash); `.full` fsyncs every commit.
    public enum Synchronous: String, Sendable {
        case off = "OFF", normal = "NORMAL", full = "FULL", extra = "EXTRA"

        /// From the integer `PRAGMA synchronous` answers with.
        public init?(level: Int) {
            switch level {
            case 0: self = .off
            case 1: self = .normal
            case 2: self = .full
            case 3: self = .extra
            default: return nil
            }
        }
    }

    /// Open with SQLITE_OPEN_READONLY; the journal mode is then left as the file has it.
    public var readOnly: Bool
    public var synchronous: Synchronous
    /// How long a statement waits for another connection's lock before SQLITE_BUSY.
    public var busyTimeoutMilliseconds: Int
    /// Label of the connection's serial queue, shown in debuggers and crash reports.
    public var label: String

    public init(
        readOnly: Bool = false, synchronous: Synchronous = .normal,
        busyTimeoutMilliseconds: Int = 5000, label: String = "SidecarSQLite.connection"
    ) {
        self.readOnly = readOnly
        self.synchronous = synchronous
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.label = label
    }
}

/// One SQLite connection and the serial queue that all of its use goes through.
///
/// `@unchecked Sendable` is sound because the only mutable state — the `sqlite3*` handle, its
/// statement cache and counters, all inside `database` — is touched exclusively on `queue`
/// (by `sync`, `perform`, `close`) or in `deinit`, when no other reference exists. That serial
/// queue is also why the handle can be opened with SQLITE_OPEN_NOMUTEX: SQLite's own mutexes
/// would only repeat what the queue already guarantees.
public final class SQLiteConnection: @unchecked Sendable {
    public let path: String
    public let configuration: SQLiteConfiguration
    private let queue: DispatchQueue
    /// Marks `queue`, so a `sync` issued from inside a `sync` body runs inline instead of
    /// deadlocking on itself.
    private let queueKey = DispatchSpecificKey<Bool>()
    private let database: Database

    /// Opens (creating if needed, unless read-only) the database at `path`, then applies WAL,
    /// `synchronous`, the busy timeout and `foreign_keys=ON`. `":memory:"` is accepted and
    /// keeps SQLite's in-memory journal.
    ///
    /// Opening is lazy in SQLite: a damaged file usually opens and then fails on the first
    /// statement, here the `journal_mode` pragma, with SQLITE_NOTADB or SQLITE_CORRUPT.
    public init(path: String, configuration: SQLiteConfiguration = .init()) throws {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= configuration.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let error = SQLiteError(code: rc, handle: handle)
            sqlite3_close_v2(handle)  // a failed open may still allocate a handle
            throw error
        }
        sqlite3_extended_result_codes(handle, 1)
        let database = Database(handle: handle)
        do {
            try Self.configure(database, handle: handle, path: path, configuration)
        } catch {
            try? database.close()
            throw error
        }
        self.path = path
        self.configuration = configuration
        self.database = database
        self.queue = DispatchQueue(label: configuration.label)
        queue.setSpecific(key: queueKey, value: true)
    }

    private static func configure(
        _ db: Database, handle: OpaquePointer, path: String, _ configuration: SQLiteConfiguration
    ) throws {
        let timeout = Int32(clamping: max(0, configuration.busyTimeoutMilliseconds))
        sqlite3_busy_timeout(handle, timeout)

        if !configuration.readOnly {
            // Read the answer back: SQLite reports failure to switch only through it.
            let mode = try db.pragma("journal_mode=WAL") ?? ""
            let inMemory = path == ":memory:" || path.isEmpty
            if mode.lowercased() != "wal" && !inMemory {
                throw SQLiteError.configurationRejected(
                    "journal_mode=WAL was answered with '\(mode)' for \(path)")
            }
        }
        try db.execute("PRAGMA synchronous=\(configuration.synchronous.rawValue)")
        guard try db.synchronous() == configuration.synchronous else {
            throw SQLiteError.configurationRejected("synchronous=\(configuration.synchronous.rawValue) did not stick")
        }
        try db.execute("PRAGMA foreign_keys=ON")
        guard try db.pragma("foreign_keys") == "1" else {
            throw SQLiteError.configurationRejected("foreign_keys=ON did not stick (SQLite built without them?)")
        }
        // These run once; keep the cache for the application's statements.
        db.clearStatementCache()
    }

    deinit {
        // No other reference exists, so nothing can be running on `queue`; close inline
        // (a queue.sync here could deadlock if the last release happens on that queue).
        try? database.close()
    }

    /// Runs `body` on the connection's queue and waits for it. Re-entrant: a `sync` inside a
    /// `sync` body of the same connection runs inline. Do not let `Database` escape `body`.
    ///
    /// Blocks the calling thread, which suits short statements (the hot path is a cached
    /// statement and a few microseconds); prefer `perform` for long work from async code.
    public func sync<T>(_ body: (Database) throws -> T) rethrows -> T {
        if DispatchQueue.getSpecific(key: queueKey) == true { return try body(database) }
        #if DEBUG
        Self.blockingCheck.withLock { $0 }?()
        #endif
        return try queue.sync { try body(database) }
    }

    /// Runs `body` on the connection's queue and returns at once: for callers that must not
    /// wait (an HTTP event loop). `body` must not block on anything but this connection.
    public func async(_ body: @escaping @Sendable (Database) -> Void) {
        queue.async { body(self.database) }
    }

    /// `async`, once `seconds` have passed.
    public func async(afterSeconds seconds: Double, _ body: @escaping @Sendable (Database) -> Void) {
        queue.asyncAfter(deadline: .now() + seconds) { body(self.database) }
    }

    /// Called before a thread waits on a connection, in debug builds only. The application
    /// sets it to trap on threads that must never wait (HTTP event loops); SQLite knows
    /// nothing of them.
    public static let blockingCheck = Mutex<(@Sendable () -> Void)?>(nil)

    /// `Database.transaction` on the connection's queue.
    @discardableResult
    public func transaction<T>(
        _ kind: Database.TransactionKind = .immediate, _ body: (Database) throws -> T
    ) throws -> T {
        try sync { db in try db.transaction(kind) { try body(db) } }
    }

    /// Runs `body` on the connection's queue without blocking the calling task's thread.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.database) })
            }
        }
    }

    /// Finalizes cached statements and closes the handle. Later use throws `.misuse`;
    /// closing twice is harmless.
    public func close() throws {
        try sync { try $0.close() }
    }
}
