/// The output, timer and shutdown events of a connection.
extension ConnectionStateMachine {
    /// Output is waiting for the socket; `progressed` if some of it was taken just now.
    mutating func outputBlocked(progressed: Bool, now: UInt64) {
        switch state {
        case .idle, .readingHead, .readingBody: enter(.writing, now: now)
        case .writing, .closing: if progressed { restartClock(now: now) }
        default: break
        }
    }

    enum DrainedAction: Equatable { case none, close, linger }

    /// Everything queued has been sent (`sent`: there was something to send).
    mutating func outputDrained(sent: Bool, now: UInt64) -> DrainedAction {
        switch state {
        case .closing(abort: true):
            return .close
        case .closing(abort: false):
            if inputEnded { return .close }
            enter(.lingering, now: now)
            return .linger
        case .idle, .writing:
            // A response went out: the idle time counts from here.
            if sent { restartClock(now: now) }
            return .none
        default:
            return .none
        }
    }

    // MARK: Time and shutdown

    enum TimeoutAction: Equatable { case none, close, requestTimeout, handlerTimeout(Awaited) }

    /// Called by the loop's sweep with its clock reading.
    mutating func timeout(now: UInt64) -> TimeoutAction {
        let limit: UInt64
        switch state {
        case .idle: limit = timeouts.idle
        case .readingHead: limit = timeouts.head
        case .readingBody, .writing, .closing: limit = timeouts.body
        case .awaitingResponse: limit = timeouts.handler
        case .lingering: limit = timeouts.linger
        case .closed: return .none
        }
        guard now &- since >= limit &+ timeouts.slack else { return .none }
        switch state {
        case .readingHead, .readingBody:
            // The client started a request and stalled: say so, then close.
            enter(.closing(abort: false), now: now)
            return .requestTimeout
        case .awaitingResponse(let awaited):
            // The connection answers 503 if the handler has not answered meanwhile.
            return .handlerTimeout(awaited)
        default:
            return .close
        }
    }

    /// Shutdown began: an idle connection closes now, a busy one after its response.
    func closesOnShutdown() -> Bool { state == .idle }

    /// Returns false when the connection was already closed.
    mutating func close() -> Bool {
        guard state != .closed else { return false }
        enter(.closed, now: since)
        return true
    }
}
