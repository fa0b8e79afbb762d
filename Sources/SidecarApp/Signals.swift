#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// SIGTERM and SIGINT, caught from the moment `install` returns: installed before the server
/// listens, so a stop sent right after start-up (a Kubernetes pod deleted while starting) is
/// never lost between "listening" and the wait.
// @unchecked Sendable: `sources` is written once in `install` and only kept alive after that;
// everything else is behind the Mutex.
final class TerminationSignals: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let state = Mutex<(received: String?, waiter: CheckedContinuation<String, Never>?)>((nil, nil))

    private init() {}

    static func install() -> TerminationSignals {
        let signals = TerminationSignals()
        let queue = DispatchQueue(label: "sidecar.signals")
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            // The default action would kill the process before the source sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [signals] in signals.received(name) }
            source.resume()
            signals.sources.append(source)
        }
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
