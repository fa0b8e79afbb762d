/// What a handler gives back: a response at once (the hot path: no queue hop, no allocation
/// beyond the response), or a promise to respond later from any thread.
public enum HTTPReply: Sendable {
    case now(HTTPResponse)
    case later(@Sendable (_ respond: @escaping @Sendable (HTTPResponse) -> Void) -> Void)
}

/// Called on the connection's event loop; it must not block.
public typealias HTTPHandler = @Sendable (HTTPRequest) -> HTTPReply
