import FakeStigg
import Foundation
import SidecarApp
import SidecarTestSupport
import Testing

/// Debian's `prometheus` package (installed by scripts/test.sh) provides promtool.
func promtool(_ arguments: [String], input: String? = nil, in directory: URL? = nil) throws -> ProcessRunner.Result {
    let path = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let path else {
        throw RawClient.ClientError(description: "promtool is not installed (scripts/test.sh installs Debian's prometheus package)")
    }
    guard let directory else { return try ProcessRunner.run(path, arguments, input: input) }
    // promtool resolves rule_files relative to the working directory of `test rules`.
    return try ProcessRunner.run("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", directory.path, path] + arguments, input: input)
}

/// A sidecar online against the fake Stigg, with requests on several routes and statuses, so
/// every family has samples.
func busyOnlineApp() async throws -> (Application, FakeStigg) {
    let fake = FakeStigg()
    fake.seedDemo()
    try fake.start()
    let app = try makeOnlineApp(upstream: fake.baseURL)
    try await app.waitForUpstream("healthy")
    for _ in 0..<3 { _ = try app.get("/entitlements/check?customerId=demo-pro&featureId=feature-api-calls") }
    _ = try app.get("/api/v1/customers/demo-pro/entitlements")
    _ = try app.get("/entitlements/check?featureId=x")
    _ = try app.get("/nowhere")
    _ = try app.post("/api/v1/usage", #"{"usages":[{"customerId":"demo-pro","featureId":"feature-api-calls","value":1}]}"#)
    _ = try app.get("/livez", method: "POST")
    return (app, fake)
}

@Suite("promtool and Grafana over /metrics and config/prometheus")
struct PromtoolTests {
    @Test("promtool check metrics accepts a live sidecar's /metrics with no warning")
    func checkMetrics() async throws {
        let (app, fake) = try await busyOnlineApp()
        let text = String(decoding: try app.get("/metrics").body, as: UTF8.self)
        await app.shutdown()
        await fake.stop()
        let result = try promtool(["check", "metrics"], input: text)
        #expect(result.status == 0, "\(result.output)\(result.error)")
        // promtool prints one line per problem (missing HELP, bad suffix, ...); none expected.
        #expect(result.output.isEmpty && result.error.isEmpty, "\(result.output)\(result.error)")
        // Every family has HELP and TYPE; no zero series for (route, status) pairs that never happened.
        let families = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        let helps = Set(text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
        #expect(families.allSatisfy(helps.contains))
        for name in ["sidecar_build_info", "process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds",
                     "process_max_fds", "process_start_time_seconds", "process_virtual_memory_bytes",
                     "sidecar_last_sync_timestamp_seconds", "sidecar_seconds_since_last_sync", "sidecar_http_requests_total"] {
            #expect(families.contains(Substring(name)), "\(name)")
        }
        let requestLines = text.split(separator: "\n").filter { $0.hasPrefix("sidecar_http_requests_total{") }
        #expect(requestLines.allSatisfy { !$0.hasSuffix(" 0") }, "\(requestLines)")
        #expect(requestLines.contains { $0.contains(#"route="/livez",status="405""#) })
        #expect(!requestLines.contains { $0.contains(#"route="/livez",status="413""#) })
    }

    @Test("config/prometheus: promtool check rules, test rules and check config pass")
    func rules() throws {
        let directory = repositoryRoot.appendingPathComponent("config/prometheus")
        let check = try promtool(["check", "rules", "alerts.yaml"], in: directory)
        #expect(check.status == 0 && check.output.contains("SUCCESS: 6 rules found"), "\(check.output)\(check.error)")
        let unit = try promtool(["test", "rules", "alerts.test.yaml"], in: directory)
        #expect(unit.status == 0 && unit.output.contains("SUCCESS"), "\(unit.output)\(unit.error)")
        let config = try promtool(["check", "config", "--syntax-only", "prometheus.yml"], in: directory)
        #expect(config.status == 0, "\(config.output)\(config.error)")
    }

    @Test("the alert rules and the Grafana dashboard only use metric names /metrics has")
    func namesExist() async throws {
        let (app, fake) = try await busyOnlineApp()
        let text = String(decoding: try app.get("/metrics").body, as: UTF8.self)
        await app.shutdown()
        await fake.stop()
        var exposed = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            let name = String(parts[2])
            exposed.insert(name)
            if parts[3] == "histogram" { for suffix in ["_bucket", "_sum", "_count"] { exposed.insert(name + suffix) } }
        }
        let dashboard = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: repositoryRoot.appendingPathComponent("config/grafana/sidecar.json"))) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        var expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(expressions.count >= panels.count)
        let alerts = try String(contentsOf: repositoryRoot.appendingPathComponent("config/prometheus/alerts.yaml"), encoding: .utf8)
        expressions += alerts.split(separator: "\n").filter { $0.contains("expr:") }.map(String.init)
        var used = Set<String>()
        for expression in expressions {
            for match in expression.matches(of: /\b(?:sidecar|process)_[a-z0-9_]+/) { used.insert(String(match.0)) }
        }
        #expect(used.count >= 15)
        #expect(used.subtracting(exposed).isEmpty, "not in /metrics: \(used.subtracting(exposed).sorted())")
    }
}
