#if canImport(Glibc)
import Glibc
#endif
import Dispatch

extension HTTPServer {
    /// Stops accepting, lets in-flight requests finish, closes idle connections, and calls
    /// `completion` when every connection is gone or `grace` has passed (stragglers are
    /// closed then).
    public func shutdown(grace: Duration, completion: @escaping @Sendable () -> Void) {
        state.withLock { state in
            state.shuttingDown = true
            state.onDrained.append(completion)
            // Refuse new connections now; the fds close on the first loop's queue, which
            // watches them.
            state.listeners.forEach { _ = Glibc.shutdown($0, Int32(SHUT_RDWR)) }
            // The socket file goes now: a client must not find a path nobody answers on.
            if !state.listeners.isEmpty, let unixSocket { _ = unlink(unixSocket) }
            let listeners = state.listeners
            state.listeners = []
            if let acceptLoop = loops.first {
                acceptLoop.queue.async { listeners.forEach { acceptLoop.closeListener($0) } }
            }
        }
        shutdownFlag.set()
        for loop in loops {
            loop.queue.async {
                for connection in loop.connections.values { connection.drain() }
            }
        }
        acceptQueue.asyncAfter(deadline: .now() + .nanoseconds(Int(grace.nanoseconds))) { [self] in
            for loop in loops {
                loop.queue.sync {
                    for connection in loop.connections.values { connection.close() }
                }
            }
            fireDrainedIfShuttingDown()
        }
        // Also covers a server with no connections at all.
        acceptQueue.async { [self] in fireDrainedIfShuttingDown() }
    }

    public func shutdown(grace: Duration = .seconds(10)) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            shutdown(grace: grace) { continuation.resume() }
        }
    }
}
