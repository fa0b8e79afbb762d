#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Testing
import SidecarHTTP
import SidecarTestSupport

@Suite("RFC 9112 over a real socket, the error renderer, bind errors, the event-loop guard")
struct HTTPServerRFCTests {
    struct RejectCase: Sendable, CustomStringConvertible {
        let name: String
        let request: String
        let status: Int
        let code: String
        var description: String { name }
    }

    static let rejectCases: [RejectCase] = [
        .init(name: "Host with a space", request: "GET /hello HTTP/1.1\r\nHost: a b\r\n\r\n", status: 400, code: "bad_request"),
        .init(name: "junk after the chunk size", request: "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n", status: 400, code: "bad_request"),
        .init(name: "Transfer-Encoding on HTTP/1.0", request: "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, code: "bad_request"),
        .init(name: "chunked not final", request: "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", status: 400, code: "bad_request"),
        .init(name: "bad character in the target", request: "GET /hel<lo> HTTP/1.1\r\nHost: t\r\n\r\n", status: 400, code: "bad_request"),
        .init(name: "a coding we do not implement", request: "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 501, code: "transfer_encoding_not_supported"),
        .init(name: "HTTP/2.0", request: "GET /hello HTTP/2.0\r\nHost: t\r\n\r\n", status: 505, code: "http_version_not_supported"),
    ]

    @Test("framing rejections answer in the application's error shape, then close", arguments: rejectCases)
    func rejections(_ rejectCase: RejectCase) async throws {
        let server = try makeServer()
        let client = try RawClient(port: server.port)
        try? client.send(rejectCase.request)
        let response = try #require(try client.readResponse())
        #expect(response.status == rejectCase.status)
        #expect(response.header("Connection") == "close")
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.text.hasPrefix(#"{"error":{"code":"\#(rejectCase.code)","message":""#))
        #expect(try client.waitForClose())
        await server.shutdown(grace: .seconds(1))
    }

    @Test("the path is percent-decoded segment by segment before routing; %2F stays inside its segment")
    func percentDecodedRouting() async throws {
        let server = try makeServer()
        let client = try RawClient(port: server.port)
        try client.send("GET /hell%6F HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse()?.text == #"{"hello":"world"}"#)
        try client.send("GET /%6e/%31%32 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse()?.text == #"{"n":"12"}"#)
        try client.send("GET /n/a%2Fb HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse()?.text == #"{"n":"a/b"}"#)
        // As httpx sends an Auth0 id.
        try client.send("GET /n/auth0|123 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse()?.text == #"{"n":"auth0|123"}"#)
        try client.send("GET /hel%2Flo HTTP/1.1\r\nHost: t\r\n\r\n")
        let notFound = try #require(try client.readResponse())
        #expect(notFound.status == 404)
        #expect(notFound.text == #"{"error":{"code":"not_found","message":"no route for /hel%2Flo"}}"#)
        try client.send("DELETE /hell%6F HTTP/1.1\r\nHost: t\r\n\r\n")
        let notAllowed = try #require(try client.readResponse())
        #expect(notAllowed.status == 405)
        #expect(notAllowed.header("Allow") == "GET, HEAD")
        #expect(notAllowed.text.hasPrefix(#"{"error":{"code":"method_not_allowed","#))
        await server.shutdown(grace: .seconds(1))
    }

    @Test("a framework error body is JSON from the application's writer, the message as produced")
    func escapedMessage() async throws {
        let server = try makeServer()
        let client = try RawClient(port: server.port)
        try client.send("GET /no'pe HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try #require(try client.readResponse())
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]]
        #expect(object?["error"]?["message"] == "no route for /no'pe")
        await server.shutdown(grace: .seconds(1))
    }

    @Test("a port in use names the address, the port and the OS reason")
    func portInUse() async throws {
        let first = try makeServer()
        let second = HTTPServer(host: "127.0.0.1", port: first.port, settings: makeSettings()) { _ in .now(HTTPResponse()) }
        let error = #expect(throws: SocketError.self) { try second.start() }
        #expect(error == .system(call: "bind", address: "127.0.0.1:\(first.port)", errno: EADDRINUSE))
        #expect(error?.description == "cannot listen on 127.0.0.1:\(first.port): bind failed: Address already in use (errno \(EADDRINUSE))")
        await first.shutdown(grace: .seconds(1))
    }

    @Test("a Unix socket path taken by a regular file is refused, naming the path")
    func unixPathTaken() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("http-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("taken").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        let server = HTTPServer(host: "127.0.0.1", port: nil, unixSocket: path, settings: makeSettings()) { _ in .now(HTTPResponse()) }
        #expect(throws: SocketError.unixSocket(path: path, reason: "the path exists and is not a socket")) { try server.start() }
    }

    @Test("EventLoopGuard: a handler runs on an event loop, a deferred reply's queue does not")
    func eventLoopGuard() async throws {
        #expect(!EventLoopGuard.isOnEventLoop)
        EventLoopGuard.assertNotOnEventLoop("a test off the loop")
        var router = Router(errorRenderer: testErrorRenderer)
        router.get("/where") { _ in
            let inline = EventLoopGuard.isOnEventLoop
            return .later { respond in
                DispatchQueue.global().async {
                    let deferred = EventLoopGuard.isOnEventLoop
                    respond(HTTPResponse(body: Array("\(inline) \(deferred)".utf8)))
                }
            }
        }
        let routes = router
        let server = HTTPServer(host: "127.0.0.1", port: 0, settings: makeSettings()) { routes.handle($0) }
        try server.start()
        let client = try RawClient(port: server.port)
        try client.send("GET /where HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse()?.text == "true false")
        await server.shutdown(grace: .seconds(1))
    }

    #if DEBUG
    @Test("EventLoopGuard stops a debug build when blocking work runs on a loop")
    func eventLoopGuardAsserts() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var router = Router(errorRenderer: testErrorRenderer)
            router.get("/block") { _ in
                EventLoopGuard.assertNotOnEventLoop("a SQLite query")
                return .now(HTTPResponse())
            }
            let routes = router
            let server = HTTPServer(host: "127.0.0.1", port: 0, settings: makeSettings()) { routes.handle($0) }
            try server.start()
            let client = try RawClient(port: server.port)
            try client.send("GET /block HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readResponse()
            // Reached only if the guard let it pass.
            try await Task.sleep(for: .seconds(5))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("a SQLite query on an HTTP event loop thread"))
    }
    #endif
}
