#if canImport(Glibc)
import Glibc
#endif

extension RedisLoop {
    func readReplies() {
        while socket >= 0 {
            let n = recv(socket, readBuffer.baseAddress, readBuffer.count, 0)
            if n > 0 {
                do {
                    try parser.parse(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n])) { reply($0) }
                } catch {
                    breakConnection(configurationRedacted(error))
                    return
                }
                if n < readBuffer.count { return }
            } else if n == 0 {
                breakConnection(.disconnected("the server closed the connection"))
                return
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                breakConnection(.disconnected("read failed: \(String(cString: strerror(errno)))"))
                return
            }
        }
    }

    private func configurationRedacted(_ error: RedisError) -> RedisError {
        if case .protocolError(let text) = error { return .protocolError(configuration.redact(text)) }
        return error
    }

    /// Matches one reply to the oldest command waiting for one.
    private func reply(_ value: RESPValue) {
        guard socket >= 0 else { return }
        guard inFlightHead < inFlight.count else {
            breakConnection(.protocolError("a reply arrived with no command waiting for it"))
            return
        }
        let result: Result<RESPValue, RedisError>
        if case .error(let message) = value {
            result = .failure(.serverError(configuration.redact(message)))
        } else {
            result = .success(value)
        }
        inFlight[inFlightHead].results.append(result)
        guard inFlight[inFlightHead].results.count == inFlight[inFlightHead].replies else { return }
        let done = inFlight[inFlightHead]
        inFlightHead += 1
        if inFlightHead == inFlight.count {
            inFlight.removeAll(keepingCapacity: true)
            inFlightHead = 0
        } else if inFlightHead >= 1024 {
            inFlight.removeFirst(inFlightHead)
            inFlightHead = 0
        }
        if let submission = done.submission {
            if consecutiveFailures != 0 {
                consecutiveFailures = 0
                core.updateStatus { $0.consecutiveFailures = 0 }
            }
            submission.completion(done.results)
        } else {
            finishHandshake(done.results)
        }
    }
}
