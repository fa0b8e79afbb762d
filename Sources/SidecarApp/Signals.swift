#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// The self-pipe the signal handler writes to: made before the handler is installed, so the
/// handler only reads an initialised global and calls write(2), both async-signal-safe.
private let terminationPipe: (read: Int32, write: Int32) = {
    var fds: [Int32] = [-1, -1]
    _ = pipe(&fds)
    for fd in fds {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
    }
    return (fds[0], fds[1])
}()

private func recordTerminationSignal(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(terminationPipe.write, &byte, 1)
}

/// SIGTERM and SIGINT, caught from the moment `install` returns, installed before the server
/// listens: a stop sent right after start-up (a Kubernetes pod deleted while starting) is never
/// lost. Our own handler writes the signal to a pipe at once; a Dispatch source reads it
/// whenever it gets to it. (Dispatch's signal sources register their handler later, on its own
/// queue, and the signal had to be ignored meanwhile: one sent in that window was lost.)
// @unchecked Sendable: `source` is written once in `install` and only kept alive after that;
// everything else is behind the Mutex.
final class TerminationSignals: @unchecked Sendable {
    private var source: (any DispatchSourceRead)?
    private let state = Mutex<(received: String?, waiter: CheckedContinuation<String, Never>?)>((nil, nil))

    private init() {}

    static func install() -> TerminationSignals {
        let signals = TerminationSignals()
        let pipe = terminationPipe
        var action = sigaction()
        action.__sigaction_handler.sa_handler = recordTerminationSignal
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for number in [SIGTERM, SIGINT] {
            sigaction(number, &action, nil)
            sigaddset(&wanted, number)
        }
        // A parent may hand down a mask that blocks them (a test runner's thread does).
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
        let source = DispatchSource.makeReadSource(fileDescriptor: pipe.read, queue: DispatchQueue(label: "sidecar.signals"))
        source.setEventHandler { [signals] in
            var byte: UInt8 = 0
            while read(pipe.read, &byte, 1) == 1 {
                signals.received(Int32(byte) == SIGINT ? "SIGINT" : "SIGTERM")
            }
        }
        source.resume()
        signals.source = source
        return signals
    }

    /// Suspends until SIGTERM or SIGINT has arrived (at once if one already did); its name.
    func wait() async -> String {
        await withCheckedContinuation { continuation in
            let already = state.withLock { state -> String? in
                if let received = state.received { return received }
                state.waiter = continuation
                return nil
            }
            if let already { continuation.resume(returning: already) }
        }
    }

    private func received(_ name: String) {
        let waiter = state.withLock { state -> CheckedContinuation<String, Never>? in
            guard state.received == nil else { return nil }
            state.received = name
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: name)
    }
}
