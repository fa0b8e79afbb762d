/// One forward step of the schema. After it runs, `PRAGMA user_version` equals `version`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    let apply: @Sendable (Database) throws -> Void

    /// A migration written as a SQL script (several statements allowed).
    public init(version: Int, name: String = "", sql: String) {
        self.init(version: version, name: name) { try $0.executeScript(sql) }
    }

    /// A migration that needs code (data rewrites, conditional steps).
    public init(version: Int, name: String = "", _ apply: @escaping @Sendable (Database) throws -> Void) {
        self.version = version
        self.name = name
        self.apply = apply
    }
}

/// What `Migrator.migrate` did.
public struct MigrationReport: Sendable, Equatable {
    /// `user_version` found before migrating (0 for a new file).
    public let fromVersion: Int
    /// `user_version` after migrating: the newest known version.
    public let toVersion: Int
    /// Versions applied by this call, in order; empty when the schema was current.
    public let applied: [Int]
}

/// Applies forward-only migrations, tracked by `PRAGMA user_version`.
///
/// All pending migrations run in one IMMEDIATE transaction together with the `user_version`
/// updates, so a failure anywhere leaves the file exactly as it was, and two processes
/// starting at once cannot both migrate (the second waits, then finds nothing to do).
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// `migrations` must have versions ≥ 1 in strictly increasing order; anything else is a
    /// programming error and traps.
    public init(_ migrations: [Migration]) {
        var previous = 0
        for migration in migrations {
            precondition(
                migration.version > previous,
                "migration versions must be ≥ 1 and strictly increasing (\(migration.version) after \(previous))")
            previous = migration.version
        }
        self.migrations = migrations
    }

    /// The version a fully migrated database has.
    public var newestVersion: Int { migrations.last?.version ?? 0 }

    /// Brings the schema up to `newestVersion`. Throws `SQLiteError.newerSchema` (and changes
    /// nothing) when the file's `user_version` is already higher than that.
    @discardableResult
    public func migrate(_ db: Database) throws -> MigrationReport {
        // Fast path without taking the write lock: read-only replicas and every normal start.
        let current = try db.userVersion()
        try refuseIfNewer(current)
        if current == newestVersion {
            return MigrationReport(fromVersion: current, toVersion: current, applied: [])
        }
        return try db.transaction(.immediate) {
            // Re-read under the write lock: another process may have migrated meanwhile.
            let start = try db.userVersion()
            try refuseIfNewer(start)
            var applied: [Int] = []
            for migration in migrations where migration.version > start {
                try migration.apply(db)
                try db.setUserVersion(migration.version)
                applied.append(migration.version)
            }
            return MigrationReport(fromVersion: start, toVersion: newestVersion, applied: applied)
        }
    }

    /// `migrate` on the connection's queue.
    @discardableResult
    public func migrate(_ connection: SQLiteConnection) throws -> MigrationReport {
        try connection.sync { try migrate($0) }
    }

    private func refuseIfNewer(_ version: Int) throws {
        if version > newestVersion {
            throw SQLiteError.newerSchema(databaseVersion: version, newestKnownVersion: newestVersion)
        }
    }
}
