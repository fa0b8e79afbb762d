import Foundation
import Testing
import SidecarTestSupport

@Suite("The entitlement-sidecar process")
struct ProcessTests {
    @Test("SIGTERM with a request in flight: the response completes, exit 0")
    func sigtermDrains() throws {
        let sidecar = try SidecarProcess()
        let client = try RawClient(port: sidecar.port)
        // Half a request: the server has started on it when the signal arrives.
        try client.send("GET /livez HTTP/1.1\r\nHost: t\r\n")
        let idle = try RawClient(port: sidecar.port)
        try idle.send("GET /livez HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.readResponse()?.status == 200)
        sidecar.terminate()
        #expect(try idle.waitForClose(), "idle connections are closed at once")
        try client.send("\r\n")
        let response = try #require(try client.readResponse())
        #expect(response.status == 200)
        #expect(response.text == #"{"status":"live"}"#)
        #expect(response.header("Connection") == "close")
        #expect(sidecar.waitForExit() == 0)
        #expect(sidecar.logText.contains("SIGTERM"))
    }

    @Test("SIGTERM at once after start-up (no request yet) is not lost: exit 0")
    func sigtermRightAfterStart() throws {
        for _ in 0..<3 {
            let sidecar = try SidecarProcess()
            sidecar.terminate()
            #expect(sidecar.waitForExit() == 0)
        }
    }

    @Test("an invalid setting exits 64 naming the key and the accepted form", arguments: [
        (["--port", "99999"], [String: String](), "SIDECAR_PORT"),
        ([], ["SIDECAR_PORT": "http"], "SIDECAR_PORT"),
        (["--idle-timeout", "15"], [:], "SIDECAR_IDLE_TIMEOUT"),
        ([], ["SIDECAR_LOG_LEVEL": "loud"], "SIDECAR_LOG_LEVEL"),
    ])
    func invalidSetting(arguments: [String], environment: [String: String], key: String) throws {
        let result = try ProcessRunner.run(
            SidecarProcess.binaryURL.path, ["--port", "0"] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        #expect(result.status == 64)
        #expect(result.error.contains(key))
        #expect(result.error.contains("expected"))
    }

    @Test("flags win over the environment")
    func flagsOverEnvironment() throws {
        let sidecar = try SidecarProcess(arguments: [], environment: ["SIDECAR_PORT": "1"])
        // --port 0 (from the harness) beat SIDECAR_PORT=1, or binding would have failed.
        let client = try RawClient(port: sidecar.port)
        try client.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse()?.status == 200)
        sidecar.terminate()
        #expect(sidecar.waitForExit() == 0)
    }
}

@Suite("The entitlement-sidecar process, killed")
struct ProcessKillTests {
    /// `currentUsage` of demo-pro's `feature-api-calls`, as a check answers it.
    func usage(_ port: Int) throws -> Double? {
        let client = try RawClient(port: port)
        try client.send("GET /entitlements/check?customerId=demo-pro&featureId=feature-api-calls HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try #require(try client.readResponse())
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return ((json?["data"] as? [String: Any])?["currentUsage"] as? NSNumber)?.doubleValue
    }

    @Test("kill -9 right after a usage report: the next start still counts it")
    func killKeepsUsage() throws {
        let database = try makeTempDirectory("sidecar-kill").appendingPathComponent("sidecar.sqlite").path
        let first = try SidecarProcess(environment: ["SIDECAR_DB_PATH": database])
        let before = try #require(try usage(first.port))
        let body = #"{"usages":[{"customerId":"demo-pro","featureId":"feature-api-calls","value":7,"idempotencyKey":"kill-1"}]}"#
        let client = try RawClient(port: first.port)
        try client.send("POST /api/v1/usage HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(try client.readResponse()?.status == 201)
        #expect(try usage(first.port) == before + 7)
        // Well inside the second before the state's row is written: only the outbox has it.
        first.send(signal: SIGKILL)
        #expect(first.waitForExit() == SIGKILL)
        let second = try SidecarProcess(environment: ["SIDECAR_DB_PATH": database])
        #expect(try usage(second.port) == before + 7)
        second.terminate()
        #expect(second.waitForExit() == 0)
    }
}
