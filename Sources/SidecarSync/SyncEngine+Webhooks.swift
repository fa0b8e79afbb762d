import Foundation
import SidecarCache
import SidecarModel
import SidecarUpstream
import Synchronization

/// Bookkeeping of webhook refreshes (DESIGN.md §12), kept inside the engine's lock.
struct WebhookPasses {
    /// A pass is running; a call during it sets `again` instead of starting a second one.
    var running = false
    var again = false
    /// A webhook landed during the pass: its batch stops handing out keys and the marks are
    /// read again, so a customer's own change does not wait behind a plan change's backlog.
    var interrupt = false
    /// Keys whose refresh failed on their own (upstream as a whole is fine, e.g. a 400 for
    /// one id): retried with their own backoff, so one bad key does not hold up the rest.
    var retry: [StateKey: (failures: Int, notBefore: Date)] = [:]
}

extension SyncEngine {
    /// A webhook marked states due: refresh them now, not at the next poller tick.
    public func wakeWebhookRefresh() {
        Task { await self.refreshWebhookMarks(interrupting: true) }
    }

    /// Refreshes the states webhooks marked, ahead of routine refreshes and within the rate
    /// cap, until none is left or upstream fails; what is left waits for the next wake or
    /// tick. A mark is cleared only once its refresh succeeded. One pass at a time: a call
    /// while one runs makes it go round again and returns at once.
    public func refreshWebhookMarks(interrupting: Bool = false) async {
        let first = webhookPasses.withLock { passes in
            if passes.running {
                passes.again = true
                if interrupting { passes.interrupt = true }
                return false
            }
            passes.running = true
            return true
        }
        guard first else { return }
        while true {
            await webhookPass()
            let again = webhookPasses.withLock { passes in
                passes.running = passes.again
                passes.again = false
                return passes.running
            }
            if !again { return }
        }
    }

    private func webhookPass() async {
        let batchSize = max(settings.upstreamRPS, settings.upstreamConcurrency)
        var progressed = true
        while progressed, !stopped.load(ordering: .relaxed), health.allowsBackground(at: now()) {
            let now = self.now()
            let (waiting, retry) = webhookPasses.withLock { passes in
                passes.interrupt = false
                return (passes.retry.values.filter { $0.notBefore > now }.count, passes.retry)
            }
            let marks: [WebhookMark]
            do {
                marks = try store.webhookMarks(limit: batchSize + waiting)
            } catch {
                logger.error("cannot read webhook marks", metadata: ["error": "\(error)"])
                return
            }
            let due = marks.filter { retry[$0.key].map { $0.notBefore <= now } ?? true }.prefix(batchSize)
            if due.isEmpty { return }
            let batch = MarkBatch(Array(due))
            let refreshed = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<min(settings.upstreamConcurrency, due.count) {
                    group.addTask {
                        var done = 0
                        while !self.webhookPasses.withLock({ $0.interrupt }), let mark = batch.next() {
                            if await self.refresh(mark) { done += 1 }
                        }
                        return done
                    }
                }
                return await group.reduce(0, +)
            }
            progressed = refreshed > 0 || webhookPasses.withLock { $0.interrupt }
        }
    }

    /// One marked state: fetched (sharing the single-flight), and its mark cleared on success.
    private func refresh(_ mark: WebhookMark) async -> Bool {
        // A read already under way may have left before the change: let it land, then read again.
        if isInFlight(mark.key) { _ = await load(mark.key, priority: .webhook) }
        switch await load(mark.key, priority: .webhook) {
        case .state, .notFound:
            do {
                try store.clearWebhookMark(mark)
            } catch {
                logger.error("cannot clear webhook mark", metadata: ["key": "\(mark.key)", "error": "\(error)"])
                return false
            }
            webhookPasses.withLock { _ = $0.retry.removeValue(forKey: mark.key) }
            return true
        case .failed(let error) where !(error.isRetryable || error.isAuthenticationFailure):
            // Upstream's health ignores this failure, so its backoff will not pace the retry.
            let at = now()
            let backoff = Backoff(base: settings.backoffBase, cap: settings.backoffMax)
            webhookPasses.withLock { passes in
                let failures = (passes.retry[mark.key]?.failures ?? 0) + 1
                let delay = backoff.delay(afterFailures: failures, unit: Double.random(in: 0.5..<1))
                passes.retry[mark.key] = (failures, at.addingTimeInterval(delay.seconds))
            }
            return false
        case .failed, .unavailable, .timedOut:
            return false
        }
    }

    /// Forgets that `customerId` was not found, so a webhook about a new customer is believed
    /// at the next check instead of after the not-found TTL.
    func forgetNotFound(customerId: String) {
        notFound.removeCustomer(customerId)
    }
}

/// The marks of one pass, handed out one at a time to its workers.
final class MarkBatch: Sendable {
    private let state: Mutex<(marks: [WebhookMark], next: Int)>

    init(_ marks: [WebhookMark]) {
        state = Mutex((marks, 0))
    }

    func next() -> WebhookMark? {
        state.withLock { state in
            guard state.next < state.marks.count else { return nil }
            defer { state.next += 1 }
            return state.marks[state.next]
        }
    }
}
