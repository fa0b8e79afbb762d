#if canImport(Glibc)
import Glibc
#endif
import CSidecarShims
import Synchronization

/// The thread that accepts on one listening socket: it blocks in poll(2) on the listener and a
/// wake fd, so no fd of ours is registered with Dispatch (see `LoopWaiter` for why). It owns
/// the listener once started and closes it when it ends.
final class Acceptor: Sendable {
    /// What to do after a round of accepting.
    enum Next {
        /// Wait until the listener is readable again.
        case wait
        /// Out of descriptors: the listener stays readable, so wait 100 ms before trying again.
        case pause
        /// The server is gone.
        case stop
    }

    private let listener: Int32
    private let wake: Int32
    private let stopping = Atomic<Bool>(false)

    init(listener: Int32) {
        self.listener = listener
        wake = sidecar_wake_create()
    }

    deinit {
        if wake >= 0 { _ = Glibc.close(wake) }
    }

    /// Calls `accept` each time the listener is readable, until stopped.
    func start(accept: @escaping @Sendable () -> Next) {
        startThread(name: "http-accept") { [self] in
            var timeout: Int32 = -1
            while !stopping.load(ordering: .acquiring) {
                // Without a wake fd (out of descriptors at start), poll the stop flag instead.
                let ready = wake >= 0 ? sidecar_wait_either(listener, wake, timeout) : sidecar_wait_either(listener, listener, min(timeout, 100))
                if stopping.load(ordering: .acquiring) { break }
                timeout = -1
                guard ready & 1 != 0 else { continue }
                switch accept() {
                case .wait: continue
                case .pause: timeout = 100
                case .stop: stopping.store(true, ordering: .releasing)
                }
            }
            _ = Glibc.close(listener)
        }
    }

    /// Ends the thread, which then closes the listener.
    func stop() {
        stopping.store(true, ordering: .releasing)
        if wake >= 0 { sidecar_wake_signal(wake) }
    }
}
