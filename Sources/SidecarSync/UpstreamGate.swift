import Dispatch
import SidecarFleet
import SidecarModel
import Synchronization

/// Which queue an upstream call waits in: a request is waiting on a miss, nobody is waiting
/// on a refresh, so misses always go first (DESIGN.md §11); a webhook said a state changed,
/// so its refresh goes before routine ones (DESIGN.md §12).
public enum CallPriority: Sendable {
    case miss
    case webhook
    case background
}

/// Admits upstream calls within the concurrency cap and the token bucket, misses before
/// webhook refreshes before background work, first come first served within each. In fleet
/// mode a call that names a budget also takes a token from the fleet-wide bucket in Redis
/// (DESIGN.md §13); the local caps still apply, and with Redis down only they do.
final class UpstreamGate: Sendable {
    /// A waiting call, and the state it is for when it reads one (so a miss that joins that
    /// read can move it up: `promote`).
    private struct Waiter {
        let key: StateKey?
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var inUse = 0
        var bucket: TokenBucket
        var misses: [Waiter] = []
        var webhooks: [Waiter] = []
        var background: [Waiter] = []
        var timerArmed = false
    }

    private let concurrency: Int
    private let state: Mutex<State>
    let fleet: Fleet?

    init(concurrency: Int, perSecond: Int, fleet: Fleet? = nil) {
        self.concurrency = max(concurrency, 1)
        self.fleet = fleet
        state = Mutex(State(bucket: TokenBucket(perSecond: perSecond, now: UpstreamGate.monotonicSeconds())))
    }

    /// Waits for a slot, a local token and, for a call that names `budget`, a fleet token.
    /// Every `acquire` must be paired with `release`.
    func acquire(_ priority: CallPriority, budget: FleetBudget?, key: StateKey? = nil) async {
        await acquire(priority, key: key)
        guard let budget, let fleet else { return }
        // The slot is kept while waiting: the fleet's rate is the tighter cap then, and
        // more concurrent waiters would only ask Redis more often.
        while case .wait(let delay) = await fleet.take(budget) {
            try? await Task.sleep(for: delay)
        }
    }

    /// Waits for a slot and a token. Every successful `acquire` must be paired with `release`.
    func acquire(_ priority: CallPriority, key: StateKey? = nil) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiter = Waiter(key: key, continuation: continuation)
            state.withLock { state in
                switch priority {
                case .miss: state.misses.append(waiter)
                case .webhook: state.webhooks.append(waiter)
                case .background: state.background.append(waiter)
                }
            }
            pump()
        }
    }

    /// A request now waits on the read of `key`: if that read (a preload's or a refresh's)
    /// still waits in the webhook or background queue, it moves to the end of the misses'
    /// (DESIGN.md §11: misses go before background refreshes). A no-op once it is admitted.
    func promote(_ key: StateKey) {
        state.withLock { state in
            if let index = state.background.firstIndex(where: { $0.key == key }) {
                state.misses.append(state.background.remove(at: index))
            } else if let index = state.webhooks.firstIndex(where: { $0.key == key }) {
                state.misses.append(state.webhooks.remove(at: index))
            }
        }
    }

    func release() {
        state.withLock { $0.inUse -= 1 }
        pump()
    }

    /// Background calls waiting for a slot or a token.
    var queuedBackground: Int { state.withLock { $0.background.count } }

    var queuedMisses: Int { state.withLock { $0.misses.count } }

    private func pump() {
        var admitted: [CheckedContinuation<Void, Never>] = []
        var armTimer: Double?
        state.withLock { state in
            while state.inUse < concurrency, !(state.misses.isEmpty && state.webhooks.isEmpty && state.background.isEmpty) {
                if let wait = state.bucket.take(now: UpstreamGate.monotonicSeconds()) {
                    if !state.timerArmed {
                        state.timerArmed = true
                        armTimer = wait
                    }
                    break
                }
                state.inUse += 1
                if !state.misses.isEmpty {
                    admitted.append(state.misses.removeFirst().continuation)
                } else if !state.webhooks.isEmpty {
                    admitted.append(state.webhooks.removeFirst().continuation)
                } else {
                    admitted.append(state.background.removeFirst().continuation)
                }
            }
        }
        if let wait = armTimer {
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(wait * 1e9) + 1)) { [self] in
                state.withLock { $0.timerArmed = false }
                pump()
            }
        }
        // Resumed outside the lock: a continuation may run inline.
        for continuation in admitted { continuation.resume() }
    }

    static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}
