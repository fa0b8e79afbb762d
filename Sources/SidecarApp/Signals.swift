#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

enum Signals {
    /// Suspends until SIGTERM or SIGINT arrives; returns its name.
    static func waitForTermination() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let queue = DispatchQueue(label: "sidecar.signals")
            let once = Once()
            for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
                // The default action would kill the process before the source sees the signal.
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    if once.claim() { continuation.resume(returning: name) }
                }
                source.resume()
                once.keep(source)
            }
        }
    }

    /// Resumes the continuation once, and keeps the signal sources alive meanwhile.
    // @unchecked Sendable: the two fields are never shared: `claimed` is touched only on the
    // serial signal queue, `sources` only by the caller that installs the handlers.
    private final class Once: @unchecked Sendable {
        private var claimed = false
        private var sources: [any DispatchSourceSignal] = []
        func claim() -> Bool {
            defer { claimed = true }
            return !claimed
        }
        func keep(_ source: any DispatchSourceSignal) { sources.append(source) }
    }
}
