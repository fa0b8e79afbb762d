import Dispatch
import Foundation
import SidecarCache
import SidecarModel
import SidecarUpstream
import Synchronization

extension SyncEngine {
    /// Probes upstream, starts the preload and the poller. Returns at once.
    public func start() {
        // Marks a webhook left before the last stop are refreshed as soon as upstream answers.
        Task {
            await self.probe()
            await self.refreshWebhookMarks()
        }
        if settings.preload != .none {
            Task { await self.preloadIfDue() }
        }
        startFollowingFleet()
        guard let interval = settings.pollInterval else { return }
        let nanoseconds = Int(interval.seconds * 1e9)
        // Made inside the lock: a timer source is not Sendable, so it never leaves it.
        timers.withLock { timers in
            let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
            timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds), leeway: .milliseconds(50))
            timer.setEventHandler { [weak self] in
                guard let self else { return }
                Task { await self.tick() }
            }
            timers.poll = timer
            timer.resume()
        }
    }

    /// Stops the poller; no new upstream call starts. Calls in flight finish on their own.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
        timers.withLock { timers in
            timers.poll?.cancel()
            timers.poll = nil
        }
        stopFollowingFleet()
    }

    /// `GET /api/v1/customers?limit=1`: is upstream there, and does it take our key? Sent at
    /// start and, while the circuit is open, once per backoff.
    public func probe() async {
        guard !stopped.load(ordering: .relaxed) else { return }
        await gate.acquire(.background)
        defer { gate.release() }
        do {
            _ = try await client.customers(after: nil, limit: 1)
            health.recordSuccess(at: now())
            logger.info("upstream reachable")
        } catch {
            health.recordFailure(error, at: now())
            logger.warning("upstream probe failed", metadata: ["error": "\(error)"])
        }
    }

    /// One poller cycle: a probe if the circuit is open, otherwise the states webhooks marked
    /// (retried here until they succeed), then the most overdue entries (one second's worth
    /// of the rate cap), then the preload if it is due. Returns when the refreshes it started
    /// have finished, so a test can call it and then look.
    public func tick() async {
        guard !stopped.load(ordering: .relaxed) else { return }
        let now = self.now()
        if health.beginProbe(at: now) {
            await probe()
            return
        }
        await refreshWebhookMarks()
        if health.allowsBackground(at: now), beginRefreshBatch() {
            let due = dueKeys(at: now, limit: max(0, settings.upstreamRPS - gate.queuedBackground))
            // As many workers as calls may run at once pull from the batch: a batch of 20,000
            // keys costs a handful of tasks, not 20,000.
            let batch = KeyBatch(due)
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<min(settings.upstreamConcurrency, due.count) {
                    group.addTask {
                        while let key = batch.next() { _ = await self.load(key, priority: .background) }
                    }
                }
            }
            timers.withLock { $0.refreshing = false }
        }
        await preloadIfDue()
    }

    /// One refresh batch at a time: a tick that finds the last one still running leaves the
    /// due entries to it and the next tick.
    private func beginRefreshBatch() -> Bool {
        timers.withLock { timers in
            guard !timers.refreshing else { return false }
            timers.refreshing = true
            return true
        }
    }

    /// Entries due for a refresh, most urgent first: those whose `validUntil` or
    /// `usagePeriodEnd` has passed (their cached answer may be wrong), then by how long ago
    /// they fell due. Entries nobody asked about for `idleAfter` are left alone, unless preloaded.
    func dueKeys(at now: Date, limit: Int) -> [StateKey] {
        guard limit > 0 else { return [] }
        let idleSince = now.addingTimeInterval(-settings.idleAfter.seconds)
        var due: [(urgent: Bool, at: Date, key: StateKey)] = []
        var idle: [StateKey] = []
        defer { store.evict(idle) }
        for cached in store.states(origin: .upstream) {
            let used = cached.accessedAt >= idleSince || isListedForPreload(cached.key)
            // Unused for `idleAfter`: out of memory; the disk copy comes back when asked for.
            if !used { idle.append(cached.key) }
            let dueAt = cached.dueAt(interval: settings.refreshInterval)
            guard dueAt <= now, used || isPreloaded(cached.key) else { continue }
            let urgent = cached.refreshDue.map { $0 <= now } ?? false
            due.append((urgent, dueAt, cached.key))
        }
        due.sort { lhs, rhs in lhs.urgent != rhs.urgent ? lhs.urgent : lhs.at < rhs.at }
        var keys: [StateKey] = []
        var chosen = Set<StateKey>()
        for entry in due where !isInFlight(entry.key) {
            keys.append(entry.key)
            chosen.insert(entry.key)
            if keys.count == limit { return keys }
        }
        // With every customer preloaded, most states live only on disk until someone asks.
        if settings.preload == .all {
            let onDisk = (try? store.dueOnDisk(origin: .upstream, interval: settings.refreshInterval, now: now, limit: limit + chosen.count)) ?? []
            for key in onDisk where key.resourceId == nil && !chosen.contains(key) && !isInFlight(key) {
                keys.append(key)
                if keys.count == limit { break }
            }
        }
        return keys
    }

    /// Preloaded by id: a short list, kept in memory like states callers ask for.
    func isListedForPreload(_ key: StateKey) -> Bool {
        if case .customers(let ids) = settings.preload { return key.resourceId == nil && ids.contains(key.customerId) }
        return false
    }

    func isPreloaded(_ key: StateKey) -> Bool {
        switch settings.preload {
        case .none: false
        case .all: key.resourceId == nil
        case .customers(let ids): key.resourceId == nil && ids.contains(key.customerId)
        }
    }
}

/// The keys of one refresh batch, handed out one at a time to its workers.
final class KeyBatch: Sendable {
    private let state: Mutex<(keys: [StateKey], next: Int)>

    init(_ keys: [StateKey]) {
        state = Mutex((keys, 0))
    }

    func next() -> StateKey? {
        state.withLock { state in
            guard state.next < state.keys.count else { return nil }
            defer { state.next += 1 }
            return state.keys[state.next]
        }
    }
}
