import Dispatch
import SidecarFleet
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
    private struct State {
        var inUse = 0
        var bucket: TokenBucket
        var misses: [CheckedContinuation<Void, Never>] = []
        var webhooks: [CheckedContinuation<Void, Never>] = []
        var background: [CheckedContinuation<Void, Never>] = []
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
    func acquire(_ priority: CallPriority, budget: FleetBudget?) async {
        await acquire(priority)
        guard let budget, let fleet else { return }
        // The slot is kept while waiting: the fleet's rate is the tighter cap then, and
        // more concurrent waiters would only ask Redis more often.
        while case .wait(let delay) = await fleet.take(budget) {
            try? await Task.sleep(for: delay)
        }
    }

    /// Waits for a slot and a token. Every successful `acquire` must be paired with `release`.
    func acquire(_ priority: CallPriority) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.withLock { state in
                switch priority {
                case .miss: state.misses.append(continuation)
                case .webhook: state.webhooks.append(continuation)
                case .background: state.background.append(continuation)
                }
            }
            pump()
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
                    admitted.append(state.misses.removeFirst())
                } else if !state.webhooks.isEmpty {
                    admitted.append(state.webhooks.removeFirst())
                } else {
                    admitted.append(state.background.removeFirst())
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
