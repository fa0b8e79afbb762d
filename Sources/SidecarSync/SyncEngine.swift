import Dispatch
import Foundation
import Logging
import SidecarCache
import SidecarFleet
import SidecarModel
import SidecarUpstream
import Synchronization

/// What one fetch of a (customer, resource) state came to.
public enum FetchOutcome: Sendable {
    /// Upstream answered and the state is stored.
    case state(CachedState)
    /// Upstream says the customer (or the resource) does not exist; remembered since `at`.
    case notFound(at: Date)
    /// Upstream failed; last-known-good, if any, is untouched.
    case failed(UpstreamError)
    /// No call was made: the circuit is open or upstream asked us to wait.
    case unavailable
    /// The caller's deadline passed first; the call goes on and still fills the cache.
    case timedOut
}

/// Keeps the cache in sync with Stigg: read-through on a miss with single-flight, a poller for
/// refreshes, preload, backoff and the circuit (DESIGN.md §5). Never overwrites or deletes
/// good data on a failed or malformed answer.
public final class SyncEngine: Sendable {
    public let settings: SyncSettings
    let store: EntitlementStore
    let client: StiggClient
    let health: UpstreamHealth
    let gate: UpstreamGate
    let notFound: NotFoundCache
    let enumAnswers: EnumAnswerCache
    let now: @Sendable () -> Date
    let logger: Logger
    /// One upstream call per key at a time; everyone asking meanwhile waits for its outcome.
    private let flights = Mutex<[StateKey: [CheckedContinuation<FetchOutcome, Never>]]>([:])
    let timers = Mutex<Timers>(Timers())
    /// Webhook refreshes: whether a pass runs, and keys whose refresh failed on their own.
    let webhookPasses = Mutex<WebhookPasses>(WebhookPasses())
    let stopped = Atomic<Bool>(false)
    /// Fleet mode (DESIGN.md §13); nil standalone.
    public let fleet: Fleet?
    /// Where this sidecar stands in the fleet's change stream.
    let follower = Mutex(FleetFollower())

    struct Timers {
        var poll: DispatchSourceTimer?
        var lastPreloadAt: Date?
        var preloading = false
        /// The current or last preload run, for `/status`; nil until one starts.
        var preloadProgress: PreloadProgress?
        var refreshing = false
    }

    public init(
        store: EntitlementStore, client: StiggClient, settings: SyncSettings, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        fleet: Fleet? = nil
    ) {
        self.fleet = fleet
        self.store = store
        self.client = client
        self.settings = settings
        self.logger = logger
        self.now = now
        health = UpstreamHealth(
            backoff: Backoff(base: settings.backoffBase, cap: settings.backoffMax),
            circuitThreshold: settings.circuitThreshold, random: random)
        gate = UpstreamGate(concurrency: settings.upstreamConcurrency, perSecond: settings.upstreamRPS, fleet: fleet)
        notFound = NotFoundCache(ttl: settings.notFoundTTL)
        enumAnswers = EnumAnswerCache(ttl: settings.refreshInterval)
    }

    public var upstreamStatus: UpstreamStatus { health.status }

    /// Whether a miss may go upstream now; if not, it is answered from fallback at once.
    public func allowsMiss(at now: Date) -> Bool { health.allowsMiss(at: now) }

    public var circuitOpen: Bool { health.circuitOpen }

    /// When upstream said `key` does not exist, if that is still to be believed.
    public func notFoundSince(_ key: StateKey, at now: Date) -> Date? { notFound.lookup(key, at: now) }

    /// Read-through for a request: `completion` gets the outcome, or `.timedOut` when the
    /// miss deadline passes first (the call itself goes on and fills the cache).
    public func fetch(_ key: StateKey, completion: @escaping @Sendable (FetchOutcome) -> Void) {
        let once = CallOnce(completion)
        once.call(.timedOut, after: settings.missTimeout)
        Task { once.call(await self.load(key, priority: .miss)) }
    }

    /// Fetches `key` unless a fetch is already under way, in which case it shares that one.
    public func load(_ key: StateKey, priority: CallPriority) async -> FetchOutcome {
        await withCheckedContinuation { continuation in
            let first = flights.withLock { flights in
                if flights[key] != nil {
                    flights[key]!.append(continuation)
                    return false
                }
                flights[key] = [continuation]
                return true
            }
            guard first else {
                // A request now waits on a read a preload or refresh started: it must not wait
                // in their queue.
                if priority == .miss { gate.promote(key) }
                return
            }
            Task {
                let outcome: FetchOutcome
                if priority == .miss, let settled = self.settledMeanwhile(key) {
                    outcome = settled
                } else {
                    outcome = await self.perform(key, priority: priority)
                }
                let waiting = self.flights.withLock { $0.removeValue(forKey: key) ?? [] }
                for waiter in waiting { waiter.resume(returning: outcome) }
            }
        }
    }

    func isInFlight(_ key: StateKey) -> Bool { flights.withLock { $0[key] != nil } }

    /// What a flight that ended just before this one began left behind: it stores its outcome
    /// before it leaves `flights`, so a miss that found no flight to join finds the outcome
    /// here instead of asking upstream a second time (the miss may have spent a while
    /// reading SQLite first).
    private func settledMeanwhile(_ key: StateKey) -> FetchOutcome? {
        if case .state(let cached) = store.lookupInMemory(key) { return .state(cached) }
        if let since = notFound.lookup(key, at: now()) { return .notFound(at: since) }
        return nil
    }

    /// Keys being read right now, of one customer or (nil) of everyone: a webhook marks them
    /// too, since the read may have left before the change.
    func keysInFlight(customerId: String?) -> [StateKey] {
        flights.withLock { flights in flights.keys.filter { customerId == nil || $0.customerId == customerId } }
    }

    /// In fleet mode Redis is asked first: a fresh shared state answers, and the key's lease
    /// decides which sidecar reads upstream while the others wait for its result (§13).
    private func perform(_ key: StateKey, priority: CallPriority) async -> FetchOutcome {
        guard let fleet else { return await performUpstream(key, priority: priority).outcome }
        var lease: FleetLease?
        var lastKnownGood: CachedState?
        switch await fleetFirst(key, priority: priority, fleet: fleet) {
        case .answered(let outcome): return outcome
        case .leased(let held, let older):
            lease = held
            lastKnownGood = older
        case .standalone(let older): lastKnownGood = older
        }
        var (outcome, fetched) = await performUpstream(key, priority: priority)
        // Upstream failed, but Redis had an older copy: a waiting caller gets it (as `stale`).
        if let lastKnownGood, priority == .miss {
            switch outcome {
            case .failed, .unavailable:
                lastKnownGood.markAttemptFailed()
                outcome = .state(lastKnownGood)
            case .state, .notFound, .timedOut:
                break
            }
        }
        // Shared before the lease goes, so a sidecar that then takes the lease (or waits on
        // it) finds the result, a not-found included. Not awaited: the caller waiting on this
        // miss has its answer already.
        Task {
            switch fetched {
            case .state(let shared): await fleet.publish(shared)
            case .notFound(let at): await fleet.publishNotFound(key, at: at, ttl: settings.notFoundTTL)
            case nil: break
            }
            if let lease { await fleet.release(lease) }
        }
        return outcome
    }

    /// What an upstream read gives the fleet.
    enum Shareable: Sendable {
        /// What upstream answered (never the local overlay of unconfirmed usage).
        case state(SharedState)
        case notFound(at: Date)
    }

    /// The upstream read itself, and what of it the fleet gets.
    private func performUpstream(_ key: StateKey, priority: CallPriority) async -> (outcome: FetchOutcome, shared: Shareable?) {
        guard permits(priority) else { return (.unavailable, nil) }
        await gate.acquire(priority, budget: .entitlements, key: key)
        defer { gate.release() }
        // Upstream may have failed, or asked us to wait, while this call queued.
        guard permits(priority) else { return (.unavailable, nil) }
        do {
            let answer = try await client.entitlements(customerId: key.customerId, resourceId: key.resourceId)
            let at = now()
            health.recordSuccess(at: at)
            let outcome = apply(answer, for: key, at: at, priority: priority)
            switch (outcome, answer) {
            case (.state, .state(let state)): return (outcome, .state(SharedState(key: key, state: state, syncedAt: at)))
            case (.notFound(let since), _): return (outcome, .notFound(at: since))
            default: return (outcome, nil)
            }
        } catch {
            failed(key, error)
            return (.failed(error), nil)
        }
    }

    private func permits(_ priority: CallPriority) -> Bool {
        if stopped.load(ordering: .relaxed) { return false }
        // A webhook refresh waits out the backoff like routine work: it is retried until it
        // succeeds, so hammering a failing upstream would gain nothing.
        return priority == .miss ? health.allowsMiss(at: now()) : health.allowsBackground(at: now())
    }

    private func apply(_ answer: EntitlementsAnswer, for key: StateKey, at: Date, priority: CallPriority) -> FetchOutcome {
        switch answer {
        case .state(let state) where state.accessDeniedReason != .customerNotFound:
            do {
                // A caller is waiting on a miss, so memory gets it; a background or webhook
                // refresh of a state nobody has asked about since start-up only updates the disk.
                let cached = try store.put(key, state, origin: .upstream, syncedAt: at, onlyIfResident: priority != .miss && !isListedForPreload(key))
                notFound.remove(key)
                return .state(cached)
            } catch {
                // Not upstream's fault; the old state (if any) still answers.
                logger.error("cannot store state", metadata: ["key": "\(key)", "error": "\(error)"])
                return .failed(.invalidResponse("state could not be stored"))
            }
        case .state, .notFound:
            // Upstream's word that the key is gone is an answer, not a failure: forget it.
            do { try store.remove(key) } catch {
                logger.error("cannot remove state", metadata: ["key": "\(key)", "error": "\(error)"])
            }
            notFound.insert(key, at: at)
            return .notFound(at: at)
        }
    }

    func failed(_ key: StateKey, _ error: UpstreamError) {
        if case .state(let cached) = store.lookup(key) { cached.markAttemptFailed() }
        let counted = health.recordFailure(error, at: now())
        logger.log(level: counted ? .warning : .notice, "upstream call failed", metadata: [
            "key": "\(key)", "error": "\(error)",
        ])
    }
}

/// Calls a completion once: with the outcome or at the deadline, whichever comes first.
final class CallOnce<Value: Sendable>: Sendable {
    private let completion: Mutex<(@Sendable (Value) -> Void)?>

    init(_ completion: @escaping @Sendable (Value) -> Void) {
        self.completion = Mutex(completion)
    }

    /// Calls with `value` once `delay` has passed, unless something else called first.
    func call(_ value: Value, after delay: Duration) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(delay.seconds * 1e9))) { [self] in
            call(value)
        }
    }

    func call(_ value: Value) {
        let pending = completion.withLock { pending in
            defer { pending = nil }
            return pending
        }
        pending?(value)
    }
}
