/// Renders the errors the server and the router produce themselves (framing 400, 404, 405,
/// 408, 413, 414, 431, 501, 503 `timeout`, 505) in the application's error shape. SidecarHTTP
/// writes no JSON of its own: the application owns the one JSON writer. Called only when such
/// an error is answered, never on a successful request.
public typealias HTTPErrorRenderer = @Sendable (_ status: HTTPStatus, _ code: String, _ message: String) -> HTTPResponse

/// Timeouts, limits and the connection cap of the server.
public struct HTTPServerSettings: Sendable {
    /// Time allowed from the first byte of a request to the end of its header section.
    public var headerTimeout: Duration = .seconds(10)
    /// Time a keep-alive connection may sit with nothing to do.
    public var idleTimeout: Duration = .seconds(15)
    /// Time allowed from the end of the headers to the end of the body; also bounds how long a
    /// response may wait for a client that does not read it.
    public var bodyTimeout: Duration = .seconds(10)
    /// Time a handler that answers later has before the server answers 503 `timeout` for it
    /// (the connection stays open; the handler's late answer is dropped).
    public var handlerTimeout: Duration = .seconds(5)
    /// Open connections past which new ones are closed at once.
    public var maxConnections: Int = 4096
    /// Serial event loops; defaults to the CPUs this process may run on.
    public var eventLoops: Int = HTTPServerSettings.availableCPUs()
    public var limits = HTTPLimits()
    public var errorRenderer: HTTPErrorRenderer
    /// Told about every request refused while framing (413, 414, 431, 400 + close), with its
    /// path when the request line was read: such requests never reach the handler, and the
    /// application may still want to count them per route.
    public var onFramingError: (@Sendable (_ path: Substring?, _ error: HTTPParseError) -> Void)?

    public init(errorRenderer: @escaping HTTPErrorRenderer) {
        self.errorRenderer = errorRenderer
    }
}
