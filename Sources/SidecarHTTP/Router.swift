#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Routes by method and path. Patterns use `:name` segments, percent-decoded into
/// `HTTPRequest.pathParameters`. The path is matched after percent-decoding, segment by segment
/// (`/live%7A` is `/livez`; `%2F` is data inside a segment, never a separator). An unknown path
/// is 404; a known path with another method is 405 with `Allow`; HEAD is served by the GET
/// handler.
public struct Router: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    struct Route: Sendable {
        let pattern: String
        let segments: [Segment]
        let isStatic: Bool
        /// The pattern's UTF-8, compared with a raw path after a length check.
        let bytes: [UInt8]
        /// By method, in the order added; a route has a handful, so a scan comparing the
        /// request's method bytes beats hashing a String for a dictionary.
        var handlers: [MethodHandler]

        /// The handler for the request's method (HEAD falls back to GET), as an index: an
        /// optional closure would be rewrapped in a thunk, allocated per request.
        func handlerIndex(for request: HTTPRequest) -> Int? {
            if let index = handlers.firstIndex(where: { request.hasMethod($0.bytes) }) { return index }
            return request.isHead ? handlers.firstIndex { $0.method == "GET" } : nil
        }
    }

    /// A struct, not a tuple: a closure in a tuple stored in an Array is kept at the generic
    /// abstraction, and taking it out allocated a reabstraction thunk on every request.
    struct MethodHandler: Sendable {
        let method: String
        let bytes: [UInt8]
        var handler: HTTPHandler
    }

    private var routes: [Route] = []
    private let errorRenderer: HTTPErrorRenderer

    /// `errorRenderer` renders the router's own 404, 405 and 400 (bad path escape).
    public init(errorRenderer: @escaping HTTPErrorRenderer) {
        self.errorRenderer = errorRenderer
    }

    public mutating func add(_ method: String, _ pattern: String, _ handler: @escaping HTTPHandler) {
        if let index = routes.firstIndex(where: { $0.pattern == pattern }) {
            if let existing = routes[index].handlers.firstIndex(where: { $0.method == method }) {
                routes[index].handlers[existing].handler = handler
            } else {
                routes[index].handlers.append(MethodHandler(method: method, bytes: Array(method.utf8), handler: handler))
            }
            return
        }
        let segments: [Segment] = pattern.split(separator: "/").map {
            $0.hasPrefix(":") ? .parameter(String($0.dropFirst())) : .literal(String($0))
        }
        let isStatic = !segments.contains { if case .parameter = $0 { true } else { false } }
        routes.append(Route(pattern: pattern, segments: segments, isStatic: isStatic, bytes: Array(pattern.utf8), handlers: [MethodHandler(method: method, bytes: Array(method.utf8), handler: handler)]))
    }

    public mutating func get(_ pattern: String, _ handler: @escaping HTTPHandler) { add("GET", pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping HTTPHandler) { add("POST", pattern, handler) }

    /// The patterns routed, in the order they were added (for per-route metrics).
    public var patterns: [String] { routes.map(\.pattern) }

    public func handle(_ request: HTTPRequest) -> HTTPReply {
        handleReportingRoute(request).reply
    }

    /// Handles `request` and says which route matched, as an index into `patterns` (nil: none
    /// did), so a caller can label what it measures without matching the path a second time
    /// or hashing the pattern.
    public func handleReportingRoute(_ request: HTTPRequest) -> (reply: HTTPReply, route: Int?) {
        switch match(request) {
        case .none:
            return (.now(errorRenderer(.notFound, "not_found", "no route for \(request.path)")), nil)
        case .badParameter(let name):
            return (.now(errorRenderer(.badRequest, "invalid_parameter", "\(name) is not valid percent-encoded UTF-8")), nil)
        case .route(let index, nil):
            return (dispatch(request, to: routes[index]), index)
        case .route(let index, let parameters?):
            var request = request
            request.pathParameters = parameters
            return (dispatch(request, to: routes[index]), index)
        }
    }

    /// The route `request`'s path matches, as an index into `patterns`, without running its
    /// handler (nil: none does).
    public func route(for request: HTTPRequest) -> Int? {
        if case .route(let index, _) = match(request) { return index }
        return nil
    }

    /// The pattern `request`'s path matches, without running its handler (nil: none does).
    public func pattern(for request: HTTPRequest) -> String? {
        route(for: request).map { routes[$0].pattern }
    }

    private func dispatch(_ request: HTTPRequest, to route: Route) -> HTTPReply {
        guard let index = route.handlerIndex(for: request) else {
            var allowed = Set(route.handlers.map(\.method))
            if allowed.contains("GET") { allowed.insert("HEAD") }
            let allow = allowed.sorted().joined(separator: ", ")
            var response = errorRenderer(
                .methodNotAllowed, "method_not_allowed", "\(request.method) is not allowed on \(request.path); use \(allow)")
            response.headers.set("Allow", allow)
            return .now(response)
        }
        return route.handlers[index].handler(request)
    }

    private enum Match {
        case none
        case badParameter(String)
        /// The route's index, and the parameters of a pattern with `:name` segments (nil for a
        /// static one).
        case route(Int, [String: String]?)
    }

    /// Static routes compare the raw path's bytes without splitting it when it has no `%`:
    /// the hot path stays free of allocation and of Strings.
    private func match(_ request: HTTPRequest) -> Match {
        let hit: Int?? = request.pathBytes.withUnsafeBufferPointer { path in
            guard let base = path.baseAddress, memchr(base, Int32(UInt8(ascii: "%")), path.count) == nil else { return nil }
            // Lengths first: most patterns differ in length from the path.
            return routes.firstIndex { route in
                route.isStatic && route.bytes.count == path.count && route.bytes.withUnsafeBufferPointer {
                    // Both hold `path.count` bytes (checked just above), at least one (`base` is not nil).
                    memcmp($0.baseAddress!, base, path.count) == 0
                }
            }
        }
        switch hit {
        case .some(.some(let index)): return .route(index, nil)
        case .some(.none): break
        case .none:
            if let decoded = Router.decodedStaticPath(request.path),
               let index = routes.firstIndex(where: { $0.isStatic && $0.pattern == decoded }) {
                return .route(index, nil)
            }
        }
        let path = request.path
        let parts = path.split(separator: "/")
        candidates: for (index, route) in routes.enumerated() where !route.isStatic && route.segments.count == parts.count {
            var parameters: [String: String] = [:]
            for (segment, part) in zip(route.segments, parts) {
                switch segment {
                case .literal(let literal):
                    if !Router.segment(part, equals: literal) { continue candidates }
                case .parameter(let name):
                    guard let value = PercentDecoding.decode(part, plusIsSpace: false) else {
                        return .badParameter(name)
                    }
                    parameters[name] = value
                }
            }
            return .route(index, parameters)
        }
        return .none
    }

    private static func segment(_ part: Substring, equals literal: String) -> Bool {
        guard part.utf8.contains(UInt8(ascii: "%")) else { return part.utf8.elementsEqual(literal.utf8) }
        return PercentDecoding.decode(part, plusIsSpace: false) == literal
    }

    /// The path with each segment decoded, or nil when a segment has a bad escape or decodes
    /// to a `/` (then it cannot be one of a static pattern's segments).
    private static func decodedStaticPath(_ path: Substring) -> String? {
        var segments: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard let segment = PercentDecoding.decode(part, plusIsSpace: false), !segment.contains("/") else { return nil }
            segments.append(segment)
        }
        return segments.joined(separator: "/")
    }
}
