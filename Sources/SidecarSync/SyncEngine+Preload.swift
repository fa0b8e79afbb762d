import Foundation
import SidecarCache
import SidecarModel
import SidecarUpstream

extension SyncEngine {
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
            completed = await warm(ids)
        case .all:
            completed = await preloadAll()
        }
    }

    private func preloadAll() async -> Bool {
        var cursor: String?
        var pages = 0
        var customers = 0
        repeat {
            guard !stopped.load(ordering: .relaxed), health.allowsBackground(at: now()) else { return false }
            let page: CustomerPage
            await gate.acquire(.background)
            do {
                page = try await client.customers(after: cursor, limit: 100)
                gate.release()
                health.recordSuccess(at: now())
            } catch {
                gate.release()
                health.recordFailure(error, at: now())
                logger.warning("preload: listing customers failed", metadata: ["error": "\(error)", "pages": "\(pages)"])
                return false
            }
            pages += 1
            customers += page.customerIds.count
            guard await warm(page.customerIds) else { return false }
            cursor = page.next
        } while cursor != nil
        logger.info("preload done", metadata: ["customers": "\(customers)", "pages": "\(pages)", "states": "\(store.count)"])
        return true
    }

    /// Fetches the customers of `ids` that are neither cached nor known not to exist.
    /// Returns false when upstream failed on the way.
    private func warm(_ ids: [String]) async -> Bool {
        let now = self.now()
        let missing = ids.map { StateKey(customerId: $0) }.filter { key in
            !store.contains(key, origin: .upstream) && notFound.lookup(key, at: now) == nil
        }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for key in missing {
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
