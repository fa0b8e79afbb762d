import Testing
@testable import SidecarHTTP

/// The connection's transitions without a socket: each event, the state it leads to and the
/// action it returns.
@Suite("Connection state machine")
struct ConnectionStateMachineTests {
    static let timeouts = ConnectionStateMachine.Timeouts(
        idle: 15_000, head: 10_000, body: 10_000, handler: 5_000, linger: 2_000, slack: 100)
    static let highWater = 1000

    func machine(at now: UInt64 = 0) -> ConnectionStateMachine {
        ConnectionStateMachine(timeouts: ConnectionStateMachineTests.timeouts, now: now)
    }

    func awaited(keepAlive: Bool = true) -> ConnectionStateMachine.Awaited {
        .init(token: ResponderToken(), keepAlive: keepAlive, isHead: false, version: .http11)
    }

    @Test("a keep-alive request answered inline leaves the connection idle, its idle clock restarted")
    func inlineKeepAlive() {
        var m = machine()
        #expect(m.bytesReceived() == .parse)
        #expect(m.mayStartRequest(outputBytes: 0, highWater: Self.highWater))
        m.answered(keepAlive: true, abort: false, now: 10)
        #expect(m.state == .idle)
        #expect(m.outputDrained(sent: true, now: 20) == .none)
        #expect(m.settle(parser: .idle, outputPending: false, now: 20) == .none)
        #expect(m.state == .idle)
        #expect(m.since == 20)
        #expect(m.timeout(now: 20 + 15_000) == .none)
        #expect(m.timeout(now: 20 + 15_100) == .close)
    }

    @Test("the parser's phase picks the reading state, each with its own clock and timeout")
    func readingStates() {
        var m = machine()
        #expect(m.settle(parser: .head, outputPending: false, now: 5) == .none)
        #expect(m.state == .readingHead)
        #expect(m.since == 5)
        // More bytes of the same head do not restart the header clock.
        #expect(m.settle(parser: .head, outputPending: false, now: 50) == .none)
        #expect(m.since == 5)
        #expect(m.settle(parser: .body, outputPending: false, now: 60) == .none)
        #expect(m.state == .readingBody)
        #expect(m.timeout(now: 60 + 10_099) == .none)
        #expect(m.timeout(now: 60 + 10_100) == .requestTimeout)
        #expect(m.state == .closing(abort: false))
        #expect(m.wantsInput(outputBytes: 0, highWater: Self.highWater) == false)
    }

    @Test("Connection: close and a framing error close after the response, lingering first")
    func closeAfterResponse() {
        var m = machine()
        m.answered(keepAlive: false, abort: false, now: 1)
        #expect(m.state == .closing(abort: false))
        #expect(!m.mayStartRequest(outputBytes: 0, highWater: Self.highWater))
        #expect(m.bytesReceived() == .discard)
        #expect(m.outputDrained(sent: true, now: 2) == .linger)
        #expect(m.state == .lingering)
        #expect(m.wantsInput(outputBytes: 0, highWater: Self.highWater))
        #expect(m.bytesReceived() == .discard)
        #expect(m.inputClosed() == .close)

        var failed = machine()
        failed.framingFailed(now: 1)
        #expect(failed.state == .closing(abort: false))
        #expect(failed.outputDrained(sent: true, now: 2) == .linger)
        #expect(failed.timeout(now: 2 + 2_100) == .close)
    }

    @Test("an aborted response is cut without lingering")
    func abort() {
        var m = machine()
        m.answered(keepAlive: true, abort: true, now: 1)
        #expect(m.state == .closing(abort: true))
        #expect(m.outputDrained(sent: false, now: 1) == .close)
    }

    @Test("a deferred answer is written once: a stale token or a second arrival is ignored")
    func deferredOnce() {
        var m = machine()
        let pending = awaited()
        m.deferred(pending, now: 3)
        #expect(m.state == .awaitingResponse(pending))
        #expect(!m.mayStartRequest(outputBytes: 0, highWater: Self.highWater))
        #expect(!m.wantsInput(outputBytes: 0, highWater: Self.highWater))
        #expect(m.answerArrived(ResponderToken()) == .ignore)
        #expect(m.answerArrived(pending.token) == .write(pending))
        m.answered(keepAlive: pending.keepAlive, abort: false, now: 4)
        #expect(m.state == .idle)
        #expect(m.answerArrived(pending.token) == .ignore)
    }

    @Test("a handler that does not answer in time gets the timeout action; the connection stays usable")
    func handlerTimeout() {
        var m = machine()
        let pending = awaited()
        m.deferred(pending, now: 100)
        #expect(m.timeout(now: 100 + 5_099) == .none)
        #expect(m.timeout(now: 100 + 5_100) == .handlerTimeout(pending))
        // The connection claims the token and answers 503 itself.
        #expect(pending.token.claimTimeout())
        m.answered(keepAlive: true, abort: false, now: 5_200)
        #expect(m.answerArrived(pending.token) == .ignore)
        #expect(m.settle(parser: .idle, outputPending: false, now: 5_200) == .none)
        #expect(m.mayStartRequest(outputBytes: 0, highWater: Self.highWater))
        #expect(pending.token.claimAnswer() == .afterTimeout)
    }

    @Test("the token lets exactly one of handler and timeout answer, and spots a second call")
    func tokenClaims() {
        let answeredFirst = ResponderToken()
        #expect(answeredFirst.claimAnswer() == .won)
        #expect(!answeredFirst.claimTimeout())
        #expect(answeredFirst.claimAnswer() == .duplicate)
        let timedOutFirst = ResponderToken()
        #expect(timedOutFirst.claimTimeout())
        #expect(timedOutFirst.claimAnswer() == .afterTimeout)
        #expect(timedOutFirst.claimAnswer() == .afterTimeout)
    }

    @Test("blocked output: reading goes on below the high-water mark; no progress times out")
    func blockedOutput() {
        var m = machine()
        m.outputBlocked(progressed: false, now: 10)
        #expect(m.state == .writing)
        #expect(m.mayStartRequest(outputBytes: 999, highWater: Self.highWater))
        #expect(!m.mayStartRequest(outputBytes: 1000, highWater: Self.highWater))
        #expect(m.wantsInput(outputBytes: 999, highWater: Self.highWater))
        #expect(!m.wantsInput(outputBytes: 1000, highWater: Self.highWater))
        m.outputBlocked(progressed: true, now: 5_000)
        #expect(m.since == 5_000)
        #expect(m.timeout(now: 5_000 + 10_099) == .none)
        #expect(m.timeout(now: 5_000 + 10_100) == .close)
    }

    @Test("progress on earlier output does not extend a handler's time")
    func progressWhileAwaiting() {
        var m = machine()
        let pending = awaited()
        m.deferred(pending, now: 0)
        m.outputBlocked(progressed: true, now: 4_000)
        #expect(m.since == 0)
        #expect(m.timeout(now: 5_100) == .handlerTimeout(pending))
    }

    @Test("a half-close answers what was received, then closes")
    func halfClose() {
        var idle = machine()
        #expect(idle.inputClosed() == .close)

        var partial = machine()
        _ = partial.settle(parser: .head, outputPending: false, now: 1)
        #expect(partial.inputClosed() == .close)

        var busy = machine()
        let pending = awaited()
        busy.deferred(pending, now: 1)
        #expect(busy.inputClosed() == .finish)
        #expect(!busy.wantsInput(outputBytes: 0, highWater: Self.highWater))
        #expect(busy.answerArrived(pending.token) == .write(pending))
        busy.answered(keepAlive: true, abort: false, now: 2)
        // The answer is still queued: settle waits for it.
        #expect(busy.settle(parser: .idle, outputPending: true, now: 2) == .none)
        #expect(busy.state == .writing)
        #expect(busy.mayStartRequest(outputBytes: 10, highWater: Self.highWater))
        #expect(busy.outputDrained(sent: true, now: 3) == .none)
        #expect(busy.settle(parser: .idle, outputPending: false, now: 3) == .close)

        var closing = machine()
        closing.answered(keepAlive: false, abort: false, now: 1)
        #expect(closing.inputClosed() == .finish)
        // The client already sent FIN: no need to linger for it.
        #expect(closing.outputDrained(sent: true, now: 2) == .close)
    }

    @Test("shutdown closes an idle connection only")
    func shutdown() {
        #expect(machine().closesOnShutdown())
        var busy = machine()
        busy.deferred(awaited(), now: 1)
        #expect(!busy.closesOnShutdown())
        var reading = machine()
        _ = reading.settle(parser: .head, outputPending: false, now: 1)
        #expect(!reading.closesOnShutdown())
    }

    @Test("close happens once and ends every timer")
    func closeOnce() {
        var m = machine()
        let first = m.close(), second = m.close()
        #expect(first)
        #expect(!second)
        #expect(m.isClosed)
        #expect(m.timeout(now: .max) == .none)
        #expect(m.bytesReceived() == .discard)
        #expect(!m.wantsInput(outputBytes: 0, highWater: Self.highWater))
    }
}
