import Foundation
import Logging
import SidecarCache
import SidecarFleet
import SidecarModel
import SidecarUpstream
import Synchronization

/// Delivers the usage outbox upstream in order, in batches, each record with its idempotency
/// key. Transient failures wait out a jittered backoff (and any `Retry-After`) and retry the
/// same batch; a batch refused with 400/413/422 is split until the refused records are alone,
/// and only those become dead letters. A crash between sending and marking sent means a
/// resend with the same keys, which upstream deduplicates.
public final class UsageForwarder: Sendable {
    let store: EntitlementStore
    let client: StiggClient
    let settings: ForwarderSettings
    let gate: UpstreamGate?
    let logger: Logger
    let now: @Sendable () -> Date
    let random: @Sendable () -> Double
    private let backoff: Backoff
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let loop = Mutex<Task<Void, Never>?>(nil)
    private let state = Mutex(ForwarderStatus())
    private let lastPrune = Mutex<Date?>(nil)

    /// What one delivery attempt came to.
    enum Pass: Equatable {
        case idle
        /// `full`: the batch took as many records as a batch may hold, so more may be waiting.
        case delivered(full: Bool)
        case retry(after: Duration?)
    }

    init(
        store: EntitlementStore, client: StiggClient, settings: ForwarderSettings, gate: UpstreamGate?, logger: Logger,
        now: @escaping @Sendable () -> Date, random: @escaping @Sendable () -> Double
    ) {
        self.store = store
        self.client = client
        self.settings = settings
        self.gate = gate
        self.logger = logger
        self.now = now
        self.random = random
        backoff = Backoff(base: settings.backoffBase, cap: settings.backoffMax)
        // One buffered wake-up is enough: a pass delivers everything queued so far.
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public var status: ForwarderStatus { state.withLock { $0 } }

    /// Starts delivering; records left from a previous run go first.
    public func start() {
        loop.withLock { task in
            guard task == nil else { return }
            task = Task { [self] in
                for await _ in wakeups {
                    if settings.coalesce > .zero { try? await Task.sleep(for: settings.coalesce) }
                    await drain()
                }
            }
        }
        notify()
    }

    /// New records were committed.
    public func notify() { wake.yield() }

    /// Stops the loop, waits for a delivery under way to finish (bounded by the client's
    /// deadline), then makes one more bounded pass so a clean shutdown leaves little behind.
    /// Returns whether the queue is empty.
    @discardableResult
    public func stop(flushWithin budget: Duration) async -> Bool {
        let deadline = ContinuousClock.now + budget
        wake.finish()
        let task = loop.withLock { $0 }
        task?.cancel()
        // The loop may be inside a send that ignores cancellation: wait for it only within
        // the budget, which is the whole of what SIGTERM may spend here (DESIGN.md §11).
        guard await Self.within(deadline, { await task?.value }) != nil else { return false }
        while ContinuousClock.now < deadline {
            let remaining = deadline - ContinuousClock.now
            guard let outcome = await Self.within(deadline, { await self.pass(deadline: remaining) }) else { return false }
            switch outcome {
            case .idle: return true
            case .delivered: continue
            case .retry: return false
            }
        }
        return store.outboxCounts().pending == 0
    }

    /// `operation`'s result, or nil once `deadline` passes first (the operation goes on in the
    /// background; whatever it did not finish stays queued on disk).
    static func within<T: Sendable>(_ deadline: ContinuousClock.Instant, _ operation: @escaping @Sendable () async -> T) async -> T? {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { return nil }
        return await withCheckedContinuation { continuation in
            let once = CallOnce<T?> { continuation.resume(returning: $0) }
            once.call(nil, after: remaining)
            Task { once.call(await operation()) }
        }
    }

    /// Delivers until the queue is empty or a failure asks for a wait.
    private func drain() async {
        var failures = 0
        while !Task.isCancelled {
            switch await pass(deadline: nil) {
            case .idle:
                prune()
                return
            case .delivered(let full):
                failures = 0
                // What arrived during that send waits for more before the next pass, as a
                // fresh wake-up does: at 2,000 records/s each pass then sends full batches
                // (each upstream call costs the sidecar's core far more than a record does).
                if !full, settings.coalesce > .zero { try? await Task.sleep(for: settings.coalesce) }
            case .retry(let retryAfter):
                failures += 1
                let delay = backoff.delay(afterFailures: failures, unit: random(), retryAfter: retryAfter)
                state.withLock { $0.nextAttemptAt = now().addingTimeInterval(delay.seconds) }
                try? await Task.sleep(for: delay)
                state.withLock { $0.nextAttemptAt = nil }
            }
        }
    }

    /// One batch: usage first (it changes answers), then events.
    func pass(deadline: Duration?) async -> Pass {
        do {
            var records = try store.pendingRecords(.usage, limit: settings.usageBatch)
            if records.isEmpty { records = try store.pendingRecords(.event, limit: settings.eventBatch) }
            guard !records.isEmpty else { return .idle }
            let full = records.count == (records[0].kind == .usage ? settings.usageBatch : settings.eventBatch)
            return await deliver(records, full: full, deadline: deadline)
        } catch {
            logger.error("cannot read the usage outbox", metadata: ["error": "\(error)"])
            return .retry(after: nil)
        }
    }

    /// Sends `records`, splitting on a refusal to isolate the refused ones.
    private func deliver(_ records: [OutboxRecord], full: Bool, deadline: Duration?) async -> Pass {
        var work = [records[...]]
        while let batch = work.popLast() {
            switch await send(Array(batch), deadline: deadline) {
            case .success(let usage):
                let confirmedAt = now()
                do {
                    try store.markSent(Array(batch), usage: usage, now: confirmedAt)
                } catch {
                    logger.error("cannot mark usage delivered", metadata: ["error": "\(error)"])
                    return .retry(after: nil)
                }
                recordSuccess()
                await shareConfirmed(usage, at: confirmedAt)
            case .failure(let error) where Self.refusesRecords(error):
                guard batch.count > 1 else {
                    deadLetter(batch[batch.startIndex], error)
                    continue
                }
                let middle = batch.startIndex + batch.count / 2
                // Popped last-in first-out: the first half goes first, keeping the order.
                work.append(batch[middle...])
                work.append(batch[..<middle])
            case .failure(let error):
                recordFailure(error)
                if case .status(_, _, let retryAfter) = error { return .retry(after: retryAfter) }
                return .retry(after: nil)
            }
        }
        return .delivered(full: full)
    }

    private func send(_ batch: [OutboxRecord], deadline: Duration?) async -> Result<[DeliveredUsage], UpstreamError> {
        await gate?.acquire(.background, budget: .usage)
        defer { gate?.release() }
        let bodies = batch.map(\.body)
        do throws(StoreError) {
            // Before the request leaves: if the answer is lost, the records may still count.
            try store.markAttempted(batch)
        } catch {
            // Nothing was sent; the pass is retried like a transient failure.
            return .failure(.transport("cannot record the send in the outbox: \(error)"))
        }
        do {
            guard batch.first?.kind == .usage else {
                try await client.reportEvents(bodies, deadline: deadline)
                return .success([])
            }
            let measurements = try await client.reportUsage(bodies, deadline: deadline)
            return .success(Self.deliveredUsage(batch, measurements))
        } catch {
            return .failure(error)
        }
    }

    /// Upstream's totals per record. Measurements come in request order; when their count
    /// does not match, each is taken by the ids it names.
    static func deliveredUsage(_ batch: [OutboxRecord], _ measurements: [ReportedUsage]) -> [DeliveredUsage] {
        if measurements.count == batch.count {
            return zip(batch, measurements).compactMap { record, measurement in
                guard let usage = measurement.currentUsage, let featureId = record.featureId else { return nil }
                return DeliveredUsage(key: record.key, featureId: featureId, currentUsage: usage)
            }
        }
        return measurements.compactMap { measurement in
            measurement.currentUsage.map {
                DeliveredUsage(
                    key: StateKey(customerId: measurement.customerId, resourceId: measurement.resourceId),
                    featureId: measurement.featureId, currentUsage: $0)
            }
        }
    }

    /// Answers about the records themselves, which resending cannot change. A 401/403 or 404
    /// is about the key or the URL, not the records: those wait, so fixing the setting
    /// delivers everything.
    static func refusesRecords(_ error: UpstreamError) -> Bool {
        if case .status(let code, _, _) = error { return code == 400 || code == 413 || code == 422 }
        return false
    }

    private func deadLetter(_ record: OutboxRecord, _ error: UpstreamError) {
        logger.error("upstream refused a usage record; moved to dead letters", metadata: [
            "kind": "\(record.kind.rawValue)", "idempotencyKey": "\(record.idempotencyKey)", "reason": "\(error)",
        ])
        do {
            try store.deadLetter(record, reason: error.description, now: now())
        } catch {
            logger.error("cannot move a record to dead letters", metadata: ["error": "\(error)"])
        }
    }

    private func recordSuccess() {
        state.withLock { status in
            status.lastDeliveryAt = now()
            status.consecutiveFailures = 0
        }
    }

    private func recordFailure(_ error: UpstreamError) {
        let failures = state.withLock { status in
            status.lastErrorAt = now()
            status.lastError = error.description
            status.consecutiveFailures += 1
            return status.consecutiveFailures
        }
        logger.log(level: failures == 1 ? .warning : .notice, "usage delivery failed; will retry", metadata: [
            "error": "\(error)", "consecutiveFailures": .stringConvertible(failures),
        ])
    }

    /// Forgets delivered records past the retention window, at most once an hour.
    private func prune() {
        let at = now()
        let due = lastPrune.withLock { last in
            guard last.map({ at.timeIntervalSince($0) >= 3600 }) ?? true else { return false }
            last = at
            return true
        }
        guard due else { return }
        do {
            let removed = try store.pruneOutbox(before: at.addingTimeInterval(-settings.retention.seconds))
            if removed > 0 { logger.info("pruned delivered usage records", metadata: ["count": .stringConvertible(removed)]) }
        } catch {
            logger.error("cannot prune the usage outbox", metadata: ["error": "\(error)"])
        }
    }
}
