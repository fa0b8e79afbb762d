import FakeStigg
import Foundation
import Logging
import SidecarApp
import SidecarConfig
import SidecarTestSupport
import Synchronization
import Testing

@Suite("Preload progress")
struct PreloadProgressTests {
    @Test("SIDECAR_PRELOAD=all logs every 10 % with done/total, rate and ETA, and /status shows preload")
    func progress() async throws {
        let fake = FakeStigg()
        fake.addSyntheticCustomers(count: 300)
        try fake.start()
        let total = fake.customerCount
        let output = Mutex<[[UInt8]]>([])
        var logger = Logger(label: "test") { _ in JSONLogHandler(label: "test") { bytes in output.withLock { $0.append(bytes) } } }
        logger.logLevel = .info
        var config = SidecarConfig()
        config.port = 0
        config.apiKey = "server-fake-key"
        config.stiggBaseURL = fake.baseURL
        config.dbPath = try makeTempDirectory().appendingPathComponent("sidecar.sqlite").path
        config.preload = .all
        config.upstreamRPS = 2000
        let app = try buildApplication(config: config, logger: logger)
        try app.start()

        let deadline = ContinuousClock.now + .seconds(30)
        var preload: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            preload = try app.get("/status").json["preload"] as? [String: Any] ?? [:]
            if preload["finishedAt"] is String { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(preload["done"] as? Int == total)
        #expect(preload["total"] as? Int == total)
        #expect(preload["startedAt"] is String)
        #expect(preload["finishedAt"] is String)

        let lines = output.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
        let progress = lines.filter { $0["message"] as? String == "preload progress" }
        #expect(progress.map { $0["percent"] as? Int } == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map { Optional($0) })
        for line in progress {
            #expect(line["total"] as? Int == total)
            #expect((line["done"] as? Int ?? 0) > 0)
            #expect(line["perSecond"] is Double || line["perSecond"] is Int)
            #expect(line["etaSeconds"] is Int)
        }
        #expect(progress.last?["done"] as? Int == total && progress.last?["etaSeconds"] as? Int == 0)
        let started = lines.first { $0["message"] as? String == "preload started" }
        #expect(started?["customers"] as? Int == total && started?["upstreamRPS"] as? Int == 2000)
        await app.shutdown()
        await fake.stop()
    }

    @Test("/status preload is null when no preload is configured")
    func noPreload() async throws {
        let app = try makeApp()
        let status = try app.get("/status").json
        #expect(status.keys.contains("preload") && status["preload"] is NSNull)
        await app.shutdown()
    }
}
