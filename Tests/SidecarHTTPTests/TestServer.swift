import Dispatch
import Synchronization
import SidecarHTTP
import SidecarModel

/// The application's error shape, as SidecarApp renders it.
let testErrorRenderer: HTTPErrorRenderer = { status, code, message in
    var writer = JSONWriter()
    writer.raw(#"{"error":{"code":"#)
    writer.string(code)
    writer.raw(#","message":"#)
    writer.string(message)
    writer.raw("}}")
    return .json(status, writer.bytes)
}

/// Holds deferred replies until the test releases them, to put a request "in flight".
final class Gate: Sendable {
    private let waiting = Mutex<[@Sendable (HTTPResponse) -> Void]>([])

    func hold(_ respond: @escaping @Sendable (HTTPResponse) -> Void) {
        waiting.withLock { $0.append(respond) }
    }

    var heldCount: Int { waiting.withLock { $0.count } }

    func release(_ response: HTTPResponse) {
        let all = waiting.withLock { list in defer { list = [] }; return list }
        all.forEach { $0(response) }
    }
}


/// A started server on an ephemeral port with test routes.
func makeServer(
    host: String = "127.0.0.1",
    settings: HTTPServerSettings = makeSettings(),
    gate: Gate = Gate()
) throws -> HTTPServer {
    var router = Router(errorRenderer: testErrorRenderer)
    router.get("/hello") { _ in .now(.json(.ok, Array(#"{"hello":"world"}"#.utf8))) }
    router.get("/n/:number") { request in
        .now(.json(.ok, Array("{\"n\":\"\(request.pathParameters["number"] ?? "")\"}".utf8)))
    }
    router.post("/echo") { request in .now(HTTPResponse(status: .ok, body: request.body)) }
    router.get("/abort/none") { _ in
        var response = HTTPResponse(body: Array("never sent".utf8))
        response.abort = .beforeResponse
        return .now(response)
    }
    router.get("/abort/half") { _ in
        var response = HTTPResponse(body: Array("0123456789".utf8))
        response.abort = .afterBodyBytes(5)
        return .now(response)
    }
    router.get("/held") { _ in .later { respond in gate.hold(respond) } }
    router.get("/query") { request in
        do throws(QueryDecodingError) {
            let pairs = try request.queryParameters()
            return .now(HTTPResponse(body: Array(pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&").utf8)))
        } catch {
            return .now(testErrorRenderer(.badRequest, "invalid_parameter", "\(error.parameter) is badly encoded"))
        }
    }
    let routes = router
    let server = HTTPServer(host: host, port: 0, settings: settings) { routes.handle($0) }
    try server.start()
    return server
}

func makeSettings(
    headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(15),
    bodyTimeout: Duration = .seconds(10), handlerTimeout: Duration = .seconds(5), maxConnections: Int = 4096,
    limits: HTTPLimits = HTTPLimits()
) -> HTTPServerSettings {
    var settings = HTTPServerSettings(errorRenderer: testErrorRenderer)
    settings.headerTimeout = headerTimeout
    settings.handlerTimeout = handlerTimeout
    settings.idleTimeout = idleTimeout
    settings.bodyTimeout = bodyTimeout
    settings.maxConnections = maxConnections
    settings.limits = limits
    return settings
}

#if canImport(Glibc)
import Glibc
#endif
