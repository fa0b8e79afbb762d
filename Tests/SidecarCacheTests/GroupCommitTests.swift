import Dispatch
import Foundation
import Synchronization
import Testing
@testable import SidecarCache
@testable import SidecarModel

/// Usage intake commits in groups: requests arriving while a transaction commits go into the
/// next one, each answered once its own group is durable.
@Suite("Group commit of usage intake")
struct GroupCommitTests {
    let outbox = OutboxTests()

    /// Holds the store's queue until `release` is called, so requests pile up behind it.
    func holdQueue(_ store: EntitlementStore) -> @Sendable () -> Void {
        let held = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        store.onQueue {
            entered.signal()
            held.wait()
        }
        entered.wait()
        return { held.signal() }
    }

    @Test("requests that arrive during a commit share the next transaction; each is answered")
    func grouped() throws {
        let (store, _) = try outbox.makeStore()
        try outbox.seed(store)
        let before = store.intake.withLock { $0.groupsCommitted }
        let release = holdQueue(store)
        let answers = Mutex<[Int: Result<[UsageAck], StoreError>]>([:])
        let done = DispatchGroup()
        for index in 0..<8 {
            done.enter()
            store.acceptUsage([outbox.record(1, key: "k\(index)")], mode: .forward, now: OutboxTests.now, limit: 100) { result in
                answers.withLock { $0[index] = result }
                done.leave()
            }
        }
        #expect(answers.withLock { $0.isEmpty }, "nothing is answered before its commit")
        release()
        done.wait()
        #expect(store.intake.withLock { $0.groupsCommitted } - before == 1)
        let acks = try answers.withLock { $0 }.sorted { $0.key < $1.key }.map { try $0.value.get() }
        #expect(acks.map { $0.first?.currentUsage } == (11...18).map { Double($0) })
        #expect(store.outboxCounts().pending == 8)
        #expect(outbox.usage(of: store) == 18)
    }

    @Test("a request refused inside a group (outbox full) changes nothing; the others commit")
    func refusalIsolated() throws {
        let (store, _) = try outbox.makeStore()
        try outbox.seed(store)
        let release = holdQueue(store)
        let results = Mutex<[String: Result<[UsageAck], StoreError>]>([:])
        let done = DispatchGroup()
        for (name, count) in [("a", 2), ("big", 3), ("b", 1)] {
            done.enter()
            let records = (0..<count).map { outbox.record(1, key: "\(name)\($0)") }
            store.acceptUsage(records, mode: .forward, now: OutboxTests.now, limit: 4) { result in
                results.withLock { $0[name] = result }
                done.leave()
            }
        }
        release()
        done.wait()
        let final = results.withLock { $0 }
        #expect((try? final["a"]?.get())?.count == 2)
        #expect((try? final["b"]?.get())?.count == 1)
        #expect(final["big"].map { if case .failure(.outboxFull(.full(limit: 4, pending: 2))) = $0 { true } else { false } } == true)
        #expect(store.outboxCounts().pending == 3)
        #expect(try store.pendingRecords(.usage, limit: 10).map(\.idempotencyKey) == ["a0", "a1", "b0"])
        #expect(outbox.usage(of: store) == 13)
    }
}
