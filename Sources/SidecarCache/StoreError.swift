import SidecarSQLite

/// Why the store could not do what was asked, in the store's terms: callers above the cache
/// never match on SQLite's errors (DESIGN.md §2).
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database was written by a newer version of the program; refuse to start rather
    /// than "recover" a healthy file.
    case newerSchema(found: Int, known: Int)
    /// SQLite failed (I/O, full disk, corruption found later, ...): the description says why.
    case storage(String)
    /// The usage outbox holds `SIDECAR_OUTBOX_LIMIT` records; nothing of the request was stored.
    case outboxFull(OutboxError)

    init(_ error: any Error) {
        if let error = error as? StoreError { self = error; return }
        if let error = error as? OutboxError { self = .outboxFull(error); return }
        if case .newerSchema(let found, let known)? = error as? SQLiteError {
            self = .newerSchema(found: found, known: known)
            return
        }
        self = .storage("\(error)")
    }

    public var description: String {
        switch self {
        case .newerSchema(let found, let known):
            "database was written by a newer version of entitlement-sidecar (schema \(found); this version knows up to \(known))"
        case .storage(let why): why
        case .outboxFull(let error): error.description
        }
    }
}

/// A corrupt database that was moved aside at open, so the operator can be told.
public struct StoreRecovery: Sendable {
    /// Where the damaged file went.
    public let movedTo: String
    /// Why it was judged damaged.
    public let cause: String
}

extension EntitlementStore {
    /// Installs a check that runs (in debug builds) before any thread waits on the database:
    /// the application traps there when that thread is an HTTP event loop (DESIGN.md §2).
    /// The store knows nothing of event loops; SQLite even less.
    public static func setBlockingCheck(_ check: (@Sendable () -> Void)?) {
        SQLiteConnection.blockingCheck.withLock { $0 = check }
    }
}
