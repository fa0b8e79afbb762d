// Faults, call counters and the usage/event records of a `FakeStigg`.

extension FakeStigg {
    // MARK: Faults

    /// Arms a fault for paths starting with `pathPrefix` (nil: every `/api/...` path), for the
    /// next `count` matching requests (nil: until cleared). With `processFirst`, the request
    /// is handled normally before the fault answers (usage is applied, then "lost").
    @discardableResult
    public func inject(_ fault: Fault, pathPrefix: String? = nil, count: Int? = nil, processFirst: Bool = false) -> FaultRule {
        shared.mutex.withLock { $0.faults.add(fault, pathPrefix: pathPrefix, count: count, processFirst: processFirst) }
    }

    /// Removes every fault rule and answers every hung request with a 500.
    public func clearFaults() { shared.clearFaults() }

    /// Removes one rule; hung requests are released once no hang rule is left.
    public func clearFault(_ rule: FaultRule) { shared.clearFaults(id: rule.id) }

    public var activeFaults: [FaultRule] { shared.mutex.withLock { $0.faults.rules } }

    /// Requests currently held by a hang.
    public var hungRequests: Int { shared.mutex.withLock { $0.faults.hungCount } }

    // MARK: Counters

    /// `/api/...` requests whose path starts with `pathPrefix` (faulted and 401s included).
    public func calls(_ pathPrefix: String) -> Int { shared.mutex.withLock { $0.counters.calls(pathPrefix) } }

    public var totalCalls: Int { shared.mutex.withLock { $0.counters.total } }

    /// The paths of the last `/api/...` requests (up to 10,000), oldest first.
    public var recentCalls: [String] { shared.mutex.withLock { $0.counters.recent } }

    public func resetCounters() { shared.mutex.withLock { $0.counters = CallCounters() } }

    // MARK: Usage and events

    /// How many times a usage record with this idempotency key arrived in accepted requests.
    public func deliveries(_ idempotencyKey: String) -> Int {
        shared.mutex.withLock { $0.ledger.usageDeliveries[idempotencyKey] ?? 0 }
    }

    /// Distinct usage records kept (a repeated key is one record).
    public var uniqueRecords: Int { shared.mutex.withLock { $0.ledger.records.count } }

    public var usageRecords: [UsageRecord] { shared.mutex.withLock { $0.ledger.records } }

    public func eventDeliveries(_ idempotencyKey: String) -> Int {
        shared.mutex.withLock { $0.ledger.eventDeliveries[idempotencyKey] ?? 0 }
    }

    public var uniqueEvents: Int { shared.mutex.withLock { $0.ledger.events.count } }

    public var events: [EventRecord] { shared.mutex.withLock { $0.ledger.events } }
}
