import Foundation
import SidecarCache
import SidecarFleet
import SidecarModel
import Synchronization

/// Stigg webhook intake (DESIGN.md §12): records a delivery and its effect durably, then
/// wakes the engine's webhook refreshes. The answer waits for SQLite, never for upstream.
public final class WebhookService: Sendable {
    /// What became of one authenticated delivery with a valid body.
    public enum Outcome: String, Sendable {
        /// Recorded; the states it names are due (none, if none is cached).
        case applied
        /// Its `messageId` was seen within 24 h: nothing was done again.
        case duplicate
        /// Its type is none the cache acts on, or it names no customer (or the sidecar is offline).
        case ignored
    }

    /// For `/status`; counted since start.
    public struct Counts: Sendable, Equatable {
        public var received = 0
        public var duplicates = 0
        public var ignored = 0
        public var lastReceivedAt: Date?
    }

    let store: EntitlementStore
    let engine: SyncEngine?
    let now: @Sendable () -> Date
    private let tally = Mutex(Counts())

    public init(service: EntitlementService) {
        store = service.store
        engine = service.engine
        now = service.now
    }

    public var counts: Counts { tally.withLock { $0 } }

    /// Records `event` on the store's queue and calls `completion` there once it is durable
    /// (or failed: nothing was recorded, so Stigg's retry will find it new). Safe to call on
    /// an event loop.
    public func receive(_ event: WebhookEvent, completion: @escaping @Sendable (Result<Outcome, StoreError>) -> Void) {
        let at = now()
        guard let engine else {
            // Offline: nothing is fetched, so nothing to refresh or to deduplicate.
            count(.ignored, at: at)
            return completion(.success(.ignored))
        }
        let inFlight: [StateKey]
        switch event.effect {
        case .refreshState(let key):
            engine.forgetNotFound(customerId: key.customerId)
            inFlight = engine.keysInFlight(customerId: key.customerId).filter { $0 == key }
        case .refreshCustomer(let customerId):
            engine.forgetNotFound(customerId: customerId)
            inFlight = engine.keysInFlight(customerId: customerId)
        case .refreshAll:
            inFlight = engine.keysInFlight(customerId: nil)
        case .ignore:
            inFlight = []
        }
        guard let fleet = engine.fleet else {
            return record(event, extraKeys: inFlight, at: at, engine: engine, completion: completion)
        }
        Task {
            // A retry that lands on another sidecar is a duplicate too (DESIGN.md §12); with
            // Redis down the local table still catches retries landing here.
            let claimed = await fleet.claimWebhook(event.messageId)
            if claimed == false {
                count(.duplicate, at: at)
                return completion(.success(.duplicate))
            }
            // States some other sidecar holds are refreshed here too, once for the fleet.
            var extra = inFlight
            switch event.effect {
            case .refreshState(let key):
                if await Self.heldInFleet(key, fleet) { extra.append(key) }
            case .refreshCustomer(let customerId):
                let own = StateKey(customerId: customerId, resourceId: nil)
                if await Self.heldInFleet(own, fleet) { extra.append(own) }
                extra += await fleet.sharedKeys(customerId: customerId) ?? []
            case .refreshAll:
                // Every state the fleet shares, refreshed here once for all (the others take
                // the results from the stream), within this sidecar's caps and the budget.
                extra += await fleet.allSharedKeys() ?? []
            case .ignore:
                break
            }
            var seen = Set<StateKey>()
            extra = extra.filter { seen.insert($0).inserted }
            record(event, extraKeys: extra, at: at, engine: engine) { result in
                if case .failure = result, claimed == true {
                    // Nothing was recorded: Stigg's retry must not be taken for a duplicate.
                    Task { await fleet.unclaimWebhook(event.messageId) }
                }
                completion(result)
            }
        }
    }

    /// Whether the fleet holds something of `key` that a change makes stale: a first read
    /// under way elsewhere (its lease held, nothing shared yet; it may have left before the
    /// change), a shared state, or a shared not-found (the customer may just have been created,
    /// and every sidecar would answer "not found" until the marker expires). The lease is asked
    /// about first: its holder shares before it lets go, so a read finishing in between is
    /// still found.
    private static func heldInFleet(_ key: StateKey, _ fleet: Fleet) async -> Bool {
        if await fleet.leaseHeld(key) == true { return true }
        switch await fleet.read(key, counted: false) {
        case .hit, .notFound: return true
        case .miss, .error: return false
        }
    }

    private func record(
        _ event: WebhookEvent, extraKeys: [StateKey], at: Date, engine: SyncEngine,
        completion: @escaping @Sendable (Result<Outcome, StoreError>) -> Void
    ) {
        store.onQueue { [self] in
            let outcome: Outcome
            do throws(StoreError) {
                switch try store.recordWebhook(event, extraKeys: extraKeys, at: at) {
                case .duplicate: outcome = .duplicate
                case .recorded(let marked):
                    outcome = event.effect == .ignore ? .ignored : .applied
                    if marked > 0 { engine.wakeWebhookRefresh() }
                }
            } catch {
                return completion(.failure(error))
            }
            count(outcome, at: at)
            completion(.success(outcome))
        }
    }

    private func count(_ outcome: Outcome, at: Date) {
        tally.withLock { tally in
            tally.received += 1
            if outcome == .duplicate { tally.duplicates += 1 }
            if outcome == .ignored { tally.ignored += 1 }
            tally.lastReceivedAt = at
        }
    }
}
