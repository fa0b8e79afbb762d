#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HTTPConnection {
    func enqueue(_ response: HTTPResponse, keepAlive: Bool, version: HTTPVersion, isHead: Bool) {
        let start = output.count
        response.serialize(
            into: &output, date: loop.dateCache.current(), keepAlive: keepAlive,
            version: version, bodyOmitted: isHead)
        if let abort = response.abort {
            let bodyBytes = isHead || !response.status.allowsBody ? 0 : response.body.count
            switch abort {
            case .beforeResponse: output.removeSubrange(start...)
            case .afterBodyBytes(let kept): output.removeSubrange((output.count - bodyBytes + min(max(kept, 0), bodyBytes))...)
            }
        }
    }

    /// Writes as much output as the socket takes; writability is watched only while it is full.
    func flush() {
        guard !machine.isClosed else { return }
        let hadOutput = outputSent < output.count
        var progressed = false
        while outputSent < output.count {
            let n = output.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + outputSent, raw.count - outputSent, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                outputSent += n
                progressed = true
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                machine.outputBlocked(progressed: progressed, now: loop.coarseNow)
                return
            } else {
                close()
                return
            }
        }
        if hadOutput {
            output.removeAll(keepingCapacity: output.capacity <= 64 * 1024)
            outputSent = 0
        }
        switch machine.outputDrained(sent: hadOutput, now: loop.coarseNow) {
        case .none: break
        case .close: close()
        case .linger: startLingering()
        }
    }

    /// Sends FIN and drains what the client still sends before closing, so a response that
    /// ends the connection is not destroyed by a reset (RFC 9112 §9.6).
    private func startLingering() {
        shutdown(fd, Int32(SHUT_WR))
        updateInterest()
    }
}
