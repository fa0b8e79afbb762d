import Dispatch

extension HTTPConnection {
    /// Recomputes the phase after an event; a new phase restarts its clock.
    func updatePhase() {
        guard !closed else { return }
        let next: Phase
        if lingering {
            next = .linger
        } else if awaitingResponse {
            next = .handler
        } else if outputSent < output.count {
            next = .write
        } else {
            switch parser.phase {
            case .idle: next = .idle
            case .head: next = .head
            case .body: next = .body
            }
        }
        if next != phase {
            phase = next
            phaseStart = DispatchTime.now().uptimeNanoseconds
        }
    }

    func timeout(for phase: Phase) -> Duration? {
        let settings = loop.settings
        switch phase {
        case .idle: return settings.idleTimeout
        case .head: return settings.headerTimeout
        case .body, .write: return settings.bodyTimeout
        case .linger: return min(settings.idleTimeout, .seconds(2))
        case .handler: return nil
        }
    }

    func checkDeadline(now: UInt64) {
        guard !closed, let limit = timeout(for: phase) else { return }
        guard now &- phaseStart >= UInt64(limit.nanoseconds) else { return }
        switch phase {
        case .head, .body:
            // The client started a request and stalled: say so, then close.
            closeAfterFlush = true
            suspendReading()
            let response = HTTPResponse.error(.requestTimeout, code: "request_timeout", message: "request not received in time")
            enqueue(response, keepAlive: false, version: .http11, isHead: false)
            flush()
            updatePhase()
        default:
            close()
        }
    }
}
