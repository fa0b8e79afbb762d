import Dispatch
import Synchronization
import Testing
import SidecarHTTP
import SidecarTestSupport

@Suite("Deferred answers: the handler timeout and exactly one response, live on port 0")
struct HandlerTimeoutTests {
    @Test("a handler that never answers gets 503 timeout; the connection stays usable, pipelined requests keep their order, the late answer is dropped")
    func timeoutThenKeepAlive() async throws {
        let gate = Gate()
        let server = try makeServer(settings: makeSettings(handlerTimeout: .milliseconds(200)), gate: gate)
        let client = try RawClient(port: server.port)
        let start = DispatchTime.now().uptimeNanoseconds
        try client.send("GET /held HTTP/1.1\r\nHost: t\r\n\r\nGET /n/2 HTTP/1.1\r\nHost: t\r\n\r\n")
        let timedOut = try #require(try client.readResponse())
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(timedOut.status == 503)
        #expect(timedOut.text == #"{"error":{"code":"timeout","message":"the request was not answered within 200ms"}}"#)
        #expect(timedOut.header("Content-Type") == "application/json")
        #expect(timedOut.header("Connection") == nil)
        #expect(elapsed >= 0.2 && elapsed < 3, "answered after \(elapsed) s")
        #expect(try client.readResponse()?.text == #"{"n":"2"}"#)
        #expect(server.handlerTimeoutCount == 1)

        // The handler answers at last: nothing is written for it.
        #expect(gate.heldCount == 1)
        gate.release(HTTPResponse(body: Array("late".utf8)))
        try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse()?.text == #"{"hello":"world"}"#)
        #expect(server.connectionCount == 1)
        client.shutdownWrite()
        #expect(try client.readResponse() == nil)
        await server.shutdown(grace: .seconds(1))
    }

    @Test("a timed-out HEAD announces the body it omits; Connection: close still closes")
    func timeoutHeadAndClose() async throws {
        let gate = Gate()
        let server = try makeServer(settings: makeSettings(handlerTimeout: .milliseconds(100)), gate: gate)
        let head = try RawClient(port: server.port)
        try head.send("HEAD /held HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let headResponse = try #require(try head.readResponse(hasBody: false))
        #expect(headResponse.status == 503)
        #expect(Int(headResponse.header("Content-Length") ?? "") ?? 0 > 0)
        #expect(try head.readResponse()?.text == #"{"hello":"world"}"#)

        let closing = try RawClient(port: server.port)
        try closing.send("GET /held HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let response = try #require(try closing.readResponse())
        #expect(response.status == 503)
        #expect(response.header("Connection") == "close")
        #expect(try closing.waitForClose())
        gate.release(HTTPResponse())
        await server.shutdown(grace: .seconds(1))
    }

    @Test("answers racing the timeout from many threads: every request gets exactly one response")
    func racingAnswers() async throws {
        var router = Router(errorRenderer: testErrorRenderer)
        // Answers land around the 20 ms deadline, from other threads.
        router.get("/race/:delay") { request in
            let micros = Int(request.pathParameters["delay"] ?? "0") ?? 0
            return .later { respond in
                DispatchQueue.global().asyncAfter(deadline: .now() + .microseconds(micros)) {
                    respond(HTTPResponse(body: Array("answer".utf8)))
                }
            }
        }
        let routes = router
        let server = HTTPServer(host: "127.0.0.1", port: 0, settings: makeSettings(handlerTimeout: .milliseconds(20))) { routes.handle($0) }
        try server.start()
        let client = try RawClient(port: server.port)
        var statuses: [Int: Int] = [:]
        for i in 0..<60 {
            try client.send("GET /race/\(10_000 + (i % 12) * 3_000) HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try #require(try client.readResponse())
            #expect(response.status == 200 ? response.text == "answer" : response.status == 503)
            statuses[response.status, default: 0] += 1
        }
        #expect(statuses.values.reduce(0, +) == 60)
        // No stray second response sits in the stream: after the last one comes the close.
        client.shutdownWrite()
        #expect(try client.readResponse() == nil)
        await server.shutdown(grace: .seconds(1))
    }

    #if DEBUG
    @Test("a responder called twice stops a debug build (the second response is a programming error)")
    func doubleAnswerAsserts() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var router = Router(errorRenderer: testErrorRenderer)
            router.get("/twice") { _ in
                .later { respond in
                    respond(HTTPResponse(body: Array("one".utf8)))
                    respond(HTTPResponse(body: Array("two".utf8)))
                }
            }
            let routes = router
            let server = HTTPServer(host: "127.0.0.1", port: 0, settings: makeSettings()) { routes.handle($0) }
            try server.start()
            let client = try RawClient(port: server.port)
            try client.send("GET /twice HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readResponse()
            // Reached only if the second call went unnoticed.
            try await Task.sleep(for: .seconds(5))
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("called twice"))
    }
    #endif
}
