import Foundation
import SidecarCache
import SidecarModel
import Synchronization

/// Keys upstream said do not exist (404, or a state-level `CustomerNotFound`), remembered for
/// a short time (DESIGN.md §11: 60 s) so a caller asking about a deleted customer in a loop
/// does not turn every check into an upstream call. Memory only: it is cheap to relearn.
final class NotFoundCache: Sendable {
    private let entries = Mutex<[StateKey: Date]>([:])
    private let ttl: TimeInterval
    /// A bound on memory when callers ask about many unknown ids.
    private let capacity: Int

    init(ttl: Duration, capacity: Int = 100_000) {
        self.ttl = ttl.seconds
        self.capacity = capacity
    }

    /// When upstream said so, if that is recent enough to repeat.
    func lookup(_ key: StateKey, at now: Date) -> Date? {
        entries.withLock { entries in
            guard let recordedAt = entries[key] else { return nil }
            guard now.timeIntervalSince(recordedAt) < ttl else {
                entries[key] = nil
                return nil
            }
            return recordedAt
        }
    }

    func insert(_ key: StateKey, at now: Date) {
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { now.timeIntervalSince($0.value) < ttl }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = now
        }
    }

    func remove(_ key: StateKey) {
        entries.withLock { _ = $0.removeValue(forKey: key) }
    }

    /// Forgets every key of `customerId`: a webhook said something about it changed.
    func removeCustomer(_ customerId: String) {
        entries.withLock { entries in
            for key in entries.keys where key.customerId == customerId { entries[key] = nil }
        }
    }
}
