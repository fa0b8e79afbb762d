import Foundation
import Testing
import SidecarTestSupport

@Suite("Start-up with bad files")
struct StartupTests {
    func run(_ environment: [String: String]) throws -> ProcessRunner.Result {
        // Port 1 would fail to bind as a non-root user; with a bad file the sidecar must
        // stop before binding, so a wrong exit here cannot come from the port.
        try ProcessRunner.run(
            SidecarProcess.binaryURL.path, ["--port", "0"],
            environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIDECAR_") && $0.key != "STIGG_API_KEY" }
                .merging(environment) { $1 }.merging(["SIDECAR_SHUTDOWN_GRACE": "100ms"]) { $1 })
    }

    @Test("a corrupt database is renamed <db>.corrupt-<time> and start-up goes on")
    func corruptDatabase() throws {
        let directory = try makeTempDirectory()
        let db = directory.appendingPathComponent("sidecar.sqlite")
        try Data(repeating: 0x5A, count: 8192).write(to: db)
        let sidecar = try SidecarProcess(environment: ["SIDECAR_DB_PATH": db.path, "SIDECAR_OFFLINE_FILE": demoSnapshotPath])
        let client = try RawClient(port: sidecar.port)
        try client.send("GET /entitlements/check?customerId=demo-pro&featureId=feature-sso HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse()?.status == 200)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.contains { $0.hasPrefix("sidecar.sqlite.corrupt-") })
        #expect(sidecar.logText.contains("corrupt"))
        sidecar.terminate()
        #expect(sidecar.waitForExit() == 0)
    }

    @Test("a database from a newer schema stops start-up with a message")
    func newerSchema() throws {
        let directory = try makeTempDirectory()
        let db = directory.appendingPathComponent("sidecar.sqlite").path
        _ = try ProcessRunner.run("/usr/bin/env", ["python3", "-c", "import sqlite3; c=sqlite3.connect('\(db)'); c.execute('PRAGMA user_version=999'); c.execute('CREATE TABLE x(a)'); c.commit()"])
        let result = try run(["SIDECAR_DB_PATH": db, "SIDECAR_OFFLINE_FILE": demoSnapshotPath])
        #expect(result.status != 0)
        #expect(result.error.contains("newer version"))
        #expect(FileManager.default.fileExists(atPath: db), "the newer database is left alone")
    }

    @Test("an offline snapshot that does not parse stops start-up naming line and column")
    func badSnapshot() throws {
        let directory = try makeTempDirectory()
        let file = directory.appendingPathComponent("snapshot.json")
        try Data("{\"customers\": [\n  {\"customerId\": \"a\",\n   \"entitlements\": [}\n]}".utf8).write(to: file)
        let result = try run(["SIDECAR_DB_PATH": directory.appendingPathComponent("db").path, "SIDECAR_OFFLINE_FILE": file.path])
        #expect(result.status != 0)
        #expect(result.error.contains("snapshot.json:3:"), "\(result.error)")
    }

    @Test("a bad ENTITLEMENTS_FALLBACK is a bad setting: exit 64 naming it")
    func badFallback() throws {
        let directory = try makeTempDirectory()
        let result = try run(["SIDECAR_DB_PATH": directory.appendingPathComponent("db").path, "SIDECAR_OFFLINE_FILE": demoSnapshotPath, "ENTITLEMENTS_FALLBACK": "{not json"])
        #expect(result.status == 64)
        #expect(result.error.contains("ENTITLEMENTS_FALLBACK"))
    }
}
