/// Named limits of a request (DESIGN.md §11).
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
