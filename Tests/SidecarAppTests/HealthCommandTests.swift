import Foundation
import Testing
import SidecarTestSupport

@Suite("entitlement-sidecar health")
struct HealthCommandTests {
    func health(port: Int, host: String? = nil) throws -> ProcessRunner.Result {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIDECAR_") }
        environment["SIDECAR_PORT"] = String(port)
        if let host { environment["SIDECAR_HOST"] = host }
        return try ProcessRunner.run(SidecarProcess.binaryURL.path, ["health"], environment: environment)
    }

    @Test("exit 0 while the sidecar is ready (a wildcard bind is asked on loopback)")
    func ready() throws {
        let sidecar = try SidecarProcess(environment: [
            "SIDECAR_OFFLINE_FILE": SidecarProcess.repositoryRoot.appendingPathComponent("config/offline-entitlements.json").path,
            "SIDECAR_DB_PATH": try makeTempDirectory().appendingPathComponent("db.sqlite").path,
        ])
        let result = try health(port: sidecar.port, host: "0.0.0.0")
        #expect(result.status == 0)
        #expect(result.output.contains("\"ready\""))
        sidecar.terminate()
        #expect(sidecar.waitForExit() == 0)
    }

    @Test("exit 1 when /readyz says not_ready")
    func notReady() async throws {
        let app = try makeOnlineApp(upstream: try await deadUpstream())
        try await app.waitForUpstream("failing")
        let result = try health(port: app.port)
        #expect(result.status == 1)
        #expect(result.output.contains("not_ready"))
        await app.shutdown()
    }

    @Test("exit 1 when nothing listens")
    func nothingListening() async throws {
        let app = try makeApp()
        let port = app.port
        await app.shutdown()
        let result = try health(port: port)
        #expect(result.status == 1)
        #expect(result.output.contains("no answer"))
    }
}
