#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// One client connection: drives `ConnectionStateMachine` with what the socket, the parser,
/// the handler and the sweep report, and carries out the actions it returns.
// @unchecked Sendable: every method and field is used only on `loop.queue`; the one closure
// that leaves the loop (a deferred reply) hops back onto that queue before touching anything.
final class HTTPConnection: @unchecked Sendable {
    let fd: Int32
    let loop: EventLoop
    let handler: HTTPHandler
    let onClose: () -> Void
    // @exclusivity(unchecked): the runtime's exclusivity check on these fields cost ~20 calls
    // (~1,700 instructions) per request. It is safe to skip: they are used only on
    // `loop.queue`, one event at a time, and no access to a field overlaps another access to
    // the same field (the parser, the state machine and the response serializer reach no
    // connection; a handler cannot reach it either, and a deferred answer comes back through
    // `loop.queue.async`, never from inside an access).
    @exclusivity(unchecked) var parser: HTTPParser
    @exclusivity(unchecked) var machine: ConnectionStateMachine
    @exclusivity(unchecked) var output: [UInt8] = []
    @exclusivity(unchecked) var outputSent = 0
    /// What the poller watches for (1 readable, 2 writable), so only a change costs a syscall.
    @exclusivity(unchecked) var interest: UInt32 = 1

    /// Output past which no further pipelined request is read or handled until the client reads.
    static let outputHighWater = 256 * 1024

    init(fd: Int32, loop: EventLoop, handler: @escaping HTTPHandler, onClose: @escaping () -> Void) {
        self.fd = fd
        self.loop = loop
        self.handler = handler
        self.onClose = onClose
        parser = HTTPParser(limits: loop.settings.limits)
        machine = ConnectionStateMachine(timeouts: loop.timeouts, now: loop.coarseNow)
    }

    var isClosed: Bool { machine.isClosed }

    /// Called on the loop queue once the connection is registered.
    func start() {
        if !loop.watch(fd, interest: interest) { close() }
    }

    func readable() {
        guard !machine.isClosed else { return }
        let buffer = loop.readBuffer
        let n = recv(fd, buffer.baseAddress, buffer.count, 0)
        if n > 0 {
            guard machine.bytesReceived() == .parse else { return }
            parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            serve()
        } else if n == 0 {
            switch machine.inputClosed() {
            case .close: close()
            case .finish: serve()
            }
        } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            close()
        }
    }

    func writable() {
        serve()
    }

    /// After every event: answers what is buffered, sends what the socket takes, and settles
    /// the state and the poller's interest.
    func serve() {
        processRequests()
        flush()
        guard !machine.isClosed else { return }
        let settled = machine.settle(parser: parser.phase, outputPending: outputSent < output.count, now: loop.coarseNow)
        if settled == .close {
            close()
            return
        }
        updateInterest()
    }

    private func processRequests() {
        while machine.mayStartRequest(outputBytes: output.count, highWater: HTTPConnection.outputHighWater) {
            switch parser.next() {
            case .needMore:
                if parser.pendingContinue {
                    parser.pendingContinue = false
                    output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
                }
                return
            case .error(let error):
                machine.framingFailed(now: loop.coarseNow)
                if let observe = loop.settings.onFramingError {
                    observe(parser.currentPath, error)
                }
                let response = loop.settings.errorRenderer(error.status, error.code, error.message)
                enqueue(response, keepAlive: false, version: .http11, isHead: false)
                return
            case .request(let request):
                dispatch(request)
            }
        }
    }

    private func dispatch(_ request: HTTPRequest) {
        let keepAlive = request.wantsKeepAlive
        let isHead = request.isHead
        switch handler(request) {
        case .now(let response):
            respond(response, keepAlive: keepAlive, version: request.version, isHead: isHead)
        case .later(let work):
            let token = ResponderToken()
            let awaited = ConnectionStateMachine.Awaited(token: token, keepAlive: keepAlive, isHead: isHead, version: request.version)
            machine.deferred(awaited, now: loop.coarseNow)
            let queue = loop.queue
            work { [self] response in
                switch token.claimAnswer() {
                case .won:
                    queue.async { [self] in answerArrived(token, response) }
                case .afterTimeout:
                    // The 503 already went out; this late answer has nobody to go to.
                    break
                case .duplicate:
                    assertionFailure("a deferred HTTP responder was called twice; the second response is dropped")
                }
            }
        }
    }

    private func answerArrived(_ token: ResponderToken, _ response: HTTPResponse) {
        guard case .write(let awaited) = machine.answerArrived(token) else { return }
        respond(response, keepAlive: awaited.keepAlive, version: awaited.version, isHead: awaited.isHead)
        serve()
    }

    /// Queues the response to the request at hand; once shutdown began it closes the connection.
    private func respond(_ response: HTTPResponse, keepAlive: Bool, version: HTTPVersion, isHead: Bool) {
        let keepAlive = keepAlive && !loop.draining
        enqueue(response, keepAlive: keepAlive, version: version, isHead: isHead)
        machine.answered(keepAlive: keepAlive, abort: response.abort != nil, now: loop.coarseNow)
    }

    /// Called by the loop's sweep.
    func checkDeadline(now: UInt64) {
        switch machine.timeout(now: now) {
        case .none:
            return
        case .close:
            close()
        case .requestTimeout:
            let response = loop.settings.errorRenderer(.requestTimeout, "request_timeout", "request not received in time")
            enqueue(response, keepAlive: false, version: .http11, isHead: false)
            serve()
        case .handlerTimeout(let awaited):
            // Lost to an answer already on its way to this queue: that one is written instead.
            guard awaited.token.claimTimeout() else { return }
            loop.counters.handlerTimeouts.add(1, ordering: .relaxed)
            respond(loop.handlerTimeoutResponse(), keepAlive: awaited.keepAlive, version: awaited.version, isHead: awaited.isHead)
            serve()
        }
    }

    func updateInterest() {
        guard !machine.isClosed else { return }
        let reading = machine.wantsInput(outputBytes: output.count, highWater: HTTPConnection.outputHighWater)
        let wanted: UInt32 = (reading ? 1 : 0) | (outputSent < output.count ? 2 : 0)
        guard wanted != interest else { return }
        interest = wanted
        loop.changeInterest(fd, to: wanted)
    }

    /// Called when the server shuts down: idle connections close now, busy ones after
    /// their current response.
    func drain() {
        if machine.closesOnShutdown() { close() }
    }

    func close() {
        guard machine.close() else { return }
        // Out of the poller before the number can be reused by a new connection.
        loop.unwatch(fd)
        _ = Glibc.close(fd)
        loop.remove(self)
        onClose()
    }
}
