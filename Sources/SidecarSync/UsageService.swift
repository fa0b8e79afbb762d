import Foundation
import Logging
import SidecarCache
import SidecarModel
import SidecarUpstream

/// Usage and event intake (DESIGN.md §7): validates, commits to the outbox with its local
/// effect, and wakes the forwarder. Offline, records are applied and deduplicated but never
/// queued.
public final class UsageService: Sendable {
    let store: EntitlementStore
    /// nil in offline mode.
    public let forwarder: UsageForwarder?
    let limit: Int
    let now: @Sendable () -> Date

    /// What an accepted usage request came to, for the response.
    public struct UsageAnswer: Sendable {
        public var inputs: [UsageInput]
        public var acks: [UsageAck]
        public var forwarding: Bool
    }

    public struct EventsAnswer: Sendable {
        public var recordIds: [String]
        public var forwarding: Bool
    }

    /// Why a request was not accepted.
    public enum Refusal: Error, Sendable {
        case invalid(UsageValidationError)
        case full(OutboxError)
        /// SQLite failed; nothing was stored.
        case storage(String)
    }

    /// Online: records are queued and delivered by a forwarder sharing `engine`'s rate cap.
    public init(store: EntitlementStore, client: StiggClient, engine: SyncEngine?, settings: ForwarderSettings,
                logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.store = store
        self.limit = settings.outboxLimit
        self.now = now
        forwarder = UsageForwarder(
            store: store, client: client, settings: settings, gate: engine?.gate, logger: logger, now: now, random: random)
    }

    /// Offline: applied locally, nothing forwarded.
    public init(offlineStore store: EntitlementStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.limit = .max
        self.now = now
        forwarder = nil
    }

    public var isForwarding: Bool { forwarder != nil }

    /// Validates the body at once (a refusal is returned, nothing stored); otherwise commits
    /// the records with the next group and calls `done` on the store's queue once they are
    /// durable. nil means "wait for `done`".
    public func reportUsage(_ body: [UInt8], done: @escaping @Sendable (Result<UsageAnswer, Refusal>) -> Void) -> Refusal? {
        let inputs: [UsageInput]
        do {
            inputs = try UsageInput.parseBatch(body)
        } catch {
            return .invalid(error)
        }
        let forwarding = isForwarding
        store.acceptUsage(inputs, mode: forwarding ? .forward : .localOnly, now: now(), limit: limit) { [self] result in
            done(accepted(result.map { UsageAnswer(inputs: inputs, acks: $0, forwarding: forwarding) }))
        }
        return nil
    }

    /// As `reportUsage`, for `POST /api/v1/events`.
    public func reportEvents(_ body: [UInt8], done: @escaping @Sendable (Result<EventsAnswer, Refusal>) -> Void) -> Refusal? {
        let events: [EventInput]
        do {
            events = try EventInput.parseBatch(body)
        } catch {
            return .invalid(error)
        }
        let forwarding = isForwarding
        store.acceptEvents(events, mode: forwarding ? .forward : .localOnly, now: now(), limit: limit) { [self] result in
            done(accepted(result.map { EventsAnswer(recordIds: $0, forwarding: forwarding) }))
        }
        return nil
    }

    public func counts() -> OutboxCounts { store.outboxCounts() }

    private func accepted<T>(_ result: Result<T, StoreError>) -> Result<T, Refusal> {
        switch result {
        case .success(let answer):
            forwarder?.notify()
            return .success(answer)
        case .failure(.outboxFull(let error)):
            return .failure(.full(error))
        case .failure(let error):
            return .failure(.storage("\(error)"))
        }
    }
}
