#if canImport(Glibc)
import Glibc
#endif

extension RedisLoop {
    func startConnecting(now: UInt64) {
        core.updateStatus { $0.state = .connecting }
        // After a failure the refusal stays until the handshake succeeds (see `accept`).
        switch RedisSocket.resolve(configuration.endpoint) {
        case .failure(let error): breakConnection(error)
        case .success(let addresses):
            tryConnect(addresses[...], deadline: now + UInt64(max(0, nanoseconds(configuration.connectTimeout))), lastError: nil)
        }
    }

    /// Tries each resolved address in turn (`localhost` may be ::1 and 127.0.0.1, and the
    /// server may listen on only one of them).
    private func tryConnect(_ addresses: ArraySlice<SocketAddress>, deadline: UInt64, lastError: RedisError?) {
        guard let address = addresses.first else {
            breakConnection(lastError ?? .connectFailed(endpoint: configuration.endpoint.description, reason: "no address"))
            return
        }
        switch RedisSocket.startConnect(address) {
        case .connected(let fd):
            socket = fd
            beginHandshake()
        case .inProgress(let fd):
            socket = fd
            phase = .connecting(deadline: deadline, remaining: addresses.dropFirst())
        case .failed(let code):
            tryConnect(addresses.dropFirst(), deadline: deadline, lastError: RedisSocket.connectError(code, endpoint: configuration.endpoint))
        }
    }

    func connectProgressed() {
        guard case .connecting(let deadline, let remaining) = phase else { return }
        let code = RedisSocket.pendingError(socket)
        if code == 0 {
            beginHandshake()
            return
        }
        close(socket)
        socket = -1
        tryConnect(remaining, deadline: deadline, lastError: RedisSocket.connectError(code, endpoint: configuration.endpoint))
    }

    /// AUTH and SELECT as configured, then PING, pipelined: the connection counts as usable
    /// only once the server has answered all three, so a paused or wedged server is found
    /// before any caller's command is written to it.
    private func beginHandshake() {
        phase = .handshaking
        // Reset here, not when the old connection broke: that can happen inside a parse.
        parser = RESPParser(limits: configuration.limits)
        var commands: [RedisCommand] = []
        handshakeSteps = []
        if let password = configuration.password {
            var auth = RedisCommand(["AUTH"])
            if let username = configuration.username { auth = auth.appending(username) }
            commands.append(auth.appending(password))
            handshakeSteps.append("AUTH")
        }
        if configuration.database != 0 {
            commands.append(["SELECT", String(configuration.database)])
            handshakeSteps.append("SELECT")
        }
        commands.append(["PING"])
        handshakeSteps.append("PING")
        for command in commands { command.encode(into: &output) }
        let deadline = monotonicNanoseconds() + UInt64(max(0, nanoseconds(configuration.connectTimeout)))
        inFlight.append(InFlight(submission: nil, replies: commands.count, deadline: deadline))
        flush()
    }

    func finishHandshake(_ results: [Result<RESPValue, RedisError>]) {
        for (step, result) in zip(handshakeSteps, results) {
            guard case .failure(let error) = result else { continue }
            let message = if case .serverError(let text) = error { text } else { error.description }
            switch step {
            case "AUTH": breakConnection(.authFailed(message))
            case "SELECT": breakConnection(.serverError("SELECT \(configuration.database): \(message)"))
            default:
                // A server that wants a password we were not given answers PING with NOAUTH.
                breakConnection(message.hasPrefix("NOAUTH") ? .authFailed(message) : .serverError("PING: \(message)"))
            }
            return
        }
        guard case .success(let pong) = results.last, pong.string == "PONG" else {
            breakConnection(.protocolError("the server did not answer PING with PONG"))
            return
        }
        phase = .connected
        core.shared.withLock { $0.refusal = nil }
        core.updateStatus { status in
            status.state = .connected
            status.connectedSince = wallClockSeconds()
            status.connects += 1
        }
        let queued = waiting
        waiting = []
        for (index, submission) in queued.enumerated() {
            guard socket < 0 else {
                write(submission)
                continue
            }
            // A write above broke the connection; what is left fails with it.
            let error = core.shared.withLock { $0.refusal } ?? .notConnected(lastError: .disconnected("connection lost"))
            for rest in queued[index...] {
                rest.completion(Array(repeating: .failure(error), count: rest.replies))
            }
            return
        }
    }

    /// Closes the connection, fails everything not answered, and schedules a reconnect.
    /// `others` is what the commands behind the one that failed get (defaults to `error`).
    func breakConnection(_ error: RedisError, others: RedisError? = nil, now: UInt64 = monotonicNanoseconds()) {
        if socket >= 0 {
            close(socket)
            socket = -1
        }
        output.removeAll()
        outputSent = 0
        let delay = configuration.backoff.delay(attempt: consecutiveFailures, random: configuration.random())
        consecutiveFailures += 1
        phase = .backoff(until: now + UInt64(max(0, nanoseconds(delay))))
        // Publish the refusal before completing anything, so a completion that sends again
        // is refused at once instead of queueing behind a dead connection.
        core.shared.withLock { $0.refusal = .notConnected(lastError: error) }
        core.updateStatus { status in
            status.state = .disconnected
            status.lastError = error
            status.lastErrorAt = wallClockSeconds()
            status.connectedSince = nil
            status.consecutiveFailures = consecutiveFailures
        }
        let pending = inFlight[inFlightHead...]
        inFlight = []
        inFlightHead = 0
        let queued = waiting
        waiting = []
        for (index, entry) in pending.enumerated() {
            guard let submission = entry.submission else { continue }
            let failure = index == 0 ? error : entry.deadline <= now ? submission.timeoutError : (others ?? error)
            let rest = Array(repeating: Result<RESPValue, RedisError>.failure(failure), count: entry.replies - entry.results.count)
            submission.completion(entry.results + rest)
        }
        for submission in queued {
            submission.completion(Array(repeating: .failure(error), count: submission.replies))
        }
    }

    func closeForShutdown(_ submissions: [Submission]) {
        if socket >= 0 {
            close(socket)
            socket = -1
        }
        core.updateStatus { $0.state = .closed }
        let pending = inFlight[inFlightHead...].compactMap(\.submission) + waiting + submissions
        inFlight = []
        waiting = []
        for submission in pending {
            submission.completion(Array(repeating: .failure(.closed), count: submission.replies))
        }
    }
}
