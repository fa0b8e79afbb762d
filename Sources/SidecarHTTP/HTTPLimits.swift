/// Named limits and timeouts of the HTTP/1.1 server (DESIGN.md §11).
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line (method, target, version) before 414.
    public var maxRequestLineBytes: Int = 8 * 1024
    /// Largest header section (all field lines, trailers included) before 431.
    public var maxHeaderBytes: Int = 16 * 1024
    /// Most header fields (trailers included) before 431.
    public var maxHeaderCount: Int = 100
    /// Largest request body, declared or streamed, before 413.
    public var maxBodyBytes: Int = 1024 * 1024

    public init() {}
}

/// Timeouts and connection cap of the server.
public struct HTTPServerSettings: Sendable {
    /// Time allowed from the first byte of a request to the end of its header section.
    public var headerTimeout: Duration = .seconds(10)
    /// Time a keep-alive connection may sit with nothing to do.
    public var idleTimeout: Duration = .seconds(15)
    /// Time allowed from the end of the headers to the end of the body; also bounds how long a
    /// response may wait for a client that does not read it.
    public var bodyTimeout: Duration = .seconds(10)
    /// Open connections past which new ones are closed at once.
    public var maxConnections: Int = 4096
    /// Serial event loops; defaults to the CPUs this process may run on.
    public var eventLoops: Int = HTTPServerSettings.availableCPUs()
    public var limits = HTTPLimits()
    /// Told about every request refused while framing (413, 414, 431, 400 + close), with its
    /// path when the request line was read: such requests never reach the handler, and the
    /// application may still want to count them per route.
    public var onFramingError: (@Sendable (_ path: Substring?, _ error: HTTPParseError) -> Void)?

    public init() {}
}
