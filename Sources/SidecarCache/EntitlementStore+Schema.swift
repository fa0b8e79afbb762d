import SidecarModel
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
        // Usage and events (DESIGN.md §7): a record is committed here before it is
        // acknowledged, and kept after delivery so a repeated idempotency key is recognised.
        Migration(version: 3, name: "usage outbox", sql: """
            CREATE TABLE outbox (
                seq             INTEGER PRIMARY KEY AUTOINCREMENT,
                kind            TEXT NOT NULL,          -- 'usage' | 'event'
                record_id       TEXT NOT NULL,          -- the id the client was answered with
                idempotency_key TEXT NOT NULL,          -- the client's, or generated at intake
                customer_id     TEXT NOT NULL,
                resource_id     TEXT NOT NULL DEFAULT '',
                feature_id      TEXT,                   -- usage only
                value           REAL,                   -- usage only
                is_set          INTEGER NOT NULL DEFAULT 0,
                body            BLOB NOT NULL,          -- the record exactly as forwarded
                created_at      TEXT NOT NULL,          -- RFC 3339, as answered
                accepted_at     REAL NOT NULL,
                -- 'pending' until upstream accepts it, then 'sent'; 'local' in offline mode,
                -- where nothing is forwarded but keys are still deduplicated.
                status          TEXT NOT NULL,
                sent_at         REAL,
                UNIQUE (kind, idempotency_key)
            );
            CREATE INDEX outbox_pending ON outbox (kind, seq) WHERE status = 'pending';
            CREATE INDEX outbox_pending_state ON outbox (customer_id, resource_id, seq) WHERE status = 'pending';
            CREATE INDEX outbox_done ON outbox (sent_at) WHERE status <> 'pending';
            CREATE TABLE dead_letters (
                seq             INTEGER PRIMARY KEY,    -- its outbox seq
                kind            TEXT NOT NULL,
                record_id       TEXT NOT NULL,
                idempotency_key TEXT NOT NULL,
                customer_id     TEXT NOT NULL,
                resource_id     TEXT NOT NULL DEFAULT '',
                body            BLOB NOT NULL,
                created_at      TEXT NOT NULL,
                failed_at       REAL NOT NULL,
                reason          TEXT NOT NULL,
                UNIQUE (kind, idempotency_key)
            );
            """),
        // Usage is never counted twice (DESIGN.md §11): once a record has been sent, whether
        // upstream applied it is unknown until it confirms, so a state fetched meanwhile may
        // already hold it and must not have it added again.
        Migration(version: 4, name: "outbox send attempts", sql: """
            ALTER TABLE outbox ADD COLUMN attempted INTEGER NOT NULL DEFAULT 0;
            """),
        // Stigg webhooks (DESIGN.md §12): message ids seen in the last 24 h, so a retried
        // delivery is a duplicate even after a restart; and the states a webhook made due,
        // kept until their refresh succeeds so neither an outage nor a restart loses one.
        Migration(version: 5, name: "webhook dedup and due marks", sql: """
            CREATE TABLE webhook_messages (
                message_id  TEXT PRIMARY KEY,
                received_at REAL NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX webhook_messages_received ON webhook_messages (received_at);
            CREATE TABLE webhook_due (
                customer_id TEXT NOT NULL,
                resource_id TEXT NOT NULL DEFAULT '',
                -- Grows with every webhook; a refresh clears only the marks it has read, so a
                -- webhook landing during the refresh keeps its own.
                generation  INTEGER NOT NULL,
                -- 0: this state or customer changed; 1: the catalog changed (every state).
                priority    INTEGER NOT NULL,
                -- The state's last access when marked: most recently asked go first.
                asked_at    REAL NOT NULL,
                marked_at   REAL NOT NULL,
                PRIMARY KEY (customer_id, resource_id)
            ) WITHOUT ROWID;
            CREATE INDEX webhook_due_generation ON webhook_due (generation);
            -- The refresh order, read a batch at a time even when a plan change marked every state.
            CREATE INDEX webhook_due_order ON webhook_due (priority, asked_at DESC);
            """),
        // Fleet mode (DESIGN.md §13): how far this sidecar has read each namespace's change
        // stream, so a restart resumes from there instead of missing what changed meanwhile.
        Migration(version: 6, name: "fleet stream positions", sql: """
            CREATE TABLE fleet_positions (
                namespace TEXT PRIMARY KEY,
                stream_id TEXT NOT NULL
            ) WITHOUT ROWID;
            """),
        // Start-up in constant time (DESIGN.md §9: 1,000,000 states ready in 0.5 s). States per
        // origin kept by triggers, because counting them read every row (0.8 s on 1M); writes
        // use an upsert, whose UPDATE fires the origin trigger (the DELETE that INSERT OR
        // REPLACE does would not fire a trigger without recursive triggers). And the offline
        // snapshot file the `offline` states came from, so an unchanged file is not imported
        // again.
        Migration(version: 7, name: "state counts and offline snapshot signature", sql: """
            CREATE TABLE state_counts (
                origin TEXT PRIMARY KEY,
                states INTEGER NOT NULL
            ) WITHOUT ROWID;
            INSERT INTO state_counts (origin, states) SELECT origin, count(*) FROM entitlement_states GROUP BY origin;
            CREATE TRIGGER state_counts_insert AFTER INSERT ON entitlement_states BEGIN
                INSERT INTO state_counts (origin, states) VALUES (new.origin, 1)
                    ON CONFLICT (origin) DO UPDATE SET states = states + 1;
            END;
            CREATE TRIGGER state_counts_delete AFTER DELETE ON entitlement_states BEGIN
                UPDATE state_counts SET states = states - 1 WHERE origin = old.origin;
            END;
            CREATE TRIGGER state_counts_origin AFTER UPDATE OF origin ON entitlement_states
                WHEN old.origin <> new.origin BEGIN
                UPDATE state_counts SET states = states - 1 WHERE origin = old.origin;
                INSERT INTO state_counts (origin, states) VALUES (new.origin, 1)
                    ON CONFLICT (origin) DO UPDATE SET states = states + 1;
            END;
            CREATE TABLE offline_snapshot (
                id        INTEGER PRIMARY KEY CHECK (id = 1),
                size      INTEGER NOT NULL,
                mtime     REAL NOT NULL,
                hash      TEXT NOT NULL,
                loaded_at REAL NOT NULL
            );
            """),
        // A send attempt is a watermark, not a flag on each row: the forwarder takes pending
        // usage in seq order, so every pending usage record at or below the highest seq it
        // ever sent has been attempted. Marking a batch of 100 then writes one row instead of
        // rewriting 100 records (with their bodies). The `attempted` column of migration 4 is
        // no longer read or written.
        Migration(version: 8, name: "usage send attempts as a watermark", sql: """
            CREATE TABLE outbox_attempted (
                kind        TEXT PRIMARY KEY,
                through_seq INTEGER NOT NULL
            ) WITHOUT ROWID;
            INSERT INTO outbox_attempted (kind, through_seq)
                SELECT 'usage', max(seq) FROM outbox WHERE kind = 'usage' AND attempted = 1 HAVING max(seq) IS NOT NULL;
            """),
        // Intake no longer rewrites a state for each usage request: the outbox is the log of
        // local usage, and a state row says through which seq its JSON includes it
        // (EntitlementStore+UsageFlush.swift). Until this migration every accepted record was
        // written into its state at once, so every row includes all of them.
        Migration(version: 9, name: "local usage applied through a seq", sql: """
            ALTER TABLE entitlement_states ADD COLUMN usage_through INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE usage_applied (
                id          INTEGER PRIMARY KEY CHECK (id = 1),
                through_seq INTEGER NOT NULL
            );
            INSERT INTO usage_applied (id, through_seq) SELECT 1, coalesce(max(seq), 0) FROM outbox;
            """),
    ])
}
