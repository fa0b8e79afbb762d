import Synchronization

/// What a handler gives back: a response at once (the hot path: no queue hop, no allocation
/// beyond the response), or a promise to respond later from any thread.
///
/// A deferred responder must be called once. A second call is a programming error: it is
/// dropped, and asserted in debug builds. A call after the server answered the request itself
/// (503 `timeout`, `HTTPServerSettings.handlerTimeout`) is dropped quietly.
public enum HTTPReply: Sendable {
    case now(HTTPResponse)
    case later(@Sendable (_ respond: @escaping @Sendable (HTTPResponse) -> Void) -> Void)
}

/// Called on the connection's event loop; it must not block.
public typealias HTTPHandler = @Sendable (HTTPRequest) -> HTTPReply

/// Decides, once, who answers a deferred request: its handler or the handler timeout. The
/// loser is dropped, so a request never gets two responses. Claims are atomic because the
/// handler answers from any thread while the timeout fires on the loop.
final class ResponderToken: Sendable {
    private let claim = Atomic<UInt8>(ResponderToken.open)
    private static let open: UInt8 = 0
    private static let answered: UInt8 = 1
    private static let timedOut: UInt8 = 2

    enum AnswerClaim: Equatable { case won, duplicate, afterTimeout }

    /// The handler answers.
    func claimAnswer() -> AnswerClaim {
        let (exchanged, previous) = claim.compareExchange(
            expected: ResponderToken.open, desired: ResponderToken.answered, ordering: .acquiringAndReleasing)
        if exchanged { return .won }
        return previous == ResponderToken.timedOut ? .afterTimeout : .duplicate
    }

    /// The timeout answers; false when the handler's answer is already on its way to the loop.
    func claimTimeout() -> Bool {
        claim.compareExchange(
            expected: ResponderToken.open, desired: ResponderToken.timedOut, ordering: .acquiringAndReleasing
        ).exchanged
    }
}
