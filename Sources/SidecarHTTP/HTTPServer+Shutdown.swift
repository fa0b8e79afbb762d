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
            // A suspended source must be resumed before it is cancelled and released.
            if state.acceptPaused {
                state.acceptPaused = false
                state.acceptSources.forEach { $0.resume() }
            }
            // Refuse new connections now; the fds themselves close when the sources are
            // cancelled, which happens later on the accept queue.
            state.listeners.forEach { _ = Glibc.shutdown($0, Int32(SHUT_RDWR)) }
            // The socket file goes now: a client must not find a path nobody answers on.
            if !state.listeners.isEmpty, let unixSocket { _ = unlink(unixSocket) }
            state.listeners = []
            state.acceptSources.forEach { $0.cancel() }
            state.acceptSources = []
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
