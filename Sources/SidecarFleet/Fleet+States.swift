import Foundation
import SidecarModel
import SidecarRedis

/// What a read of a shared state found.
public enum SharedRead: Sendable {
    case hit(SharedState)
    /// Upstream said the key does not exist, at this time, later than any state Redis holds
    /// for it (DESIGN.md §11: believed for the not-found TTL, which the marker lives).
    case notFound(Date)
    /// Nothing usable: no key, or data that does not decode as a Stigg state.
    case miss
    /// Redis did not answer (down, slow, refusing): go on standalone.
    case error
}

extension Fleet {
    /// Stores `shared` unless Redis already holds a state synced at the same time or later,
    /// then appends `{customerId, resourceId, syncedAt}` to the change stream and notes the
    /// resource in the customer's set (so a webhook about the customer finds every key held
    /// anywhere in the fleet), atomically.
    /// Data there that is not ours (garbage, another type) is replaced: it is never good data.
    static let publishScript = RedisScript("""
        local current = redis.pcall('GET', KEYS[1])
        if type(current) == 'string' then
          local synced = tonumber(string.match(current, '^{"syncedAtMs":(%d+),'))
          if synced and synced >= tonumber(ARGV[1]) then return 0 end
        end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
          'customerId', ARGV[5], 'resourceId', ARGV[6], 'syncedAt', ARGV[1], 'by', ARGV[7])
        redis.pcall('SADD', KEYS[3], ARGV[6])
        redis.pcall('PEXPIRE', KEYS[3], ARGV[3])
        return 1
        """)

    /// Reads one shared state and the key's not-found marker in one round trip. Counted in
    /// `sidecar_fleet_reads_total` (a not-found answers for upstream: a hit).
    public func read(_ key: StateKey, counted: Bool = true) async -> SharedRead {
        let outcome: SharedRead
        do {
            let values = try await client.mget(readKeys(key))
            outcome = Fleet.interpret(state: values[0], notFound: values[1], key: key)
        } catch {
            outcome = .error
        }
        if counted { count(outcome) }
        return outcome
    }

    /// What `read` asks for, in its order: the state, then the not-found marker.
    func readKeys(_ key: StateKey) -> [String] { [keys.state(key), keys.notFound(key)] }

    /// The newer of a shared state and a not-found marker; a wrong type or garbage is a miss.
    static func interpret(state: [UInt8]?, notFound: [UInt8]?, key: StateKey) -> SharedRead {
        let shared = state.flatMap { SharedState.decode($0, key: key) }
        if let marker = notFound, let ms = Int64(String(decoding: marker, as: UTF8.self)), ms > (shared?.syncedAtMs ?? 0) {
            return .notFound(Date(timeIntervalSince1970: Double(ms) / 1000))
        }
        return shared.map(SharedRead.hit) ?? .miss
    }

    /// Reads many shared states in one round trip; missing, undecodable or unanswered ones
    /// are left out. Not counted as reads: it serves the stream, not a request.
    public func readMany(_ stateKeys: [StateKey]) async -> [SharedState]? {
        guard !stateKeys.isEmpty else { return [] }
        do {
            let values = try await client.mget(stateKeys.map(keys.state))
            return zip(stateKeys, values).compactMap { key, bytes in bytes.flatMap { SharedState.decode($0, key: key) } }
        } catch {
            // A key of another type makes the whole MGET fail: read one by one instead.
            if case .serverError = error {
                var found: [SharedState] = []
                for key in stateKeys {
                    if case .hit(let shared) = await read(key) { found.append(shared) }
                }
                return found
            }
            return nil
        }
    }

    /// Shares a state fetched from upstream. false when Redis kept a newer one or failed.
    @discardableResult
    public func publish(_ shared: SharedState) async -> Bool {
        let arguments: [String] = [
            String(shared.syncedAtMs), "", String(milliseconds(settings.stateTTL)), String(settings.streamMaxLength),
            shared.key.customerId, shared.key.resourceId ?? "", instanceId,
        ]
        var bytes = arguments.map { Array($0.utf8) }
        bytes[1] = shared.encoded()
        do {
            let reply = try await client.evaluate(
                Fleet.publishScript, keys: [keys.state(shared.key), keys.changes, keys.resources(shared.key.customerId)], arguments: bytes)
            return reply.integer == 1
        } catch {
            return false
        }
    }

    /// Every key of `customerId` some sidecar has shared; nil when Redis did not answer.
    public func sharedKeys(customerId: String) async -> [StateKey]? {
        guard let reply = try? await client.value(["SMEMBERS", keys.resources(customerId)]), let members = reply.array else { return nil }
        return members.compactMap(\.string).map { StateKey(customerId: customerId, resourceId: $0.isEmpty ? nil : $0) }
    }

    /// Every key with a shared state (`SCAN`, 1,000 names a step, so Redis is never blocked for
    /// long); nil when Redis stopped answering. For catalog-wide webhooks, which make every
    /// state in the fleet due (DESIGN.md §12), and are rare.
    public func allSharedKeys(limit: Int = 1_000_000) async -> [StateKey]? {
        var cursor = "0"
        var found: [StateKey] = []
        repeat {
            guard let reply = try? await client.value(["SCAN", cursor, "MATCH", "\(settings.namespace):state:*", "COUNT", "1000"]),
                  let pair = reply.array, pair.count == 2, let next = pair[0].string, let names = pair[1].array
            else { return nil }
            found += names.compactMap { $0.string.flatMap(keys.stateKey(fromName:)) }
            cursor = next
        } while cursor != "0" && found.count < limit
        return found
    }

    private func count(_ outcome: SharedRead) {
        switch outcome {
        case .hit, .notFound: onRead(.hit)
        case .miss: onRead(.miss)
        case .error: onRead(.error)
        }
    }
}

func milliseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1000 + attoseconds / 1_000_000_000_000_000
}
