import Foundation
import SidecarModel
import SidecarRedis

extension Fleet {
    /// Replaces the shared state with upstream's usage confirmation applied, only if it is
    /// still the fetch (`syncedAtMs`) the confirmation was applied to and no later confirmation
    /// is there, then appends the change (with `usageAt`, so followers take it although its
    /// `syncedAt` is the one they hold). Answers 1 when written.
    static let confirmScript = RedisScript("""
        local current = redis.pcall('GET', KEYS[1])
        if type(current) ~= 'string' then return 0 end
        local synced = tonumber(string.match(current, '^{"syncedAtMs":(%d+),'))
        local usage = tonumber(string.match(current, '^{"syncedAtMs":%d+,"usageAtMs":(%d+),')) or 0
        if synced ~= tonumber(ARGV[1]) or usage >= tonumber(ARGV[2]) then return 0 end
        redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*',
          'customerId', ARGV[6], 'resourceId', ARGV[7], 'syncedAt', ARGV[1], 'by', ARGV[8], 'usageAt', ARGV[2])
        return 1
        """)

    /// Shares usage upstream confirmed at `at` (DESIGN.md §13): `confirm` applies upstream's
    /// totals to the shared state, which only ever holds what upstream answered, so no
    /// sender's unconfirmed records reach it; nil when it changes nothing. Based on Redis's
    /// copy rather than the local one, which carries this sidecar's queued records. Retried
    /// when another sidecar wrote the key in between. false when Redis has no state for the
    /// key (the next fetch shares one) or did not answer.
    @discardableResult
    public func publishConfirmed(
        _ key: StateKey, at: Date, confirm: @Sendable (EntitlementsState) -> EntitlementsState?
    ) async -> Bool {
        for _ in 0..<3 {
            guard case .hit(let base) = await read(key, counted: false) else { return false }
            guard let confirmed = confirm(base.state) else { return true }
            let usageAtMs = max(SharedState.milliseconds(at), base.usageAtMs + 1)
            let shared = SharedState(key: key, state: confirmed, syncedAtMs: base.syncedAtMs, usageAtMs: usageAtMs)
            var arguments = [
                String(base.syncedAtMs), String(usageAtMs), "", String(milliseconds(settings.stateTTL)),
                String(settings.streamMaxLength), key.customerId, key.resourceId ?? "", instanceId,
            ].map { Array($0.utf8) }
            arguments[2] = shared.encoded()
            do {
                let reply = try await client.evaluate(Fleet.confirmScript, keys: [keys.state(key), keys.changes], arguments: arguments)
                if reply.integer == 1 { return true }
            } catch {
                return false
            }
        }
        return false
    }
}
