#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// One client connection.
// @unchecked Sendable: every method and field is used only on `loop.queue`; the one closure
// that leaves the loop (a deferred reply) hops back onto that queue before touching anything.
final class HTTPConnection: @unchecked Sendable {
    /// What the connection is waiting for; each phase has its own timeout.
    enum Phase: Equatable { case idle, head, body, handler, write, linger }

    let fd: Int32
    let loop: EventLoop
    let handler: HTTPHandler
    let onClose: () -> Void
    var parser: HTTPParser
    /// Readiness the loop's poller watches for: reading unless suspended, writing only while
    /// output is blocked.
    var writeArmed = false
    var readSuspended = false
    var output: [UInt8] = []
    var outputSent = 0
    var awaitingResponse = false
    /// No more requests are read; the connection closes once its output is flushed.
    var closeAfterFlush = false
    var lingering = false
    /// Close without the lingering FIN handshake (see `HTTPResponse.abort`).
    var abortAfterFlush = false
    var closed = false
    var phase = Phase.idle
    var phaseStart: UInt64

    /// Output past which no further pipelined request is processed until the client reads.
    static let outputHighWater = 256 * 1024

    init(fd: Int32, loop: EventLoop, handler: @escaping HTTPHandler, onClose: @escaping () -> Void) {
        self.fd = fd
        self.loop = loop
        self.handler = handler
        self.onClose = onClose
        parser = HTTPParser(limits: loop.settings.limits)
        phaseStart = DispatchTime.now().uptimeNanoseconds
    }

    /// Called on the loop queue once the connection is registered.
    func start() {
        if !loop.watch(fd, interest: 1) { close() }
    }

    func updateInterest() {
        guard !closed else { return }
        loop.changeInterest(fd, to: (readSuspended ? 0 : 1) | (writeArmed ? 2 : 0))
    }

    func readable() {
        guard !closed else { return }
        let buffer = loop.readBuffer
        let n = recv(fd, buffer.baseAddress, buffer.count, 0)
        if n > 0 {
            if lingering { return }
            parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            processRequests()
            flush()
        } else if n == 0 {
            peerClosedWrite()
        } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            close()
        }
        updatePhase()
    }

    /// The client half-closed: answer what it already sent, then close.
    private func peerClosedWrite() {
        if lingering || (!awaitingResponse && output.isEmpty && parser.phase == .idle) {
            close()
            return
        }
        closeAfterFlush = true
        suspendReading()
    }

    func processRequests() {
        while !awaitingResponse && !closeAfterFlush && !closed && output.count < HTTPConnection.outputHighWater {
            switch parser.next() {
            case .needMore:
                if parser.pendingContinue {
                    parser.pendingContinue = false
                    output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
                }
                return
            case .error(let error):
                if let observe = loop.settings.onFramingError {
                    observe(parser.head.target.isEmpty ? nil : HTTPRequest.split(target: parser.head.target).0, error)
                }
                let response = HTTPResponse.error(error.status, code: error.code, message: error.message)
                enqueue(response, keepAlive: false, version: .http11, isHead: false)
                return
            case .request(let request):
                dispatch(request)
            }
        }
    }

    private func dispatch(_ request: HTTPRequest) {
        let keepAlive = request.wantsKeepAlive && !loop.draining
        let isHead = request.method == "HEAD"
        switch handler(request) {
        case .now(let response):
            enqueue(response, keepAlive: keepAlive, version: request.version, isHead: isHead)
        case .later(let work):
            awaitingResponse = true
            suspendReading()
            let loop = self.loop
            work { [self] response in
                loop.queue.async { [self] in
                    guard !closed else { return }
                    awaitingResponse = false
                    enqueue(response, keepAlive: keepAlive && !loop.draining, version: request.version, isHead: isHead)
                    processRequests()
                    flush()
                    if !closeAfterFlush { resumeReading() }
                    updatePhase()
                }
            }
        }
    }

    func enqueue(_ response: HTTPResponse, keepAlive: Bool, version: HTTPVersion, isHead: Bool) {
        let start = output.count
        response.serialize(
            into: &output, date: loop.dateCache.current(), keepAlive: keepAlive,
            version: version, bodyOmitted: isHead)
        if !keepAlive {
            closeAfterFlush = true
        }
        if let abort = response.abort {
            let bodyBytes = isHead || !response.status.allowsBody ? 0 : response.body.count
            switch abort {
            case .beforeResponse: output.removeSubrange(start...)
            case .afterBodyBytes(let kept): output.removeSubrange((output.count - bodyBytes + min(max(kept, 0), bodyBytes))...)
            }
            closeAfterFlush = true
            abortAfterFlush = true
        }
    }

    func suspendReading() {
        guard !readSuspended else { return }
        readSuspended = true
        updateInterest()
    }

    func resumeReading() {
        guard readSuspended else { return }
        readSuspended = false
        updateInterest()
    }

    /// Called when the server shuts down: idle connections close now, busy ones after
    /// their current response.
    func drain() {
        if !awaitingResponse && output.isEmpty && parser.phase == .idle {
            close()
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        // Out of the poller before the number can be reused by a new connection.
        loop.unwatch(fd)
        _ = Glibc.close(fd)
        loop.remove(self)
        onClose()
    }
}
