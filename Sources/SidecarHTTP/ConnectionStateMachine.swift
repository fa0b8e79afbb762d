/// The life of one connection as states and events, in the manner of SwiftNIO's HTTP server
/// pipeline handler: each event the socket, the parser, a handler or the sweep clock produces is
/// a method that moves the state and returns what the connection must do. It owns no socket,
/// reads no clock and touches no queue, so every transition can be tested on its own.
struct ConnectionStateMachine: Sendable {
    enum State: Equatable, Sendable {
        /// Between requests: nothing of the next request has arrived.
        case idle
        /// Part of a request head has arrived.
        case readingHead
        /// The head is complete; part of the body has arrived.
        case readingBody
        /// The socket has not taken every queued response yet; requests already received are
        /// still answered, up to the output high-water mark.
        case writing
        /// A handler answers later. Nothing more is read or answered until it does, which keeps
        /// pipelined responses in order.
        case awaitingResponse(Awaited)
        /// No further request is read: the queued output goes out, then the connection lingers,
        /// or is cut at once when `abort` is set.
        case closing(abort: Bool)
        /// FIN sent; input is read and dropped until the client closes or the linger time ends.
        case lingering
        case closed
    }

    /// The request a handler is answering later, with what its response needs.
    struct Awaited: Equatable, Sendable {
        let token: ResponderToken
        /// What the request asked for; shutdown may still turn it into a close.
        let keepAlive: Bool
        let isHead: Bool
        let version: HTTPVersion

        static func == (a: Awaited, b: Awaited) -> Bool { a.token === b.token }
    }

    /// Every limit in nanoseconds of the loop's coarse clock.
    struct Timeouts: Equatable, Sendable {
        var idle: UInt64
        var head: UInt64
        /// Also bounds how long queued output may make no progress.
        var body: UInt64
        var handler: UInt64
        var linger: UInt64
        /// The coarse clock's resolution: a limit fires only after `limit + slack`, so it is
        /// never early by the time between a clock reading and the event that used it.
        var slack: UInt64
    }

    private(set) var state: State = .idle
    /// When the current state (or its last progress) began, on the coarse clock.
    private(set) var since: UInt64
    /// The client half-closed: what it sent is answered, then the connection closes.
    private(set) var inputEnded = false
    let timeouts: Timeouts

    init(timeouts: Timeouts, now: UInt64) {
        self.timeouts = timeouts
        since = now
    }

    var isClosed: Bool { state == .closed }

    var isReading: Bool {
        switch state {
        case .idle, .readingHead, .readingBody, .writing: true
        default: false
        }
    }

    /// Moves to `next`; a new state starts its clock.
    mutating func enter(_ next: State, now: UInt64) {
        if next != state {
            state = next
            since = now
        }
    }

    /// The current state made progress (a response went out, the socket took bytes).
    mutating func restartClock(now: UInt64) {
        since = now
    }

    // MARK: Input

    enum ReadAction: Equatable { case parse, discard }

    /// Bytes arrived. Once the connection is closing they are dropped unread.
    func bytesReceived() -> ReadAction {
        switch state {
        case .closing, .lingering, .closed: .discard
        default: .parse
        }
    }

    enum EndOfInputAction: Equatable { case close, finish }

    /// The client half-closed. An idle connection, or one holding only part of a request that
    /// can never be completed, closes now; otherwise what was received is answered first.
    mutating func inputClosed() -> EndOfInputAction {
        inputEnded = true
        switch state {
        case .idle, .readingHead, .readingBody, .lingering, .closed: return .close
        case .writing, .awaitingResponse, .closing: return .finish
        }
    }

    /// Whether the poller should watch for input: not while a handler holds the request (order),
    /// not past the output high-water mark (a client that does not read cannot make us buffer
    /// its requests without end), and not once the client has stopped sending.
    func wantsInput(outputBytes: Int, highWater: Int) -> Bool {
        guard !inputEnded else { return false }
        switch state {
        case .lingering: return true
        case .idle, .readingHead, .readingBody, .writing: return outputBytes < highWater
        case .awaitingResponse, .closing, .closed: return false
        }
    }

    // MARK: Requests and responses

    /// Whether the next buffered request may be handled now.
    func mayStartRequest(outputBytes: Int, highWater: Int) -> Bool {
        isReading && outputBytes < highWater
    }

    /// A response was queued for the request at hand (at once, after a deferral, or by a timeout).
    mutating func answered(keepAlive: Bool, abort: Bool, now: UInt64) {
        if abort {
            enter(.closing(abort: true), now: now)
        } else if !keepAlive {
            enter(.closing(abort: false), now: now)
        } else if case .awaitingResponse = state {
            // Provisional: `settle` picks the reading state from the parser and the output.
            enter(.idle, now: now)
        }
    }

    /// The handler will answer later.
    mutating func deferred(_ awaited: Awaited, now: UInt64) {
        enter(.awaitingResponse(awaited), now: now)
    }

    /// The parser failed: its error response is the last thing sent.
    mutating func framingFailed(now: UInt64) {
        enter(.closing(abort: false), now: now)
    }

    enum AnswerAction: Equatable { case write(Awaited), ignore }

    /// A deferred answer reached the loop. Only the request still awaited is answered, so a
    /// response is written once even if the connection closed or timed out meanwhile.
    func answerArrived(_ token: ResponderToken) -> AnswerAction {
        if case .awaitingResponse(let awaited) = state, awaited.token === token { return .write(awaited) }
        return .ignore
    }

    enum SettleAction: Equatable { case none, close }

    /// After an event has been handled: picks the reading state from what the parser holds
    /// and whether output is still queued.
    mutating func settle(parser: HTTPParser.Phase, outputPending: Bool, now: UInt64) -> SettleAction {
        guard isReading else { return .none }
        if inputEnded && !outputPending { return .close }
        let next: State = if outputPending {
            .writing
        } else {
            switch parser {
            case .idle: .idle
            case .head: .readingHead
            case .body: .readingBody
            }
        }
        enter(next, now: now)
        return .none
    }
}
