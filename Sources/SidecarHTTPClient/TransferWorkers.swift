import CCurl
import Foundation

/// Threads that run transfers, each with its own easy handle and so its own kept-open
/// connection: at most `limit`, started when there is work no idle one can take, ended after
/// `idleTimeout` with nothing to do or when the client goes away. A transfer blocks its
/// thread, which is why these are not Dispatch's or Swift's cooperative pool's threads.
final class TransferWorkers: @unchecked Sendable {
    // @unchecked: every stored var below is read and written only with `condition` locked.
    typealias Job = @Sendable (UnsafeMutableRawPointer?) -> Void

    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var threads = 0
    private var idle = 0
    private var closed = false
    private let limit: Int
    private let idleSeconds: Double

    init(limit: Int, idleTimeout: Duration) {
        self.limit = limit
        idleSeconds = Double(idleTimeout.nanoseconds) / 1e9
    }

    /// Runs `job` on a worker with that worker's handle (nil if libcurl could not make one),
    /// first come first served. True when every worker is busy, so the job waits.
    func submit(_ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        jobs.append(job)
        if jobs.count - head <= idle {
            condition.signal()
            return false
        }
        guard threads < limit else { return true }
        threads += 1
        let thread = Thread { [self] in run() }
        thread.name = "upstream-http"
        thread.start()
        return false
    }

    /// Lets every worker end once the jobs already queued are done.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        let handle = curl_easy_init()
        condition.lock()
        while true {
            if head < jobs.count {
                let job = jobs[head]
                head += 1
                if head == jobs.count {
                    jobs.removeAll(keepingCapacity: true)
                    head = 0
                }
                condition.unlock()
                job(handle)
                condition.lock()
                // Without a handle every job would fail here: end, so the next one starts a
                // worker that tries libcurl again.
                if handle == nil { break }
                continue
            }
            if closed { break }
            idle += 1
            let woken = condition.wait(until: Date(timeIntervalSinceNow: idleSeconds))
            idle -= 1
            if !woken, head == jobs.count { break }
        }
        threads -= 1
        condition.unlock()
        if let handle { curl_easy_cleanup(handle) }
    }
}
