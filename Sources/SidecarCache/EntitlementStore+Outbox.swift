import SidecarModel
import Foundation
import SidecarSQLite

// Intake and delivery bookkeeping of the usage outbox. Every method runs on the connection's
// serial queue, so intake, delivery and state refreshes of the same customer never interleave
// between reading a state and writing it back.

extension EntitlementStore {
    /// The oldest queued records of `kind`, in the order they were accepted.
    public func pendingRecords(_ kind: OutboxKind, limit: Int) throws -> [OutboxRecord] {
        try connection.sync { db in
            try db.query(
                """
                SELECT seq, record_id, idempotency_key, customer_id, resource_id, feature_id, body
                FROM outbox WHERE kind = ? AND status = 'pending' ORDER BY seq LIMIT ?
                """,
                [.text(kind.rawValue), .integer(Int64(limit))]
            ) { row in
                OutboxRecord(
                    seq: row.int64(0), kind: kind, recordId: row.string(1), idempotencyKey: row.string(2),
                    key: StateKey(customerId: row.string(3), resourceId: row.string(4).isEmpty ? nil : row.string(4)),
                    featureId: row.optionalString(5), body: row.blob(6))
            }
        }
    }

    /// Records marked sent per statement: one statement for a batch (~75 records) held the
    /// core for ~400 µs, so `markSent` marks it in pieces and lets the pacer act between them.
    static let markSentChunk = 25

    /// Upstream accepted `records`: they leave the queue (kept for deduplication), and each
    /// `usage` value it returned replaces the cached usage of that feature, plus whatever is
    /// still queued for it locally.
    public func markSent(_ records: [OutboxRecord], usage: [DeliveredUsage], now: Date) throws {
        // The forwarder calls this right after parsing upstream's answer on the same thread
        // (~0.25 ms): a pause first, before the store's queue is taken.
        pacing.pauseNow()
        try connection.sync { db in
            var replacements: [CachedState] = []
            var marked = 0
            try db.transaction {
                var pacer = Pacer(pacing)
                for start in stride(from: 0, to: records.count, by: Self.markSentChunk) {
                    try db.execute(
                        "UPDATE outbox SET status = 'sent', sent_at = ? WHERE seq IN (SELECT value FROM json_each(?)) AND status = 'pending'",
                        [.real(now.timeIntervalSince1970),
                         .text(Self.seqList(records[start..<min(start + Self.markSentChunk, records.count)]))])
                    marked += db.changes
                    pacer.pace()
                }
                // The last measurement of a feature is the newest total upstream knows.
                var latest: [StateKey: [String: Double]] = [:]
                for delivered in usage { latest[delivered.key, default: [:]][delivered.featureId] = delivered.currentUsage }
                for (key, features) in latest {
                    pacer.pace()
                    guard case .state(let cached) = lookup(key) else { continue }
                    var state = cached.state
                    for (featureId, total) in features where state.applyUsage(featureId: featureId, value: total, behavior: .set) != nil {
                        try Self.overlayPending(&state, key: key, featureId: featureId, db: db)
                    }
                    if state != cached.state { replacements.append(cached.replacing(state: state)) }
                }
            }
            index.withLock { index in replacements.forEach { index.insert($0) } }
            markUsageDirty(replacements.map(\.key))
            try tally(db) {
                $0.pending -= marked
                $0.sent += marked
            }
        }
    }

    /// Upstream refused `record` for good: it moves to the dead-letter table with the reason.
    /// Its local effect on the cached usage stays until the next refresh replaces it.
    public func deadLetter(_ record: OutboxRecord, reason: String, now: Date) throws {
        try connection.sync { db in
            let moved = try db.transaction {
                try db.execute(
                    """
                    INSERT OR REPLACE INTO dead_letters (seq, kind, record_id, idempotency_key, customer_id, resource_id,
                                                        body, created_at, failed_at, reason)
                    SELECT seq, kind, record_id, idempotency_key, customer_id, resource_id, body, created_at, ?, ?
                    FROM outbox WHERE seq = ?
                    """,
                    [.real(now.timeIntervalSince1970), .text(reason), .integer(record.seq)])
                try db.execute("DELETE FROM outbox WHERE seq = ? AND status = 'pending'", [.integer(record.seq)])
                return db.changes
            }
            try tally(db) {
                $0.pending -= moved
                $0.deadLetters += moved
            }
        }
    }

    /// Forgets delivered (and offline) records accepted before `cutoff`; their keys may then
    /// be used again, as upstream's own 7-day deduplication window allows.
    @discardableResult
    public func pruneOutbox(before cutoff: Date) throws -> Int {
        try connection.sync { db in
            // Records a replay may still need stay (EntitlementStore+UsageFlush.swift); a flush
            // first leaves none, and moves the mark on when no state was waiting.
            try flushUsage(db)
            try db.execute(
                """
                DELETE FROM outbox WHERE status <> 'pending' AND coalesce(sent_at, accepted_at) < ?
                  AND seq <= (SELECT through_seq FROM usage_applied WHERE id = 1)
                """,
                [.real(cutoff.timeIntervalSince1970)])
            let removed = db.changes
            // Re-counted from SQLite now, on the queue, so readers never have to.
            outboxTally.withLock { $0 = nil }
            try tally(db) { _ in }
            return removed
        }
    }

    /// The counts kept in memory (read from SQLite at open, kept current by the writers):
    /// no query, so `/readyz`, `/status` and `/metrics` may ask on an event loop.
    public func outboxCounts() -> OutboxCounts {
        outboxTally.withLock { $0 } ?? OutboxCounts()
    }

    /// Reason and key of every dead letter, oldest first (for operators and tests).
    public func deadLetters() throws -> [(idempotencyKey: String, reason: String)] {
        try connection.sync { db in
            try db.query("SELECT idempotency_key, reason FROM dead_letters ORDER BY seq") { ($0.string(0), $0.string(1)) }
        }
    }

    // MARK: Helpers (on the connection's queue)

    /// Applies the usage queued for `key` (one feature, or all) that was never sent on top of
    /// `state`, in the order it was accepted: what upstream has not seen must not be lost when
    /// its answer replaces the cached state. A record already sent may be in upstream's answer
    /// (its confirmation, or a lost one, is pending), so it is left out: an answer may read low
    /// until the confirmation lands, never high (DESIGN.md §11).
    static func overlayPending(_ state: inout EntitlementsState, key: StateKey, featureId: String?, db: Database) throws {
        try db.iterate(
            """
            SELECT feature_id, value, is_set FROM outbox
            WHERE customer_id = ? AND resource_id = ? AND status = 'pending' AND kind = 'usage'
              AND seq > coalesce((SELECT through_seq FROM outbox_attempted WHERE kind = 'usage'), 0)
            ORDER BY seq
            """,
            [.text(key.customerId), .text(key.resourceId ?? "")]
        ) { row in
            let feature = row.string(0)
            guard featureId == nil || featureId == feature else { return }
            state.applyUsage(featureId: feature, value: row.double(1), behavior: row.bool(2) ? .set : .delta)
        }
    }

    /// Marks `records` as sent at least once, before they go upstream: from then on a fetched
    /// state may already include them. `records` must be what `pendingRecords` returned (the
    /// lowest-seq pending ones) or part of it: the mark is the highest seq sent so far, and
    /// covers every pending usage record at or below it.
    public func markAttempted(_ records: [OutboxRecord]) throws(StoreError) {
        do {
            try connection.sync { db in
                guard let highest = records.lazy.filter({ $0.kind == .usage }).map(\.seq).max() else { return }
                try db.execute(
                    """
                    INSERT INTO outbox_attempted (kind, through_seq) VALUES ('usage', ?)
                    ON CONFLICT (kind) DO UPDATE SET through_seq = max(through_seq, excluded.through_seq)
                    """,
                    [.integer(highest)])
            }
        } catch {
            throw StoreError(error)
        }
    }

    /// `records`' sequence numbers as a JSON array, for one set-based statement over many
    /// records (`seq IN (SELECT value FROM json_each(?))`): a statement per record cost the
    /// sidecar's core ~27,000 instructions each under the §9 mixed load.
    static func seqList(_ records: some Collection<OutboxRecord>) -> String {
        "[" + records.map { String($0.seq) }.joined(separator: ",") + "]"
    }

    /// The record an idempotency key was first accepted as: in the outbox, or moved to the
    /// dead letters.
    static func existing(_ kind: OutboxKind, key: String?, db: Database) throws -> (recordId: String, createdAt: String)? {
        guard let key else { return nil }
        if let found = try db.queryOne(
            "SELECT record_id, created_at FROM outbox WHERE kind = ? AND idempotency_key = ?",
            [.text(kind.rawValue), .text(key)], { ($0.string(0), $0.string(1)) }) {
            return found
        }
        return try deadLettered(kind, key: key, db: db)
    }

    /// A dead-lettered record's id for `key` (a small table: refused records only).
    static func deadLettered(_ kind: OutboxKind, key: String?, db: Database) throws -> (recordId: String, createdAt: String)? {
        guard let key else { return nil }
        return try db.queryOne(
            "SELECT record_id, created_at FROM dead_letters WHERE kind = ? AND idempotency_key = ?",
            [.text(kind.rawValue), .text(key)], { ($0.string(0), $0.string(1)) })
    }

    static func status(for mode: IntakeMode) -> String {
        mode == .forward ? "pending" : "local"
    }


    /// The counts, read from SQLite once and kept up to date by the writers: `update` is
    /// applied to the kept counts, and skipped when they are read afresh, since SQLite then
    /// already reflects the write. Pass `{ _ in }` to read.
    @discardableResult
    func tally(_ db: Database, _ update: (inout OutboxCounts) -> Void) throws -> OutboxCounts {
        if let counts = outboxTally.withLock({ counts -> OutboxCounts? in
            guard counts != nil else { return nil }
            update(&counts!)
            return counts
        }) { return counts }
        let counts = try db.queryOne(
            """
            SELECT (SELECT count(*) FROM outbox WHERE status = 'pending'),
                   (SELECT count(*) FROM outbox WHERE status = 'sent'),
                   (SELECT count(*) FROM dead_letters)
            """
        ) { OutboxCounts(pending: $0.int(0), sent: $0.int(1), deadLetters: $0.int(2)) } ?? OutboxCounts()
        outboxTally.withLock { $0 = counts }
        return counts
    }
}

extension CachedState {
    /// The same entry with locally changed data: sync time, last access and the failed-attempt
    /// mark carry over, since a local change is not a sync.
    func replacing(state: EntitlementsState) -> CachedState {
        let replacement = CachedState(key: key, state: state, origin: origin, syncedAt: syncedAt, accessedAt: accessedAt)
        if lastAttemptFailed { replacement.markAttemptFailed() }
        return replacement
    }
}
