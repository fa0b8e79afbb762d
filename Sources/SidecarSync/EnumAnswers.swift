import Foundation
import SidecarFleet
import SidecarCache
import SidecarModel
import SidecarUpstream
import Synchronization

/// Upstream `/check` answers for ENUM features with `requestedValues`, which a REST state
/// cannot decide locally; kept for one refresh interval (DESIGN.md §11).
final class EnumAnswerCache: Sendable {
    struct Key: Hashable, Sendable {
        var state: StateKey
        var featureId: String
        var values: [String]
        var requestedUsage: Double?
    }

    struct Entry: Sendable {
        var entitlement: Entitlement
        var fetchedAt: Date
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let ttl: TimeInterval
    private let capacity = 10_000

    init(ttl: Duration) {
        self.ttl = ttl.seconds
    }

    static func key(for request: CheckRequest) -> Key? {
        guard case .feature(let featureId) = request.target, let values = request.requestedValues else { return nil }
        return Key(state: request.stateKey, featureId: featureId, values: values.sorted(), requestedUsage: request.requestedUsage)
    }

    func lookup(_ request: CheckRequest, at now: Date) -> Entry? {
        guard let key = Self.key(for: request) else { return nil }
        return entries.withLock { entries in
            guard let entry = entries[key], now.timeIntervalSince(entry.fetchedAt) < ttl else { return nil }
            return entry
        }
    }

    func insert(_ entitlement: Entitlement, for request: CheckRequest, at now: Date) {
        guard let key = Self.key(for: request) else { return }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(entitlement: entitlement, fetchedAt: now)
        }
    }
}

extension SyncEngine {
    /// A cached upstream `/check` answer for this ENUM request, if fresh.
    public func enumAnswer(for request: CheckRequest, at now: Date) -> (Entitlement, Date)? {
        enumAnswers.lookup(request, at: now).map { ($0.entitlement, $0.fetchedAt) }
    }

    /// Asks upstream's `/check`; `completion` gets the entitlement and when it was fetched,
    /// or nil (failed, not allowed, or past the miss deadline), for the caller to fall back.
    public func checkUpstream(_ request: CheckRequest, completion: @escaping @Sendable ((Entitlement, Date)?) -> Void) {
        let once = CallOnce(completion)
        once.call(nil, after: settings.missTimeout)
        Task {
            guard !stopped.load(ordering: .relaxed), health.allowsMiss(at: now()) else { return once.call(nil) }
            await gate.acquire(.miss, budget: .entitlements)
            defer { gate.release() }
            do throws(UpstreamError) {
                let entitlement = try await client.check(request)
                let at = now()
                health.recordSuccess(at: at)
                enumAnswers.insert(entitlement, for: request, at: at)
                once.call((entitlement, at))
            } catch {
                failed(request.stateKey, error)
                once.call(nil)
            }
        }
    }
}
