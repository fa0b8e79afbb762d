#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

extension HTTPConnection {
    /// Writes as much output as the socket takes; a write source is armed only when it is full.
    func flush() {
        guard !closed else { return }
        while outputSent < output.count {
            let n = output.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + outputSent, raw.count - outputSent, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                outputSent += n
                phaseStart = DispatchTime.now().uptimeNanoseconds
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                armWrite()
                return
            } else {
                close()
                return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 64 * 1024)
        outputSent = 0
        disarmWrite()
        if abortAfterFlush {
            close()
        } else if closeAfterFlush {
            startLingering()
        } else if !awaitingResponse && parser.bufferedByteCount > 0 {
            // Pipelined requests held back by the output high-water mark.
            processRequests()
            if !output.isEmpty { flush() }
        }
    }

    func writable() {
        flush()
        updatePhase()
    }

    private func armWrite() {
        guard !writeArmed else { return }
        writeArmed = true
        updateInterest()
    }

    private func disarmWrite() {
        guard writeArmed else { return }
        writeArmed = false
        updateInterest()
    }

    /// Sends FIN and drains what the client still sends before closing, so a response that
    /// ends the connection is not destroyed by a reset (RFC 9112 §9.6).
    func startLingering() {
        guard !lingering, !closed else { return }
        lingering = true
        shutdown(fd, Int32(SHUT_WR))
        resumeReading()
        updatePhase()
    }
}
