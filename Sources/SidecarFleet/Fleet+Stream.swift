import Foundation
import SidecarModel
import SidecarRedis

/// One entry of the change stream: a state was written to Redis.
public struct FleetChange: Sendable {
    public let id: String
    public let key: StateKey
    public let syncedAtMs: Int64
    /// Set when the write was a usage confirmation on top of that fetch (0 otherwise).
    public let usageAtMs: Int64
    /// Whether this sidecar wrote it.
    public let own: Bool

    /// Whether the change should replace a local state synced at `localMs` (as
    /// `SharedState.supersedes`).
    public func supersedes(localMs: Int64) -> Bool {
        syncedAtMs > localMs || (usageAtMs > 0 && syncedAtMs >= localMs)
    }
}

/// Where the stream stands, to tell whether a position was trimmed away.
public struct FleetStreamInfo: Sendable {
    /// The newest id ever added ("0-0" for a stream that does not exist yet).
    public let lastId: String
    /// The newest id deleted with `XDEL` ("0-0" when none was). Trimming (`MAXLEN`) does not
    /// move it (Redis 7.0), so trimming is found by looking for the position's own entry.
    public let maxDeletedId: String
}

extension Fleet {
    /// Up to `count` entries after `position`; nil when Redis did not answer.
    public func changes(after position: String, count: Int) async -> [FleetChange]? {
        do {
            let entries = try await client.xread(keys.changes, after: position, count: count)
            lastStreamReadAt.withLock { $0 = Date() }
            return entries.compactMap { entry in
                guard let customer = entry["customerId"], !customer.isEmpty,
                      let synced = entry["syncedAt"].flatMap({ Int64(String(decoding: $0, as: UTF8.self)) })
                else { return nil }
                let resource = entry["resourceId"].map { String(decoding: $0, as: UTF8.self) } ?? ""
                let key = StateKey(customerId: String(decoding: customer, as: UTF8.self), resourceId: resource.isEmpty ? nil : resource)
                let own = entry["by"].map { String(decoding: $0, as: UTF8.self) == instanceId } ?? false
                let usageAt = entry["usageAt"].flatMap { Int64(String(decoding: $0, as: UTF8.self)) } ?? 0
                return FleetChange(id: entry.id, key: key, syncedAtMs: synced, usageAtMs: usageAt, own: own)
            }
        } catch {
            return nil
        }
    }

    /// `XINFO STREAM`; nil when Redis did not answer or the key is not a stream.
    public func streamInfo() async -> FleetStreamInfo? {
        do {
            let reply = try await client.value(["XINFO", "STREAM", keys.changes])
            guard let flat = reply.array else { return nil }
            var fields: [String: String] = [:]
            for index in stride(from: 0, to: flat.count - 1, by: 2) {
                if let name = flat[index].string, let value = flat[index + 1].string { fields[name] = value }
            }
            lastStreamReadAt.withLock { $0 = Date() }
            return FleetStreamInfo(lastId: fields["last-generated-id"] ?? "0-0", maxDeletedId: fields["max-deleted-entry-id"] ?? "0-0")
        } catch {
            if case .serverError(let message) = error, message.contains("no such key") {
                lastStreamReadAt.withLock { $0 = Date() }
                return FleetStreamInfo(lastId: "0-0", maxDeletedId: "0-0")
            }
            return nil
        }
    }

    /// Whether the stream still holds the entry `id` (`XRANGE id id`); nil when Redis did
    /// not answer.
    public func streamContains(_ id: String) async -> Bool? {
        guard let reply = try? await client.value(["XRANGE", keys.changes, id, id, "COUNT", "1"]), let entries = reply.array else { return nil }
        return !entries.isEmpty
    }

    /// Whether stream id `a` comes after `b` (`ms-seq`, compared numerically).
    public static func streamId(_ a: String, isAfter b: String) -> Bool {
        func parts(_ id: String) -> (UInt64, UInt64) {
            let split = id.split(separator: "-", maxSplits: 1)
            return (UInt64(split.first ?? "0") ?? 0, split.count > 1 ? UInt64(split[1]) ?? 0 : 0)
        }
        let (x, y) = (parts(a), parts(b))
        return x.0 != y.0 ? x.0 > y.0 : x.1 > y.1
    }

    // MARK: Webhook deduplication

    /// `SET <ns>:webhook:<messageId> 1 NX EX 86400`: true when no sidecar has seen it, false
    /// for a duplicate, nil when Redis did not answer (the local table still deduplicates).
    public func claimWebhook(_ messageId: String) async -> Bool? {
        try? await client.set(keys.webhook(messageId), Array("1".utf8), onlyIfAbsent: true, expiresIn: settings.webhookDedupWindow)
    }

    /// Undoes a claim whose local recording failed, so Stigg's retry is not taken for a duplicate.
    public func unclaimWebhook(_ messageId: String) async {
        _ = try? await client.del([keys.webhook(messageId)])
    }
}
