import Foundation
import Logging
import SidecarApp
import SidecarConfig
import SidecarTestSupport
import Synchronization
import Testing

/// A repeated check is answered from prepared bytes (DESIGN.md §9); what it shows must be
/// exactly what a freshly computed answer would show at that instant.
@Suite("Prepared answers to repeated checks")
struct AnswerCacheTests {
    @Test("Age and ageSeconds follow the clock across seconds; local usage shows at once; HEAD matches GET")
    func preparedAnswersStayExact() throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000.25))
        var config = SidecarConfig()
        config.port = 0
        config.offline = true
        config.offlineFile = demoSnapshotPath
        let directory = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        config.dbPath = directory.appendingPathComponent("sidecar.sqlite").path
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = try buildApplication(config: config, logger: logger, now: { clock.withLock { $0 } })
        try app.start()
        let target = "/entitlements/check?customerId=demo-pro&featureId=feature-api-calls"

        let first = try app.get(target)
        #expect(first.header("Age") == "0")
        clock.withLock { $0 += 0.5 }
        let sameSecond = try app.get(target)
        #expect(sameSecond.body == first.body && sameSecond.header("Age") == "0")
        clock.withLock { $0 += 0.3 }  // a new Unix second (the Date header's), age still 0.8 s
        #expect(try app.get(target).header("Age") == "0")
        clock.withLock { $0 += 0.3 }  // 1.1 s after the snapshot was loaded
        let next = try app.get(target)
        #expect(next.header("Age") == "1")
        #expect(next.sidecar["ageSeconds"] as? Int == 1)
        clock.withLock { $0 += 60 }
        let later = try app.get(target)
        #expect(later.header("Age") == "61" && later.sidecar["ageSeconds"] as? Int == 61)

        let head = try app.get(target, method: "HEAD")
        #expect(head.status == 200 && head.header("Age") == "61" && head.body.isEmpty)
        #expect(head.header("Content-Length") == String(later.body.count))

        let before = try #require(next.data["currentUsage"] as? Double)
        let usage = try app.post("/api/v1/usage", #"{"usages":[{"customerId":"demo-pro","featureId":"feature-api-calls","value":7}]}"#)
        #expect(usage.status == 201)
        #expect(try app.get(target).data["currentUsage"] as? Double == before + 7)
    }
}
