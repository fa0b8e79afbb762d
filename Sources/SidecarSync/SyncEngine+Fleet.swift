import Foundation
import SidecarCache
import SidecarFleet
import SidecarModel

/// What the fleet said before an upstream read.
enum FleetStep: Sendable {
    /// Redis answered for upstream: a fresh shared state, or the holder's result.
    case answered(FetchOutcome)
    /// This sidecar reads the key for the fleet; the lease goes once the result is shared.
    /// `lastKnownGood` is an older shared state taken on the way, to answer if the read fails.
    case leased(FleetLease, lastKnownGood: CachedState?)
    /// Redis did not answer, or a webhook refresh must read anyway: read upstream alone.
    case standalone(lastKnownGood: CachedState?)
}

extension SyncEngine {
    /// How often a sidecar waiting on another's lease looks for its result.
    static let leasePollInterval: Duration = .milliseconds(20)

    /// Local miss or due refresh → Redis → lease (DESIGN.md §13). A webhook refresh skips the
    /// shared copy (it may predate the change) and does not wait on another holder (whose
    /// read may have left before the change): at most two reads for that key, never a stale one.
    func fleetFirst(_ key: StateKey, priority: CallPriority, fleet: Fleet) async -> FleetStep {
        // What is held, in memory or only on disk (a preloaded state nobody asked for): the one
        // to beat, or an older shared copy or not-found mark would replace newer data.
        var seenMs = store.heldSyncedAt(key).map(SharedState.milliseconds) ?? 0
        // Older than the interval but newer than what is here: last-known-good (DESIGN.md §13),
        // answered `stale` if the upstream read fails.
        var lastKnownGood: CachedState?
        if priority != .webhook {
            switch await fleet.read(key) {
            case .hit(let shared):
                if shared.syncedAtMs > seenMs, let adopted = adopt(shared, priority: priority) {
                    seenMs = shared.syncedAtMs
                    if isFresh(shared) { return .answered(.state(adopted)) }
                    lastKnownGood = adopted
                }
            case .notFound(let at) where SharedState.milliseconds(at) > seenMs:
                return .answered(adoptNotFound(key, at: at))
            case .notFound, .miss:
                break
            case .error:
                return .standalone(lastKnownGood: nil)
            }
        }
        while true {
            switch await fleet.acquireLease(key) {
            case .acquired(let lease, let shared):
                // Shared between our read and the lease: the last holder's result.
                if priority != .webhook, let outcome = settled(key, by: shared, newerThan: seenMs, priority: priority) {
                    Task { await fleet.release(lease) }
                    return .answered(outcome)
                }
                return .leased(lease, lastKnownGood: lastKnownGood)
            case .unavailable: return .standalone(lastKnownGood: lastKnownGood)
            case .heldElsewhere:
                if priority == .webhook { return .standalone(lastKnownGood: nil) }
                switch await awaitHolder(key, newerThan: seenMs, priority: priority, fleet: fleet) {
                case .some(let step): return step
                case .none: continue  // the holder let go without a result: try to take over
                }
            }
        }
    }

    /// Waits for another sidecar's read of `key`: its result, once shared, answers here too.
    /// nil when the lease went without a result (its read failed): the caller may take over.
    /// Past the deadline (the miss deadline, or the lease's length for a refresh) the wait
    /// ends as an upstream failure would; a holder that died releases by expiry.
    private func awaitHolder(_ key: StateKey, newerThan seenMs: Int64, priority: CallPriority, fleet: Fleet) async -> FleetStep? {
        let limit = priority == .miss ? settings.missTimeout : fleet.settings.leaseDuration
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, !stopped.load(ordering: .relaxed) {
            try? await Task.sleep(for: Self.leasePollInterval)
            switch await fleet.read(key, counted: false) {
            case .hit(let shared) where shared.syncedAtMs > seenMs:
                guard let adopted = adopt(shared, priority: priority) else { return .standalone(lastKnownGood: nil) }
                return .answered(.state(adopted))
            case .notFound(let at) where SharedState.milliseconds(at) > seenMs:
                return .answered(adoptNotFound(key, at: at))
            case .error:
                return .standalone(lastKnownGood: nil)
            case .hit, .notFound, .miss:
                switch await fleet.leaseHeld(key) {
                case .some(true): continue
                case .some(false): return nil
                case .none: return .standalone(lastKnownGood: nil)
                }
            }
        }
        return .answered(.unavailable)
    }

    /// Stores a shared state locally as if this sidecar had fetched it at `syncedAt`: memory
    /// gets it when a caller waits on it, like a fetch.
    func adopt(_ shared: SharedState, priority: CallPriority) -> CachedState? {
        do {
            let cached = try store.put(
                shared.key, shared.state, origin: .upstream, syncedAt: shared.syncedAt,
                onlyIfResident: priority != .miss && !isListedForPreload(shared.key))
            notFound.remove(shared.key)
            return cached
        } catch {
            logger.error("cannot store shared state", metadata: ["key": "\(shared.key)", "error": "\(error)"])
            return nil
        }
    }

    /// Takes another sidecar's "not found" as if upstream had said it here at `at`: the local
    /// copy goes and the answer is repeated until the same TTL runs out (DESIGN.md §11).
    func adoptNotFound(_ key: StateKey, at: Date) -> FetchOutcome {
        do { try store.remove(key) } catch {
            logger.error("cannot remove state", metadata: ["key": "\(key)", "error": "\(error)"])
        }
        notFound.insert(key, at: at)
        return .notFound(at: at)
    }

    /// The outcome a shared state or not-found newer than `seenMs` settles, if it does: a
    /// fresh state, or upstream's recent word that the key does not exist.
    private func settled(_ key: StateKey, by read: SharedRead, newerThan seenMs: Int64, priority: CallPriority) -> FetchOutcome? {
        switch read {
        case .hit(let shared) where shared.syncedAtMs > seenMs && isFresh(shared):
            return adopt(shared, priority: priority).map(FetchOutcome.state)
        case .notFound(let at) where SharedState.milliseconds(at) > seenMs:
            return adoptNotFound(key, at: at)
        default:
            return nil
        }
    }

    func isFresh(_ shared: SharedState) -> Bool {
        now().timeIntervalSince(shared.syncedAt) < settings.refreshInterval.seconds
    }
}
