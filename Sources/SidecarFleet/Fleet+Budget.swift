import SidecarRedis

/// What the fleet-wide budget said about one call.
public enum BudgetOutcome: Sendable, Equatable {
    case granted
    /// No token now; one will be there after this long.
    case wait(Duration)
    /// Redis did not answer: only the local caps apply.
    case unavailable
}

extension Fleet {
    /// A token bucket held in Redis, refilled by the server's clock so sidecars' clocks do not
    /// matter: `rate` tokens a second, a burst of one second's worth. One atomic script, so
    /// two sidecars can never take the same token. Answers 0 (granted) or the microseconds
    /// until a token will be there.
    static let bucketScript = RedisScript("""
        local rate = tonumber(ARGV[1])
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
        local saved = redis.call('HMGET', KEYS[1], 'at', 'tokens')
        local at = tonumber(saved[1])
        local tokens = tonumber(saved[2])
        if at == nil or tokens == nil then at = now; tokens = rate end
        if now > at then
          tokens = math.min(rate, tokens + (now - at) * rate / 1000000)
          at = now
        end
        local wait = 0
        if tokens >= 1 then
          tokens = tokens - 1
        else
          wait = math.ceil((1 - tokens) * 1000000 / rate)
        end
        redis.call('HSET', KEYS[1], 'at', string.format('%d', at), 'tokens', string.format('%.6f', tokens))
        redis.call('PEXPIRE', KEYS[1], 60000)
        return wait
        """)

    /// Takes one token from `budget`.
    public func take(_ budget: FleetBudget) async -> BudgetOutcome {
        let rate = budget == .entitlements ? settings.upstreamRPS : settings.usageRPS
        do {
            let reply = try await client.evaluate(Fleet.bucketScript, keys: [keys.bucket(budget)], arguments: [Array(String(max(rate, 1)).utf8)])
            guard let micros = reply.integer, micros >= 0 else { return .unavailable }
            return micros == 0 ? .granted : .wait(.microseconds(micros))
        } catch {
            return .unavailable
        }
    }
}
