import Foundation
import Testing
import SidecarApp
import SidecarConfig
import SidecarTestSupport

/// A restart with the same snapshot file reuses the states imported last time (read from
/// SQLite as they are asked for); any change to the file imports it again (DESIGN.md §9).
@Suite("Offline snapshot reuse across restarts", .serialized)
struct OfflineReuseTests {
    struct Run {
        let app: Application
        let log: CapturedLog
    }

    func start(_ file: URL, db: String) throws -> Run {
        let log = CapturedLog()
        var config = SidecarConfig()
        config.port = 0
        config.offline = true
        config.offlineFile = file.path
        config.dbPath = db
        let app = try buildApplication(config: config, logger: log.logger)
        try app.start()
        return Run(app: app, log: log)
    }

    func ask(_ app: Application, _ customer: String = "demo-pro", feature: String = "feature-api-calls") throws -> (Double?, String?) {
        let response = try app.get("/entitlements/check?customerId=\(customer)&featureId=\(feature)")
        return (response.data["currentUsage"] as? Double, response.header("X-Sidecar-Synced-At"))
    }

    @Test("an unchanged file is reused: same answers, sync time of this start, resources and unknown customers as before")
    func unchangedFileIsReused() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("snapshot.json")
        try FileManager.default.copyItem(atPath: demoSnapshotPath, toPath: file.path)
        let db = directory.appendingPathComponent("sidecar.sqlite").path

        let first = try start(file, db: db)
        let (usage, syncedAt) = try ask(first.app)
        #expect(usage != nil && syncedAt != nil)
        #expect(!first.log.text.contains("unchanged since the last start"))
        await first.app.shutdown()

        let secondStarted = Date()
        let second = try start(file, db: db)
        #expect(second.log.text.contains("unchanged since the last start"), "\(second.log.text)")
        let (again, syncedAgain) = try ask(second.app)
        #expect(again == usage)
        // DESIGN.md §11: an offline answer's syncedAt is when the snapshot was loaded, and a
        // reused import is loaded at this start, as a fresh import would be.
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let parsed = try #require(syncedAgain.flatMap { format.date(from: $0) ?? ISO8601DateFormatter().date(from: $0) })
        #expect(parsed.timeIntervalSince(secondStarted) > -0.001, "\(syncedAgain ?? "none") before the start at \(secondStarted)")
        #expect(try second.app.get("/entitlements/check?customerId=demo-pro&featureId=feature-sso&resourceId=workspace-1").data["isGranted"] != nil)
        let missingResource = try second.app.get("/entitlements/check?customerId=demo-pro&featureId=feature-sso&resourceId=nope")
        #expect(missingResource.data["accessDeniedReason"] as? String == "CustomerResourceNotFound")
        let unknown = try second.app.get("/entitlements/check?customerId=nobody&featureId=feature-sso")
        #expect(unknown.header("X-Sidecar-Source") == "fallback")
        #expect(try second.app.get("/entitlements?customerId=demo-pro&resourceId=nope").status == 404)
        await second.app.shutdown()
    }

    @Test("one changed value with the same size and mtime is imported again and answered")
    func sameSizeAndMtimeButNewContentIsImported() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("snapshot.json")
        try FileManager.default.copyItem(atPath: demoSnapshotPath, toPath: file.path)
        let db = directory.appendingPathComponent("sidecar.sqlite").path

        let first = try start(file, db: db)
        guard let before = try ask(first.app).0 else {
            Issue.record("demo-pro has no currentUsage for feature-api-calls")
            return
        }
        await first.app.shutdown()

        // Same length: one digit of that customer's usage changes.
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        var text = try String(contentsOf: file, encoding: .utf8)
        let old = "\"currentUsage\": \(Int(before))"
        let digit = Int(before) % 10 == 9 ? Int(before) - 1 : Int(before) + 1
        guard let range = text.range(of: old), String(digit).count == String(Int(before)).count else {
            Issue.record("cannot find \(old) in the demo snapshot")
            return
        }
        text.replaceSubrange(range, with: "\"currentUsage\": \(digit)")
        try Data(text.utf8).write(to: file)
        try FileManager.default.setAttributes([.modificationDate: attributes[.modificationDate]!], ofItemAtPath: file.path)
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int == attributes[.size] as? Int)

        let second = try start(file, db: db)
        #expect(!second.log.text.contains("unchanged since the last start"))
        #expect(try ask(second.app).0 == Double(digit))
        await second.app.shutdown()
    }

    @Test("a bad file stops start-up and leaves the imported states to the next good start")
    func badFileLeavesPreviousData() async throws {
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("snapshot.json")
        let good = try Data(contentsOf: URL(fileURLWithPath: demoSnapshotPath))
        try good.write(to: file)
        let db = directory.appendingPathComponent("sidecar.sqlite").path
        let first = try start(file, db: db)
        let before = try ask(first.app)
        await first.app.shutdown()

        try Data("{\"customers\": [\n  {\"customerId\": \"a\",\n   \"entitlements\": [}\n]}".utf8).write(to: file)
        #expect {
            _ = try start(file, db: db)
        } throws: { error in
            "\(error)".contains("snapshot.json:3:")
        }

        try good.write(to: file)
        let third = try start(file, db: db)
        #expect(try ask(third.app).0 == before.0)
        await third.app.shutdown()
    }
}
