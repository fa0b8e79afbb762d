import SidecarModel
import SidecarRedis

/// The right to read one key from upstream for the whole fleet, until released or expired.
public struct FleetLease: Sendable {
    public let key: StateKey
    let token: String
}

public enum LeaseOutcome: Sendable {
    case acquired(FleetLease)
    /// Another sidecar is reading the key; its result will appear in Redis.
    case heldElsewhere
    /// Redis did not answer: read standalone.
    case unavailable
}

extension Fleet {
    /// Deletes the lease only if it is still ours: after an expiry another sidecar may hold it.
    static let releaseScript = RedisScript("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """)

    /// `SET <ns>:lease:<key> <id> NX PX <lease>`: a holder that dies releases by expiry.
    public func acquireLease(_ key: StateKey) async -> LeaseOutcome {
        let token = instanceId + "/" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        do {
            let won = try await client.set(
                keys.lease(key), Array(token.utf8), onlyIfAbsent: true, expiresIn: settings.leaseDuration)
            return won ? .acquired(FleetLease(key: key, token: token)) : .heldElsewhere
        } catch {
            return .unavailable
        }
    }

    /// Whether any sidecar holds `key`'s lease; nil when Redis did not answer.
    public func leaseHeld(_ key: StateKey) async -> Bool? {
        guard let reply = try? await client.value(["EXISTS", keys.lease(key)]), let count = reply.integer else { return nil }
        return count > 0
    }

    public func release(_ lease: FleetLease) async {
        _ = try? await client.evaluate(Fleet.releaseScript, keys: [keys.lease(lease.key)], arguments: [Array(lease.token.utf8)])
    }
}
