import Foundation
import SidecarCache
import SidecarModel
import SidecarUpstream

/// How far the current (or last) preload run got, for `/status` and the progress log.
public struct PreloadProgress: Sendable, Equatable {
    /// Customers fetched (or found not to exist) so far in this run.
    public var done = 0
    /// Customers this run has to fetch (those not cached yet); nil while `all` still lists them.
    public var total: Int?
    public var startedAt: Date
    public var finishedAt: Date?
}

extension SyncEngine {
    /// The current or last preload run; nil when no preload is configured or none started yet.
    public var preloadProgress: PreloadProgress? { timers.withLock { $0.preloadProgress } }

    /// Warms the preloaded customers that are not cached yet: at start, then every
    /// `preloadInterval` to pick up new customers. Cached ones are kept fresh by the poller.
    func preloadIfDue() async {
        let now = self.now()
        let begin = timers.withLock { timers in
            guard !timers.preloading else { return false }
            if let last = timers.lastPreloadAt, now.timeIntervalSince(last) < settings.preloadInterval.seconds { return false }
            timers.preloading = true
            return true
        }
        guard begin else { return }
        var completed = false
        defer {
            timers.withLock { timers in
                timers.preloading = false
                // A preload cut short by a failure is tried again on the next cycle.
                if completed { timers.lastPreloadAt = now }
            }
        }
        switch settings.preload {
        case .none:
            completed = true
        case .customers(let ids):
            // A short list: held in memory like asked-for states, so the poller sees them.
            for id in ids { _ = store.lookup(StateKey(customerId: id)) }
            startProgress(total: nil)
            completed = await warmWithProgress(ids)
        case .all:
            completed = await preloadAll()
        }
    }

    /// Lists every customer first, so progress has a total, then fetches those not cached.
    /// A listing cut short by a failure still warms what it listed, so a flaky upstream does
    /// not stall a large preload at zero; the rest waits for the next cycle.
    private func preloadAll() async -> Bool {
        startProgress(total: nil)
        var ids: [String] = []
        var cursor: String?
        var pages = 0
        var listed = true
        repeat {
            guard !stopped.load(ordering: .relaxed), health.allowsBackground(at: now()) else { listed = false; break }
            let page: CustomerPage
            await gate.acquire(.background)
            do {
                page = try await client.customers(after: cursor, limit: 100)
                gate.release()
                health.recordSuccess(at: now())
            } catch {
                gate.release()
                health.recordFailure(error, at: now())
                logger.warning("preload: listing customers failed", metadata: ["error": "\(error)", "pages": .stringConvertible(pages)])
                listed = false
                break
            }
            pages += 1
            ids += page.customerIds
            cursor = page.next
        } while cursor != nil
        let warmed = await warmWithProgress(ids)
        guard listed, warmed else { return false }
        logger.info("preload done", metadata: [
            "customers": .stringConvertible(ids.count), "pages": .stringConvertible(pages), "states": .stringConvertible(store.count),
        ])
        return true
    }

    /// Fetches the customers of `ids` that are neither cached nor known not to exist, a chunk at
    /// a time (the rate cap paces them), logging every 10 %. Returns false when upstream failed.
    private func warmWithProgress(_ ids: [String]) async -> Bool {
        let now = self.now()
        let missing = ids.map { StateKey(customerId: $0) }.filter { key in
            !store.contains(key, origin: .upstream) && notFound.lookup(key, at: now) == nil
        }
        setProgress { $0.total = missing.count }
        let clock = ContinuousClock()
        let started = clock.now
        if !missing.isEmpty {
            logger.info("preload started", metadata: [
                "customers": .stringConvertible(missing.count),
                "upstreamRPS": .stringConvertible(settings.upstreamRPS),
            ])
        }
        var done = 0
        var reportedTenths = 0
        var succeeded = true
        // A tenth of the work per chunk (at most 100, like a listing page), so each chunk ends
        // on a 10 % step when the total allows it.
        let chunkSize = max(1, min(100, missing.count / 10))
        for start in stride(from: 0, to: missing.count, by: chunkSize) {
            guard !stopped.load(ordering: .relaxed) else { return false }
            let chunk = Array(missing[start..<min(missing.count, start + chunkSize)])
            let ok = await warm(chunk)
            done += chunk.count
            setProgress { $0.done = done }
            let tenths = done * 10 / missing.count
            if tenths > reportedTenths {
                reportProgress(done: done, total: missing.count, elapsed: clock.now - started)
                reportedTenths = tenths
            }
            // Stop at the first chunk that failed: the circuit and backoff decide when to retry.
            guard ok else { succeeded = false; break }
        }
        if succeeded { setProgress { $0.finishedAt = self.now() } }
        return succeeded
    }

    private func reportProgress(done: Int, total: Int, elapsed: Duration) {
        let seconds = max(elapsed.seconds, 0.001)
        let rate = Double(done) / seconds
        let eta = rate > 0 ? Double(total - done) / rate : 0
        logger.info("preload progress", metadata: [
            "done": .stringConvertible(done), "total": .stringConvertible(total),
            "percent": .stringConvertible(total > 0 ? done * 100 / total : 100),
            "perSecond": .stringConvertible((rate * 10).rounded() / 10),
            "etaSeconds": .stringConvertible(Int(eta.rounded())),
        ])
    }

    private func startProgress(total: Int?) {
        let at = now()
        timers.withLock { $0.preloadProgress = PreloadProgress(total: total, startedAt: at) }
    }

    private func setProgress(_ change: (inout PreloadProgress) -> Void) {
        timers.withLock { timers in
            if timers.preloadProgress != nil { change(&timers.preloadProgress!) }
        }
    }

    /// Fetches every key of `ids` at once (the gate bounds concurrency and rate).
    private func warm(_ keys: [StateKey]) async -> Bool {
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for key in keys {
                group.addTask {
                    switch await self.load(key, priority: .background) {
                    case .state, .notFound: true
                    case .failed, .unavailable, .timedOut: false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        return !outcomes.contains(false)
    }
}
