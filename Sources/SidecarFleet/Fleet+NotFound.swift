import Foundation
import SidecarModel
import SidecarRedis

extension Fleet {
    /// Records that upstream said a key does not exist, unless Redis holds a state fetched at
    /// the same time or later (the customer was created since). An older shared state goes:
    /// upstream's word that the key is gone replaces it, as it replaces the local copy, so no
    /// sidecar answers it as fresh once the marker has expired. Data there that is not ours
    /// (garbage, another type) goes too: it is never good data.
    static let notFoundScript = RedisScript("""
        local current = redis.pcall('GET', KEYS[1])
        if type(current) == 'string' then
          local synced = tonumber(string.match(current, '^{"syncedAtMs":(%d+),'))
          if synced and synced >= tonumber(ARGV[1]) then return 0 end
        end
        redis.pcall('DEL', KEYS[1])
        redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
        return 1
        """)

    /// Shares upstream's "not found" for `key`, said at `at`, for `ttl` (the not-found cache's
    /// own TTL, so a sidecar believes it no longer than one that asked upstream itself would).
    /// The marker is a separate short-lived key: a state key lives 48 h as last-known-good.
    /// false when Redis kept a newer state or failed.
    @discardableResult
    public func publishNotFound(_ key: StateKey, at: Date, ttl: Duration) async -> Bool {
        let arguments = [String(SharedState.milliseconds(at)), String(max(1, milliseconds(ttl)))].map { Array($0.utf8) }
        do {
            let reply = try await client.evaluate(Fleet.notFoundScript, keys: [keys.state(key), keys.notFound(key)], arguments: arguments)
            return reply.integer == 1
        } catch {
            return false
        }
    }
}
