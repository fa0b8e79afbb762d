#if canImport(Glibc)
import Glibc
#endif
import CSidecarShims
import Synchronization

/// A loop's epoll instance and the thread of its own that blocks in `epoll_wait` on it, then
/// handles what is ready inside the loop's queue (`queue.sync`, which runs on this thread
/// when the queue is free: no hop to another thread).
///
/// Why not a Dispatch read source on the epoll fd: libdispatch on Linux corrupts its own epoll
/// bookkeeping when fd sources are registered and cancelled on many threads at once
/// (swift-corelibs-libdispatch #949, open), and its manager thread then crashes in
/// `_dispatch_event_loop_drain`. Test runs that start and stop servers by the hundred did, about
/// one run of the fleet suites in thirteen, although every fd was closed only in its source's
/// cancel handler. With no fd of ours registered with Dispatch that cannot happen, and a
/// request no longer pays for the manager thread re-arming the source.
// @unchecked Sendable: `poller` and `wake` are set once; the two buffers are touched only by
// the waiting thread; `stopping` is atomic.
final class LoopWaiter: @unchecked Sendable {
    let poller: Int32
    private let wake: Int32
    private let stopping = Atomic<Bool>(false)
    private let readyFDs: UnsafeMutablePointer<Int32>
    private let readyEvents: UnsafeMutablePointer<UInt32>
    static let batch: Int32 = 256

    init() throws(SocketError) {
        poller = sidecar_poller_create()
        guard poller >= 0 else { throw SocketError.last("epoll_create1") }
        wake = sidecar_wake_create()
        guard wake >= 0, sidecar_poller_add(poller, wake, 1) == 0 else {
            let error = SocketError.last("eventfd")
            if wake >= 0 { _ = Glibc.close(wake) }
            _ = Glibc.close(poller)
            throw error
        }
        readyFDs = .allocate(capacity: Int(LoopWaiter.batch))
        readyEvents = .allocate(capacity: Int(LoopWaiter.batch))
    }

    /// Closed here, when neither the loop nor the thread holds the waiter any more.
    deinit {
        _ = Glibc.close(wake)
        _ = Glibc.close(poller)
        readyFDs.deallocate()
        readyEvents.deallocate()
    }

    /// Starts the thread. `handle` gets each batch of ready fds with their readiness; it
    /// returns false when there is no loop left to handle them, which ends the thread.
    func start(name: String, handle: @escaping @Sendable (UnsafePointer<Int32>, UnsafePointer<UInt32>, Int) -> Bool) {
        startThread(name: name) { [self] in
            while !stopping.load(ordering: .acquiring) {
                let count = Int(sidecar_poller_wait(poller, readyFDs, readyEvents, LoopWaiter.batch, -1))
                if stopping.load(ordering: .acquiring) { break }
                guard count > 0 else { continue }
                guard handle(readyFDs, readyEvents, count) else { break }
            }
        }
    }

    /// Ends the thread at its next wakeup, which this causes.
    func stop() {
        stopping.store(true, ordering: .releasing)
        sidecar_wake_signal(wake)
    }
}

/// A detached thread running `body`: a plain pthread, as SidecarHTTP does without Foundation.
func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box {
        sidecar_name_thread(name)
        body()
    }).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(&thread, nil, { context in
        Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
        return nil
    }, context)
    precondition(created == 0, "cannot start the \(name) thread (error \(created))")
    pthread_detach(thread)
}
