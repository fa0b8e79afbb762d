import Dispatch
import Foundation
import SidecarCache
import SidecarFleet
import SidecarModel

/// This sidecar's place in the fleet's change stream (kept in the engine's lock).
struct FleetFollower {
    /// The last entry applied; nil until read from SQLite (or, on a first start, from Redis).
    var position: String?
    var loaded = false
    /// Check whether the position was trimmed away (at start, after Redis failed, after a
    /// full batch: the moments the stream may have run past us).
    var needsCheck = true
    var running = false
    var timer: DispatchSourceTimer?
}

extension SyncEngine {
    static let streamBatch = 512

    /// Reads the change stream every `streamPollInterval` on a global queue, never on an
    /// HTTP event loop. Called by `start`.
    func startFollowingFleet() {
        guard let fleet else { return }
        let interval = Int(fleet.settings.streamPollInterval.seconds * 1e9)
        follower.withLock { follower in
            let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
            timer.schedule(deadline: .now(), repeating: .nanoseconds(interval), leeway: .milliseconds(20))
            timer.setEventHandler { [weak self] in
                guard let self else { return }
                Task { await self.followFleetStream() }
            }
            follower.timer = timer
            timer.resume()
        }
    }

    func stopFollowingFleet() {
        follower.withLock { follower in
            follower.timer?.cancel()
            follower.timer = nil
        }
        fleet?.shutdown()
    }

    /// One round: reads what the stream gained since the position and updates the keys this
    /// sidecar holds from Redis (DESIGN.md §13). Returns at once while another round runs.
    public func followFleetStream() async {
        guard let fleet, !stopped.load(ordering: .relaxed) else { return }
        let begun = follower.withLock { follower in
            if follower.running { return false }
            follower.running = true
            return true
        }
        guard begun else { return }
        defer { follower.withLock { $0.running = false } }
        let namespace = fleet.settings.namespace
        let loaded = follower.withLock { $0.loaded }
        if !loaded {
            let saved = try? store.fleetPosition(namespace: namespace)
            follower.withLock { follower in
                follower.position = saved
                follower.loaded = true
            }
        }
        let (savedPosition, needsCheck) = follower.withLock { ($0.position, $0.needsCheck) }
        var position = savedPosition
        if position == nil || needsCheck {
            guard let info = await fleet.streamInfo() else { return }
            var lost = true
            if let position {
                // Deleted past us (XDEL), or the stream was recreated (a flushed or new Redis).
                lost = Fleet.streamId(info.maxDeletedId, isAfter: position) || Fleet.streamId(position, isAfter: info.lastId)
                // Trimmed: MAXLEN does not move max-deleted-entry-id, so look for the entry
                // itself. Trimming takes the oldest first, so while it is there nothing after
                // it is gone; once it is gone, what came after may be too.
                if !lost, Fleet.streamId(info.lastId, isAfter: position) {
                    guard let present = await fleet.streamContains(position) else { return }
                    lost = !present
                }
            }
            if lost {
                if position != nil { logger.notice("fleet: stream position was trimmed away; revalidating held states against Redis") }
                guard await revalidateHeld(fleet) else { return }
                position = info.lastId
                save(position!, namespace: namespace)
            }
            follower.withLock { $0.needsCheck = false }
        }
        guard let position else { return }
        guard let changes = await fleet.changes(after: position, count: Self.streamBatch) else {
            follower.withLock { $0.needsCheck = true }
            return
        }
        guard let last = changes.last else { return }
        await apply(changes.filter { !$0.own }, fleet: fleet)
        save(last.id, namespace: namespace)
        // A full batch: the stream may be running past us, so look for trimming before the
        // next batch (due at the next tick, 150 ms on).
        if changes.count == Self.streamBatch { follower.withLock { $0.needsCheck = true } }
    }

    private func save(_ position: String, namespace: String) {
        follower.withLock { $0.position = position }
        do {
            try store.setFleetPosition(position, namespace: namespace)
        } catch {
            logger.error("cannot save the fleet stream position", metadata: ["error": "\(error)"])
        }
    }

    /// Updates the held keys the changes name, newest shared copy first. A key held only on
    /// disk is updated there; a key not held is not fetched. A key remembered as not found is
    /// forgotten when a state was shared since (the customer was created): the next check
    /// reads it instead of repeating "not found" until the TTL runs out. At the same
    /// millisecond the state wins, as it does in Redis (`Fleet.interpret`).
    private func apply(_ changes: [FleetChange], fleet: Fleet) async {
        var wanted: [StateKey: FleetChange] = [:]
        var held: [StateKey: Date] = [:]
        let at = now()
        for change in changes {
            if let since = notFound.lookup(change.key, at: at), change.syncedAtMs >= SharedState.milliseconds(since) {
                notFound.remove(change.key)
            }
            if let earlier = wanted[change.key], (earlier.syncedAtMs, earlier.usageAtMs) >= (change.syncedAtMs, change.usageAtMs) { continue }
            let syncedAt: Date? = switch store.lookupInMemory(change.key) {
            case .state(let local): local.origin == .upstream ? local.syncedAt : nil
            case .unloaded: store.heldSyncedAt(change.key)
            case .missing, .resourceNotFound: nil
            }
            if let syncedAt, change.supersedes(localMs: SharedState.localMilliseconds(syncedAt)) {
                wanted[change.key] = change
                held[change.key] = syncedAt
            }
        }
        await refreshFromFleet(Array(wanted.keys), held: held, fleet: fleet)
    }

    /// Every state this sidecar holds, in memory or only on disk, checked against Redis, a page
    /// of keys at a time (never every state in memory at once); false when Redis stopped
    /// answering, and the next round starts over.
    private func revalidateHeld(_ fleet: Fleet) async -> Bool {
        var cursor: StateKey?
        var (checked, updated) = (0, 0)
        while !stopped.load(ordering: .relaxed) {
            let page: [(key: StateKey, syncedAt: Date)]
            do {
                page = try store.heldKeys(after: cursor, limit: Self.streamBatch)
            } catch {
                logger.error("cannot list held states to revalidate", metadata: ["error": "\(error)"])
                return false
            }
            guard let last = page.last else { break }
            let held = Dictionary(page.map { ($0.key, $0.syncedAt) }, uniquingKeysWith: { first, _ in first })
            guard let taken = await refreshFromFleet(page.map(\.key), held: held, fleet: fleet) else { return false }
            checked += page.count
            updated += taken
            cursor = last.key
        }
        logger.notice("fleet: revalidated held states against Redis", metadata: [
            "checked": .stringConvertible(checked), "updated": .stringConvertible(updated),
        ])
        return true
    }

    /// Takes Redis's copy of each key where it supersedes the one held; how many it took,
    /// nil when Redis did not answer. `held` (the sync times read with the keys) skips the
    /// copies that are not newer without asking SQLite again: after a lost position most are
    /// not. The store still compares before it writes, since a fetch may land meanwhile.
    @discardableResult
    private func refreshFromFleet(_ keys: [StateKey], held: [StateKey: Date], fleet: Fleet) async -> Int? {
        guard !keys.isEmpty else { return 0 }
        guard let shared = await fleet.readMany(keys) else { return nil }
        var taken = 0
        for state in shared {
            if let syncedAt = held[state.key], !state.supersedes(localMs: SharedState.localMilliseconds(syncedAt)) { continue }
            do {
                let stored = try store.adoptHeld(state.key, state.state, syncedAt: state.syncedAt) { held in
                    state.supersedes(localMs: SharedState.localMilliseconds(held))
                }
                if stored != nil {
                    notFound.remove(state.key)
                    taken += 1
                }
            } catch {
                logger.error("cannot store shared state", metadata: ["key": "\(state.key)", "error": "\(error)"])
            }
        }
        return taken
    }
}
