import SidecarHTTP
import SidecarHTTPClient
import SidecarTestSupport
import Testing

/// The upstream client's own promises, against our server on a free port.
@Suite("HTTP client (libcurl on our threads)")
struct HTTPClientTests {
    private func makeClient(maxConnections: Int = 4, maxBodyBytes: Int = 1024 * 1024, idleTimeout: Duration = .seconds(50)) -> HTTPClient {
        HTTPClient(configuration: HTTPClientConfiguration(maxConnections: maxConnections, maxBodyBytes: maxBodyBytes, idleTimeout: idleTimeout))
    }

    @Test("at most maxConnections transfers at once; the next waits and then reuses a connection")
    func connectionLimit() async throws {
        let gate = Gate()
        let server = try makeServer(gate: gate)
        let client = makeClient(maxConnections: 2)
        let url = "http://127.0.0.1:\(server.port)/held"
        let transfers = (0..<3).map { _ in Task { try await client.send(HTTPClientRequest(url: url), timeout: .seconds(10)) } }
        #expect(await eventually { gate.heldCount == 2 })
        #expect(server.connectionCount == 2)
        gate.release(HTTPResponse(body: Array("first".utf8)))
        #expect(await eventually { gate.heldCount == 1 })
        #expect(server.connectionCount == 2)
        gate.release(HTTPResponse(body: Array("second".utf8)))
        var bodies: [String] = []
        for transfer in transfers { bodies.append(String(decoding: try await transfer.value.body, as: UTF8.self)) }
        #expect(bodies.sorted() == ["first", "first", "second"])
        await server.shutdown(grace: .seconds(1))
    }

    @Test("time spent waiting for a free connection counts against the deadline")
    func queueingCountsAgainstDeadline() async throws {
        let gate = Gate()
        let server = try makeServer(gate: gate)
        let client = makeClient(maxConnections: 1)
        let busy = Task { try await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/held"), timeout: .seconds(10)) }
        #expect(await eventually { gate.heldCount == 1 })
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: HTTPClientError.timeout) {
            _ = try await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/hello"), timeout: .milliseconds(200))
        }
        #expect(clock.now - started >= .milliseconds(200))
        gate.release(HTTPResponse(body: Array("done".utf8)))
        #expect(try await busy.value.status == 200)
        await server.shutdown(grace: .seconds(1))
    }

    @Test("an answer over the body limit is refused, whether it is announced or streamed")
    func bodyLimit() async throws {
        let server = try makeServer()
        let client = makeClient(maxBodyBytes: 100)
        let echo = "http://127.0.0.1:\(server.port)/echo"
        await #expect(throws: HTTPClientError.bodyTooLarge(limit: 100)) {
            _ = try await client.send(HTTPClientRequest(method: "POST", url: echo, body: Array(repeating: 65, count: 101)), timeout: .seconds(10))
        }
        let exact = try await client.send(HTTPClientRequest(method: "POST", url: echo, body: Array(repeating: 65, count: 100)), timeout: .seconds(10))
        #expect(exact.body.count == 100)
        await server.shutdown(grace: .seconds(1))
    }

    @Test("a header value with a line break is refused before anything is sent")
    func headerInjection() async throws {
        let server = try makeServer()
        let client = makeClient()
        let request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/hello", headers: [(name: "X-API-KEY", value: "key\r\nX-Injected: 1")])
        await #expect(throws: HTTPClientError.transport("header X-API-KEY contains a line break")) {
            _ = try await client.send(request, timeout: .seconds(10))
        }
        #expect(server.connectionCount == 0)
        await server.shutdown(grace: .seconds(1))
    }

    @Test("only http and https: a file URL is refused")
    func otherSchemes() async throws {
        let client = makeClient()
        await #expect(throws: HTTPClientError.self) {
            _ = try await client.send(HTTPClientRequest(url: "file:///etc/hostname"), timeout: .seconds(10))
        }
    }

    @Test("an idle connection is closed after idleTimeout, and the next call opens another")
    func idleTimeout() async throws {
        let server = try makeServer()
        let client = makeClient(idleTimeout: .milliseconds(200))
        let url = "http://127.0.0.1:\(server.port)/hello"
        #expect(try await client.send(HTTPClientRequest(url: url), timeout: .seconds(10)).status == 200)
        #expect(server.connectionCount == 1)
        #expect(await eventually { server.connectionCount == 0 })
        #expect(try await client.send(HTTPClientRequest(url: url), timeout: .seconds(10)).header("content-type") == "application/json")
        await server.shutdown(grace: .seconds(1))
    }
}
