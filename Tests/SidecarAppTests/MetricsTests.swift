import FakeStigg
import Foundation
import Logging
import SidecarApp
import SidecarConfig
import SidecarTestSupport
import Synchronization
import Testing

/// The repository's Python (from `scripts/test.sh`'s venv) parses Prometheus text with
/// prometheus_client and prints `[[sample name, labels, value], ...]` as JSON.
func parsePrometheus(_ text: [UInt8]) throws -> [(name: String, labels: [String: String], value: Double)] {
    let file = try makeTempDirectory().appendingPathComponent("metrics.txt")
    try Data(text).write(to: file)
    let venv = repositoryRoot.appendingPathComponent(".venv-sdk/bin/python").path
    let python = FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/python3"
    let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = [[s.name, s.labels, s.value] for f in text_string_to_metric_families(open(sys.argv[1]).read()) for s in f.samples]
        print(json.dumps(out))
        """
    let result = try ProcessRunner.run(python, ["-c", script, file.path])
    guard result.status == 0 else {
        throw RawClient.ClientError(description: "prometheus_client could not parse /metrics (run scripts/test.sh to set up .venv-sdk): \(result.error)")
    }
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[Any]])
    return rows.map { ($0[0] as! String, $0[1] as! [String: String], ($0[2] as! NSNumber).doubleValue) }
}

@Suite("/metrics and logs")
struct MetricsTests {
    @Test("/metrics parses with prometheus_client and counts requests, decisions, upstream calls, cache and outbox")
    func metrics() async throws {
        let fake = FakeStigg()
        fake.seedDemo()
        try fake.start()
        let app = try makeOnlineApp(upstream: fake.baseURL)
        try await app.waitForUpstream("healthy")
        for _ in 0..<3 { _ = try app.get("/entitlements/check?customerId=demo-pro&featureId=feature-api-calls") }
        _ = try app.get("/nowhere")
        _ = try app.get("/entitlements/check?featureId=x")
        let response = try app.get("/metrics")
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let samples = try parsePrometheus(response.body)
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
        }
        let check = "/entitlements/check"
        #expect(value("sidecar_http_requests_total", ["route": check, "status": "200"]) == 3)
        #expect(value("sidecar_http_requests_total", ["route": check, "status": "400"]) == 1)
        #expect(value("sidecar_http_requests_total", ["route": "unmatched", "status": "404"]) == 1)
        #expect(value("sidecar_http_request_duration_seconds_count", ["route": check]) == 4)
        #expect(value("sidecar_http_request_duration_seconds_bucket", ["route": check, "le": "+Inf"]) == 4)
        #expect(value("sidecar_decisions_total", ["source": "upstream"]) == 1)
        #expect(value("sidecar_decisions_total", ["source": "cache"]) == 2)
        #expect((value("sidecar_upstream_requests_total", ["outcome": "success"]) ?? 0) >= 2)  // probe + fetch
        #expect((value("sidecar_upstream_request_duration_seconds_count") ?? 0) >= 2)
        #expect(value("sidecar_cache_states") == 1)
        let lastSync = try #require(value("sidecar_last_sync_timestamp_seconds"))
        #expect(abs(lastSync - Date().timeIntervalSince1970) < 60)
        let sinceSync = try #require(value("sidecar_seconds_since_last_sync"))
        #expect(sinceSync >= 0 && sinceSync < 60)
        #expect(value("sidecar_readiness_status", ["status": "ready"]) == 1)
        #expect(value("sidecar_build_info") == 1)
        #expect((value("process_resident_memory_bytes") ?? 0) > 1_000_000)
        #expect(value("sidecar_outbox_pending") == 0)
        #expect(value("sidecar_outbox_dead_letters") == 0)
        await app.shutdown()
        await fake.stop()
    }

    @Test("/status and /metrics never contain the API key, even when upstream rejects it")
    func noKey() async throws {
        let fake = FakeStigg()
        try fake.start()
        let app = try makeOnlineApp(upstream: fake.baseURL, apiKey: "secret-key-5f3a9")
        try await app.waitForUpstream("failing")
        for path in ["/status", "/metrics", "/readyz"] {
            #expect(!String(decoding: try app.get(path).body, as: UTF8.self).contains("secret-key-5f3a9"), "\(path)")
        }
        #expect(String(decoding: try app.get("/status").body, as: UTF8.self).contains("STIGG_API_KEY"))
        await app.shutdown()
        await fake.stop()
    }

    @Test("the access log is off by default and writes one line per request when on")
    func accessLog() async throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "test") { _ in
            JSONLogHandler(label: "test") { bytes in lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        }
        logger.logLevel = .info
        for enabled in [false, true] {
            lines.withLock { $0.removeAll() }
            var config = SidecarConfig()
            config.port = 0
            config.offline = true
            config.offlineFile = demoSnapshotPath
            config.dbPath = try makeTempDirectory().appendingPathComponent("s.sqlite").path
            config.accessLog = enabled
            let app = try buildApplication(config: config, logger: logger)
            try app.start()
            _ = try app.get("/entitlements/check?customerId=demo-pro&featureId=feature-sso&customerSecret=x")
            let requestLines = lines.withLock { $0 }.filter { $0.contains(#""message":"request""#) }
            if enabled {
                #expect(requestLines.count == 1)
                let line = try #require(requestLines.first)
                #expect(line.contains(#""path":"/entitlements/check""#) && line.contains(#""status":200"#) && line.contains(#""method":"GET""#))
                #expect(!line.contains("customerSecret"))
                #expect(line.hasSuffix("}\n"))
                #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
            } else {
                #expect(requestLines.isEmpty)
            }
            await app.shutdown()
        }
    }

    @Test("JSON log lines are single JSON objects with time, level, label, message and metadata")
    func jsonLines() throws {
        let lines = Mutex<[String]>([])
        var handler = JSONLogHandler(label: "sidecar") { bytes in lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        handler.metadata["instance"] = "a"
        let logger = Logger(label: "sidecar") { _ in handler }
        logger.warning("upstream \"failed\"\nagain", metadata: ["error": "timeout"])
        let line = try #require(lines.withLock { $0.first })
        #expect(line.split(separator: "\n").count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "warning" && object["label"] == "sidecar" && object["message"] == "upstream \"failed\"\nagain")
        #expect(object["error"] == "timeout" && object["instance"] == "a" && object["time"] != nil)
    }

    @Test("JSON log values keep their type: numbers, booleans, nested objects and arrays; strings stay strings")
    func jsonTypedValues() throws {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "sidecar") { _ in
            JSONLogHandler(label: "sidecar") { bytes in lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        }
        logger.info("typed", metadata: [
            "port": .stringConvertible(8787), "ratio": .stringConvertible(0.25), "on": .stringConvertible(true),
            "id": "007", "nested": ["count": .stringConvertible(3)], "list": [.stringConvertible(1), "a"],
            "nan": .stringConvertible(Double.nan), "big": .stringConvertible(UInt64.max),
        ])
        let line = try #require(lines.withLock { $0.first })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["port"] as? Int == 8787 && !(object["port"] is String))
        #expect(object["ratio"] as? Double == 0.25)
        #expect(object["on"] as? Bool == true && line.contains(#""on":true"#))
        #expect(object["id"] as? String == "007")
        #expect((object["nested"] as? [String: Any])?["count"] as? Int == 3)
        #expect((object["list"] as? [Any])?.count == 2)
        // JSON has no NaN, and UInt64.max does not fit an exact JSON integer everywhere: strings.
        #expect(object["nan"] as? String == "nan")
        #expect(object["big"] as? String == String(UInt64.max))
    }
}
