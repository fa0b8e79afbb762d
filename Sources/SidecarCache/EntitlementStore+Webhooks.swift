import Foundation
import SidecarModel
import SidecarSQLite

/// A state a webhook made due. Its refresh clears the mark only up to `generation`, so a
/// webhook that lands while the refresh runs keeps its own mark.
public struct WebhookMark: Sendable, Hashable {
    public let key: StateKey
    public let generation: Int64
}

/// What recording a webhook delivery came to.
public enum WebhookRecording: Sendable, Equatable {
    /// Its `messageId` was seen within the dedup window: nothing was done again.
    case duplicate
    /// Recorded; `marked` states are now due for a refresh.
    case recorded(marked: Int)
}

extension EntitlementStore {
    /// How long a `messageId` is remembered: Stigg retries for a few minutes (STIGG-API.md
    /// §6.3); a day also covers a replay support triggers the same day (DESIGN.md §12).
    public static let webhookDedupWindow: TimeInterval = 24 * 3600
    /// Message ids kept at most, so a flood of deliveries cannot grow the file without bound.
    public static let webhookMessageCap = 100_000

    /// Records a delivery: forgets ids older than the dedup window, and unless `event` is a
    /// duplicate, keeps its id and marks the states it affects due, all in one transaction,
    /// so that once this returns neither a crash nor a restart loses the effect.
    ///
    /// Only cached (upstream) states are marked: a customer nobody asked about is not
    /// fetched. `extraKeys` (reads in flight, not yet stored) are marked as given.
    /// Blocks on the connection's queue: call it from `onQueue`, never on an event loop.
    public func recordWebhook(_ event: WebhookEvent, extraKeys: [StateKey] = [], at now: Date) throws(StoreError) -> WebhookRecording {
        do {
            return try connection.transaction { db in
                try db.execute("DELETE FROM webhook_messages WHERE received_at < ?", [.real(now.timeIntervalSince1970 - Self.webhookDedupWindow)])
                let seen = try db.queryOne("SELECT 1 FROM webhook_messages WHERE message_id = ?", [.text(event.messageId)]) { _ in true }
                if seen == true { return .duplicate }
                try db.execute("INSERT INTO webhook_messages (message_id, received_at) VALUES (?, ?)", [.text(event.messageId), .real(now.timeIntervalSince1970)])
                try Self.capWebhookMessages(db)
                return .recorded(marked: try markDue(event.effect, extraKeys: extraKeys, at: now, db: db))
            }
        } catch {
            throw StoreError(error)
        }
    }

    private static func capWebhookMessages(_ db: Database) throws {
        let count = try db.queryOne("SELECT count(*) FROM webhook_messages") { $0.int(0) } ?? 0
        guard count > webhookMessageCap else { return }
        try db.execute(
            "DELETE FROM webhook_messages WHERE message_id IN (SELECT message_id FROM webhook_messages ORDER BY received_at LIMIT ?)",
            [.integer(Int64(count - webhookMessageCap))])
    }

    private func markDue(_ effect: WebhookEvent.Effect, extraKeys: [StateKey], at now: Date, db: Database) throws -> Int {
        let generation = (try db.queryOne("SELECT coalesce(max(generation), 0) + 1 FROM webhook_due") { $0.int64(0) }) ?? 1
        // An upsert never lowers a mark's priority: a catalog change does not push back a
        // customer's own change already waiting.
        let upsert = """
            ON CONFLICT (customer_id, resource_id) DO UPDATE SET generation = excluded.generation,
                priority = min(priority, excluded.priority), asked_at = max(asked_at, excluded.asked_at), marked_at = excluded.marked_at
            """
        let select = """
            INSERT INTO webhook_due (customer_id, resource_id, generation, priority, asked_at, marked_at)
            SELECT customer_id, resource_id, ?, ?, accessed_at, ? FROM entitlement_states WHERE origin = 'upstream'
            """
        let common: [SQLiteValue] = [.integer(generation), .integer(0), .real(now.timeIntervalSince1970)]
        switch effect {
        case .refreshState(let key):
            try db.execute("\(select) AND customer_id = ? AND resource_id = ? \(upsert)", common + [.text(key.customerId), .text(key.resourceId ?? "")])
        case .refreshCustomer(let customerId):
            try db.execute("\(select) AND customer_id = ? \(upsert)", common + [.text(customerId)])
        case .refreshAll:
            try db.execute("\(select) \(upsert)", [.integer(generation), .integer(1), .real(now.timeIntervalSince1970)])
        case .ignore:
            return 0
        }
        var marked = try db.queryOne("SELECT changes()") { $0.int(0) } ?? 0
        // SQLite's accessed_at is as of the last write; memory knows the states asked since.
        for cached in resident(effect) {
            try db.execute(
                "UPDATE webhook_due SET asked_at = max(asked_at, ?) WHERE customer_id = ? AND resource_id = ?",
                [.real(cached.accessedAt.timeIntervalSince1970), .text(cached.key.customerId), .text(cached.key.resourceId ?? "")])
        }
        for key in extraKeys {
            try db.execute(
                "INSERT INTO webhook_due (customer_id, resource_id, generation, priority, asked_at, marked_at) VALUES (?, ?, ?, 0, ?, ?) \(upsert)",
                [.text(key.customerId), .text(key.resourceId ?? ""), .integer(generation), .real(now.timeIntervalSince1970), .real(now.timeIntervalSince1970)])
            marked += 1
        }
        return marked
    }

    /// The states in memory an effect covers.
    private func resident(_ effect: WebhookEvent.Effect) -> [CachedState] {
        let states: [CachedState] = index.withLock { index in
            switch effect {
            case .refreshState(let key): index[key].map { [$0] } ?? []
            case .refreshCustomer(let customerId): index.states(of: customerId)
            case .refreshAll: index.values
            case .ignore: []
            }
        }
        return states.filter { $0.origin == .upstream }
    }

    /// Marks waiting for a refresh: a state's or customer's own change first, then catalog
    /// changes, most recently asked first. At most `limit`.
    public func webhookMarks(limit: Int) throws(StoreError) -> [WebhookMark] {
        do {
            return try connection.sync { db in
                try db.query(
                    """
                    SELECT customer_id, resource_id, generation FROM webhook_due
                    ORDER BY priority, asked_at DESC LIMIT ?
                    """,
                    [.integer(Int64(max(0, limit)))]
                ) { row in
                    WebhookMark(
                        key: StateKey(customerId: row.string(0), resourceId: row.string(1).isEmpty ? nil : row.string(1)),
                        generation: row.int64(2))
                }
            }
        } catch {
            throw StoreError(error)
        }
    }

    /// Clears `mark` after its refresh succeeded, unless a newer webhook marked the state since.
    public func clearWebhookMark(_ mark: WebhookMark) throws(StoreError) {
        do {
            try connection.sync { db in
                try db.execute(
                    "DELETE FROM webhook_due WHERE customer_id = ? AND resource_id = ? AND generation <= ?",
                    [.text(mark.key.customerId), .text(mark.key.resourceId ?? ""), .integer(mark.generation)])
            }
        } catch {
            throw StoreError(error)
        }
    }

    /// States waiting for a webhook refresh.
    public func webhookDueCount() throws(StoreError) -> Int {
        do {
            return try connection.sync { db in try db.queryOne("SELECT count(*) FROM webhook_due") { $0.int(0) } ?? 0 }
        } catch {
            throw StoreError(error)
        }
    }
}
