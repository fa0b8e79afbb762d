import SidecarSQLite

extension EntitlementStore {
    /// Forward-only schema history. Append; never edit a released migration.
    static let migrator = Migrator([
        Migration(version: 1, name: "entitlement states", sql: """
            CREATE TABLE entitlement_states (
                customer_id TEXT NOT NULL,
                -- '' stands for "no resource": resource ids are 1-255 chars, and NULL cannot
                -- take part in a primary key's uniqueness.
                resource_id TEXT NOT NULL DEFAULT '',
                origin      TEXT NOT NULL,
                -- The state's JSON in Stigg's wire shape, as answered.
                state       BLOB NOT NULL,
                synced_at   REAL NOT NULL,
                accessed_at REAL NOT NULL,
                -- Earliest validUntil / usagePeriodEnd: when to refresh regardless of age.
                refresh_due REAL,
                PRIMARY KEY (customer_id, resource_id)
            ) WITHOUT ROWID;
            CREATE INDEX entitlement_states_synced ON entitlement_states (synced_at);
            """),
        // The poller asks SQLite for due states it does not hold in memory.
        Migration(version: 2, name: "refresh-due index", sql: """
            CREATE INDEX entitlement_states_due ON entitlement_states (refresh_due) WHERE refresh_due IS NOT NULL;
            """),
    ])
}
