import SidecarModel
import SidecarRedis

/// The right to read one key from upstream for the whole fleet, until released or expired.
public struct FleetLease: Sendable {
    public let key: StateKey
    let token: String
}

public enum LeaseOutcome: Sendable {
    /// With the shared state (or not-found) as it was when the lease was taken: a holder that
    /// finished just before may have shared it after this sidecar last looked.
    case acquired(FleetLease, SharedRead)
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
        let replies = await client.pipeline([
            ["SET", keys.lease(key), token, "NX", "PX", String(milliseconds(settings.leaseDuration))],
            RedisCommand(["MGET"] + readKeys(key)),
        ])
        guard case .success(let set) = replies[0] else { return .unavailable }
        if set.isNull { return .heldElsewhere }
        guard set.string == "OK" else { return .unavailable }
        var shared = SharedRead.miss
        if case .success(let reply) = replies[1], let values = reply.array, values.count == 2 {
            shared = Fleet.interpret(state: values[0].bytes, notFound: values[1].bytes, key: key)
        }
        return .acquired(FleetLease(key: key, token: token), shared)
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
