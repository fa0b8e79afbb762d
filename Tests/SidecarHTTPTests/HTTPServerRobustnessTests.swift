import Dispatch
import Foundation
import SidecarHTTPClient
import Testing
import SidecarHTTP
import SidecarTestSupport

@Suite("HTTP server robustness")
struct HTTPServerRobustnessTests {
    @Test("100 clients trickling a byte per second do not delay a normal request by 100 ms")
    func slowClients() async throws {
        let server = try makeServer()
        let slow = try (0..<100).map { _ in try RawClient(port: server.port) }
        let partial = Array("GET /hello HTTP/1.1\r\nHost: slow\r\n".utf8)
        var worst: UInt64 = 0
        // Each round every slow client sends its next byte; the pacing is the scenario itself.
        for round in 0..<3 {
            for client in slow { try client.send([partial[round]]) }
            let fast = try RawClient(port: server.port)
            for _ in 0..<10 {
                let start = DispatchTime.now().uptimeNanoseconds
                try fast.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try fast.readResponse()?.status == 200)
                worst = max(worst, DispatchTime.now().uptimeNanoseconds - start)
            }
            if round < 2 { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(worst < 100_000_000, "slowest normal request took \(worst / 1_000_000) ms")
        #expect(server.connectionCount >= 100)
        await server.shutdown(grace: .milliseconds(100))
    }

    @Test("an idle keep-alive connection is closed after the idle timeout")
    func idleTimeout() async throws {
        let server = try makeServer(settings: makeSettings(idleTimeout: .milliseconds(300)))
        let client = try RawClient(port: server.port)
        try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse()?.status == 200)
        let start = DispatchTime.now().uptimeNanoseconds
        #expect(try client.waitForClose())
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(elapsed >= 0.25 && elapsed < 3, "closed after \(elapsed) s")
        #expect(waitUntil { server.connectionCount == 0 })
        await server.shutdown(grace: .seconds(1))
    }

    @Test("headers that never finish get 408 and a close after the header timeout")
    func headerTimeout() async throws {
        let server = try makeServer(settings: makeSettings(headerTimeout: .milliseconds(300)))
        let client = try RawClient(port: server.port)
        try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n")
        let response = try #require(try client.readResponse())
        #expect(response.status == 408)
        #expect(try client.waitForClose())
        await server.shutdown(grace: .seconds(1))
    }

    @Test("a body that never finishes gets 408 after the body timeout")
    func bodyTimeout() async throws {
        let server = try makeServer(settings: makeSettings(bodyTimeout: .milliseconds(300)))
        let client = try RawClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        #expect(try client.readResponse()?.status == 408)
        await server.shutdown(grace: .seconds(1))
    }

    @Test("connections past the cap are closed at once; earlier ones keep working")
    func connectionCap() async throws {
        let server = try makeServer(settings: makeSettings(maxConnections: 2))
        let first = try RawClient(port: server.port)
        let second = try RawClient(port: server.port)
        try first.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        try second.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try first.readResponse()?.status == 200)
        #expect(try second.readResponse()?.status == 200)
        let third = try RawClient(port: server.port)
        try? third.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect((try? third.readResponse()) == nil)
        try first.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try first.readResponse()?.status == 200)
        await server.shutdown(grace: .seconds(1))
    }

    @Test("shutdown stops accepting, finishes the in-flight response, closes idle connections")
    func gracefulShutdown() async throws {
        let gate = Gate()
        let server = try makeServer(gate: gate)
        let port = server.port
        let busy = try RawClient(port: port)
        let idle = try RawClient(port: port)
        try busy.send("GET /held HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(waitUntil { gate.heldCount == 1 })
        let finished = Flag()
        server.shutdown(grace: .seconds(10)) { finished.set() }
        #expect(try idle.waitForClose())
        #expect(throws: (any Error).self) { _ = try RawClient(port: port) }
        #expect(!finished.isSet)
        gate.release(HTTPResponse(body: Array("done".utf8)))
        let response = try #require(try busy.readResponse())
        #expect(response.text == "done")
        #expect(response.header("Connection") == "close")
        #expect(waitUntil { finished.isSet })
    }

    @Test("libcurl (the sidecar's upstream client) talks to the server, on one kept-open connection")
    func libcurl() async throws {
        let server = try makeServer()
        let client = HTTPClient(configuration: HTTPClientConfiguration(maxConnections: 1))
        let query = try await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/query?customerId=a%20b&requestedValues=x%2Cy"), timeout: .seconds(10))
        #expect(query.status == 200)
        #expect(String(decoding: query.body, as: UTF8.self) == "customerId=a b&requestedValues=x,y")
        let post = HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(server.port)/echo", body: Array(repeating: 65, count: 500_000))
        let echoed = try await client.send(post, timeout: .seconds(10))
        #expect(echoed.body == Array(repeating: 65, count: 500_000))
        #expect(server.connectionCount == 1)
        await server.shutdown(grace: .seconds(1))
    }

    @Test("curl talks to the server, chunked upload included", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
    func curl() async throws {
        let server = try makeServer()
        let get = try ProcessRunner.run("/usr/bin/curl", ["-sS", "http://127.0.0.1:\(server.port)/hello"])
        #expect(get.output == #"{"hello":"world"}"#)
        let chunked = try ProcessRunner.run(
            "/usr/bin/curl",
            ["-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", "http://127.0.0.1:\(server.port)/echo"],
            input: String(repeating: "chunk", count: 1000))
        #expect(chunked.output == String(repeating: "chunk", count: 1000))
        await server.shutdown(grace: .seconds(1))
    }
}

final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

import Synchronization
