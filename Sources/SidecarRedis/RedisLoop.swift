#if canImport(Glibc)
import Glibc
#endif

/// The client's thread: owns the socket, the parser and the commands in flight. Nothing
/// here is shared; callers reach it only through `RedisClientCore.shared` and the wake pipe.
final class RedisLoop {
    enum Phase {
        /// No socket; reconnect at `until` (0 at start: at once).
        case backoff(until: UInt64)
        /// TCP (or Unix) connect in progress on `socket`; `remaining` are the addresses left
        /// to try if this one fails.
        case connecting(deadline: UInt64, remaining: ArraySlice<SocketAddress>)
        /// Connected; the handshake (AUTH, SELECT, PING) is the first entry in flight.
        case handshaking
        case connected
    }

    /// Commands written (or about to be) whose replies have not all arrived.
    struct InFlight {
        /// nil for the handshake.
        var submission: Submission?
        var replies: Int
        var deadline: UInt64
        var results: [Result<RESPValue, RedisError>] = []
    }

    let core: RedisClientCore
    let configuration: RedisConfiguration
    var phase: Phase = .backoff(until: 0)
    var socket: Int32 = -1
    var parser: RESPParser
    var output: [UInt8] = []
    var outputSent = 0
    var inFlight: [InFlight] = []
    var inFlightHead = 0
    /// Commands sent while connecting; written once the handshake succeeds.
    var waiting: [Submission] = []
    /// Handshake steps in the order sent, to tell which one failed.
    var handshakeSteps: [String] = []
    /// Mirrors `status.consecutiveFailures`, so a reply needs no lock to check it.
    var consecutiveFailures = 0
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    init(core: RedisClientCore) {
        self.core = core
        configuration = core.configuration
        parser = RESPParser(limits: core.configuration.limits)
    }

    deinit { readBuffer.deallocate() }

    func run() {
        while true {
            let (submissions, stopping) = core.shared.withLock { shared in
                defer { shared.inbox.removeAll(keepingCapacity: true) }
                return (shared.inbox, shared.stopping)
            }
            if stopping {
                closeForShutdown(submissions)
                return
            }
            var now = monotonicNanoseconds()
            for submission in submissions { accept(submission, now: now) }
            if case .backoff(let until) = phase, now >= until { startConnecting(now: now) }
            now = monotonicNanoseconds()
            expire(now: now)
            waitForEvents(timeoutMilliseconds: pollTimeout(now: now))
        }
    }

    private func accept(_ submission: Submission, now: UInt64) {
        switch phase {
        case .connected:
            write(submission)
        case .connecting where consecutiveFailures == 0, .handshaking where consecutiveFailures == 0,
            .backoff(until: ...now) where consecutiveFailures == 0:
            // The first connect: the command waits for it (within its timeout) and, if the
            // connect fails, gets the real reason.
            waiting.append(submission)
        default:
            // Reconnecting after a failure: refused at once rather than each caller paying
            // its timeout against a server that just failed. (Normally refused in `submit`;
            // these were queued before the refusal was published.)
            let error = core.shared.withLock { $0.refusal } ?? .notConnected(lastError: .disconnected("connection lost"))
            submission.completion(Array(repeating: .failure(error), count: submission.replies))
        }
    }

    func write(_ submission: Submission) {
        output.append(contentsOf: submission.bytes)
        inFlight.append(InFlight(submission: submission, replies: submission.replies, deadline: submission.deadline))
        flush()
    }

    /// Writes what the socket takes now; the rest waits for POLLOUT.
    func flush() {
        while outputSent < output.count {
            let n = output.withUnsafeBytes { raw in
                Glibc.send(socket, raw.baseAddress! + outputSent, raw.count - outputSent, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                outputSent += n
            } else if n < 0, errno == EINTR {
                continue
            } else if n < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                breakConnection(.disconnected("write failed: \(String(cString: strerror(errno)))"))
                return
            }
        }
        output.removeAll(keepingCapacity: output.count <= 64 * 1024)
        outputSent = 0
    }

    /// Fails what has run out of time: a command in flight breaks the connection; one still
    /// waiting for a connection fails alone; a connect or handshake past its deadline is
    /// abandoned.
    private func expire(now: UInt64) {
        if inFlightHead < inFlight.count, inFlight[inFlightHead].deadline <= now {
            let head = inFlight[inFlightHead]
            let error: RedisError = head.submission?.timeoutError
                ?? .timeout("handshake with \(configuration.endpoint) unanswered after \(milliseconds(configuration.connectTimeout)) ms")
            breakConnection(error, others: .disconnected("connection closed after an earlier command timed out"), now: now)
            return
        }
        if case .connecting(let deadline, _) = phase, deadline <= now {
            breakConnection(.timeout("connect to \(configuration.endpoint) took longer than \(milliseconds(configuration.connectTimeout)) ms"))
        }
        if waiting.contains(where: { $0.deadline <= now }) {
            let expired = waiting.filter { $0.deadline <= now }
            waiting.removeAll { $0.deadline <= now }
            for submission in expired {
                submission.completion(Array(repeating: .failure(submission.timeoutError), count: submission.replies))
            }
        }
    }

    private func pollTimeout(now: UInt64) -> Int32 {
        var next = UInt64.max
        if inFlightHead < inFlight.count { next = inFlight[inFlightHead].deadline }
        for submission in waiting { next = min(next, submission.deadline) }
        switch phase {
        case .backoff(let until): next = min(next, until)
        case .connecting(let deadline, _): next = min(next, deadline)
        default: break
        }
        if next == .max { return -1 }
        if next <= now { return 0 }
        // Round up: waking a little late is fine, waking early only spins.
        return Int32(min((next - now + 999_999) / 1_000_000, 60_000))
    }

    private func waitForEvents(timeoutMilliseconds: Int32) {
        var fds = [pollfd(fd: core.wakeRead, events: Int16(POLLIN), revents: 0)]
        if socket >= 0 {
            var events = Int16(POLLIN)
            if case .connecting = phase { events = Int16(POLLOUT) }
            if outputSent < output.count { events |= Int16(POLLOUT) }
            fds.append(pollfd(fd: socket, events: events, revents: 0))
        }
        let ready = poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
        guard ready > 0 else { return }
        if fds[0].revents != 0 { drainWakePipe() }
        guard fds.count > 1, fds[1].revents != 0, fds[1].fd == socket else { return }
        let revents = fds[1].revents
        if case .connecting = phase {
            connectProgressed()
            return
        }
        if revents & Int16(POLLOUT) != 0 { flush() }
        if socket >= 0, revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { readReplies() }
    }

    private func drainWakePipe() {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(core.wakeRead, &sink, sink.count) > 0 {}
    }
}
