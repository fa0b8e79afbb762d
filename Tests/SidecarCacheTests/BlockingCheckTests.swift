import Foundation
import Synchronization
import Testing
@testable import SidecarCache
@testable import SidecarModel

/// The hook the application uses (in debug builds) to trap waits on SQLite from an event
/// loop: every path that waits on the database runs it; the in-memory paths never do.
@Suite("Blocking check on the store")
struct BlockingCheckTests {
    @Test("waiting reads run the check; lookupInMemory, load and intake never wait")
    func hook() throws {
        let (store, _) = try OutboxTests().makeStore()
        try OutboxTests().seed(store)
        try store.loadLazily(origin: .upstream)
        store.evict([OutboxTests.key])
        let waits = Atomic<Int>(0)
        #if DEBUG
        EntitlementStore.setBlockingCheck { waits.add(1, ordering: .relaxed) }
        defer { EntitlementStore.setBlockingCheck(nil) }
        _ = store.lookupInMemory(OutboxTests.key)
        let loaded = DispatchSemaphore(value: 0)
        store.load(OutboxTests.key) { _ in loaded.signal() }
        store.acceptUsage([OutboxTests().record(1)], mode: .forward, now: OutboxTests.now, limit: 10) { _ in loaded.signal() }
        loaded.wait()
        loaded.wait()
        #expect(waits.load(ordering: .relaxed) == 0)
        // The intake left the state's row behind memory, so it stays resident until a flush.
        try store.flushUsage()
        #expect(waits.load(ordering: .relaxed) == 1)
        store.evict([OutboxTests.key])  // on the queue, where usage marks states dirty
        #expect(waits.load(ordering: .relaxed) == 2)
        _ = store.lookup(OutboxTests.key)
        #expect(waits.load(ordering: .relaxed) == 3)
        #endif
    }
}
