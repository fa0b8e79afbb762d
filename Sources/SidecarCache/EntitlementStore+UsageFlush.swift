import SidecarModel
import SidecarSQLite

// Local usage reaches a state's row late, and the outbox is its log. Intake and delivery
// confirmations change the state in memory only and mark it dirty; one flush a second (and at
// a clean shutdown) writes each dirty state once. Under the §9 mixed load that is ~50 row
// writes a second instead of one per record, 22% of all the bytes the sidecar wrote per record.
//
// Why a crash loses nothing: each state row carries `usage_through`, the outbox seq through
// which its JSON includes local usage (every full write sets it to the newest seq, under the
// rules the write already follows: `put` overlays what upstream has not seen). `usage_applied`
// holds a seq through which every row includes all usage. Opening replays the usage records
// above that seq onto the rows that have not seen them, so the state reads as it did in memory.
// Pruning keeps every record the replay may still need. A record moved to the dead letters
// is not replayed: after a crash its local effect goes, as it does at the next refresh.

/// Which states memory has changed since their rows were written.
struct UsageFlushState {
    var dirty: Set<StateKey> = []
    var scheduled = false
}

extension EntitlementStore {
    /// The newest outbox seq, for a state row's `usage_through` (SQL, evaluated in the write's
    /// own transaction).
    static let lastUsageSeq = "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0)"

    /// Memory has changed these states' usage (on the connection's queue): their rows are
    /// written by the next flush.
    func markUsageDirty(_ keys: some Sequence<StateKey>) {
        let schedule = usageFlush.withLock { flush -> Bool in
            flush.dirty.formUnion(keys)
            guard !flush.dirty.isEmpty, !flush.scheduled else { return false }
            flush.scheduled = true
            return true
        }
        guard schedule else { return }
        connection.async(afterSeconds: usageFlushDelay.seconds) { db in try? self.flushUsage(db) }
    }

    /// Writes every dirty state's row, then records that every row includes all usage so far.
    public func flushUsage() throws(StoreError) {
        do {
            try connection.sync { db in try flushUsage(db) }
        } catch {
            throw StoreError(error)
        }
    }

    func flushUsage(_ db: Database) throws {
        let keys = usageFlush.withLock { flush -> Set<StateKey> in
            defer {
                flush.dirty = []
                flush.scheduled = false
            }
            return flush.dirty
        }
        do {
            try db.transaction {
                var pacer = Pacer(pacing)
                for key in keys {
                    // Gone from memory: removed or replaced whole, and its row written then.
                    guard let cached = index.withLock({ $0[key] }) else { continue }
                    try Self.writeUsageChange(cached.state, of: key, origin: cached.origin, to: db)
                    pacer.pace()
                }
                try Self.advanceUsageMark(db)
            }
        } catch {
            // Still dirty, for the flush the next usage change schedules (or the prune, or the
            // shutdown). Not rescheduled from here: a closed connection would fail every second.
            usageFlush.withLock { $0.dirty.formUnion(keys) }
            throw error
        }
    }

    /// After an intake group that changed no state: with nothing dirty either, every row holds
    /// all usage so far, so the mark moves on in the group's transaction. Without this, records
    /// no state takes (events, customers not cached) would pile up above the mark for the
    /// replay at the next open to read.
    func advanceUsageMarkIfClean(_ db: Database) throws {
        guard usageFlush.withLock({ $0.dirty.isEmpty }) else { return }
        try Self.advanceUsageMark(db)
    }

    /// Every row holds all usage so far: the mark moves to the newest seq.
    static func advanceUsageMark(_ db: Database) throws {
        try db.execute("UPDATE usage_applied SET through_seq = \(lastUsageSeq) WHERE id = 1 AND through_seq < \(lastUsageSeq)")
    }

    /// Whether memory holds usage for `key` that its row does not (evicting it would lose it).
    func hasUnflushedUsage(_ key: StateKey) -> Bool {
        usageFlush.withLock { $0.dirty.contains(key) }
    }

    /// At open: applies the usage records no flush wrote to the rows that lack them.
    static func replayUnflushedUsage(_ db: Database) throws {
        guard let through = try db.queryOne("SELECT through_seq FROM usage_applied WHERE id = 1", [], { $0.int(0) })
        else { return }
        // Per key and origin: intake applies offline mode's records ('local') to offline states
        // and forwarded ones to upstream states, never one kind to the other's row.
        struct Target: Hashable { let key: StateKey; let origin: StateOrigin }
        var records: [Target: [(seq: Int, featureId: String, value: Double, isSet: Bool)]] = [:]
        try db.iterate(
            """
            SELECT seq, customer_id, resource_id, feature_id, value, is_set, status FROM outbox
            WHERE seq > ? AND kind = 'usage' ORDER BY seq
            """,
            [.integer(Int64(through))]
        ) { row in
            let resource = row.string(2)
            let key = StateKey(customerId: row.string(1), resourceId: resource.isEmpty ? nil : resource)
            let origin: StateOrigin = row.string(6) == status(for: .localOnly) ? .offline : .upstream
            records[Target(key: key, origin: origin), default: []].append((row.int(0), row.string(3), row.double(4), row.bool(5)))
        }
        try db.transaction {
            for (target, records) in records {
                let key = target.key
                let row = try db.queryOne(
                    "SELECT state, usage_through FROM entitlement_states WHERE customer_id = ? AND resource_id = ? AND origin = ?",
                    [.text(key.customerId), .text(key.resourceId ?? ""), .text(target.origin.rawValue)]) { ($0.blob(0), $0.int(1)) }
                // No row: nothing was cached to apply it to. One that no longer decodes reads
                // as a miss when asked for and is fetched again.
                guard let (blob, applied) = row, var state = try? EntitlementsState(json: try JSONParser.parse(blob))
                else { continue }
                var changed = false
                for record in records where record.seq > applied {
                    let behavior: UpdateBehavior = record.isSet ? .set : .delta
                    if state.applyUsage(featureId: record.featureId, value: record.value, behavior: behavior) != nil { changed = true }
                }
                if changed { try writeUsageChange(state, of: key, origin: target.origin, to: db) }
            }
            // Also past events and records no state took, so the next open does not read them again.
            try advanceUsageMark(db)
        }
    }
}
