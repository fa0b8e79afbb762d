import Testing
import SidecarConfig

@Suite("Configuration")
struct ConfigTests {
    @Test("defaults match DESIGN.md §8")
    func defaults() throws {
        let config = try SidecarConfig.load()
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8787)
        #expect(config.headerTimeout == .seconds(10))
        #expect(config.idleTimeout == .seconds(15))
        #expect(config.maxConnections == 4096)
        #expect(config.refreshInterval == .seconds(30))
        #expect(config.missTimeout == .seconds(1))
        #expect(config.upstreamRPS == 50)
        #expect(config.upstreamConcurrency == 4)
        #expect(config.maxStaleness == nil)
        #expect(config.stalePolicy == .serve)
        #expect(config.preload == .none)
        #expect(config.backoffMax == .seconds(60))
    }

    @Test("sync settings parse, and bad ones name the key and the accepted form")
    func syncSettings() throws {
        let config = try SidecarConfig.load(environment: [
            "SIDECAR_PRELOAD": " a, b ,a", "SIDECAR_MAX_STALENESS": "1h", "SIDECAR_STALE_POLICY": "FALLBACK",
            "SIDECAR_UPSTREAM_RPS": "100", "SIDECAR_MISS_TIMEOUT": "250ms",
        ])
        #expect(config.preload == .customers(["a", "b"]))
        #expect(config.maxStaleness == .seconds(3600))
        #expect(config.stalePolicy == .fallback)
        #expect(config.upstreamRPS == 100)
        #expect(config.missTimeout == .milliseconds(250))
        #expect(try SidecarConfig.load(environment: ["SIDECAR_PRELOAD": "all"]).preload == .all)
        #expect(try SidecarConfig.load(environment: ["SIDECAR_MAX_STALENESS": "none"]).maxStaleness == nil)
        let bad: [(String, String, String)] = [
            ("SIDECAR_PRELOAD", "a,,b", "comma-separated customer ids"),
            ("SIDECAR_STALE_POLICY", "maybe", "serve or fallback"),
            ("SIDECAR_UPSTREAM_RPS", "0", "a count >= 1"),
            ("SIDECAR_UPSTREAM_CONCURRENCY", "many", "a count >= 1"),
            ("SIDECAR_MAX_STALENESS", "10", "or none"),
            ("SIDECAR_BACKOFF_MAX", "forever", ValueParsing.durationForm),
        ]
        for (key, value, expected) in bad {
            do {
                _ = try SidecarConfig.load(environment: [key: value])
                Issue.record("\(key)=\(value) was accepted")
            } catch {
                #expect(error.key == key)
                #expect(error.expected.contains(expected))
            }
        }
    }

    @Test("precedence: flags > environment > file > defaults")
    func precedence() throws {
        let file = ["SIDECAR_PORT": "1000", "SIDECAR_HOST": "::1", "SIDECAR_IDLE_TIMEOUT": "1m"]
        let environment = ["SIDECAR_PORT": "2000", "SIDECAR_HOST": "0.0.0.0"]
        let flags = ["SIDECAR_PORT": "3000"]
        let config = try SidecarConfig.load(file: file, environment: environment, flags: flags)
        #expect(config.port == 3000)
        #expect(config.host == "0.0.0.0")
        #expect(config.idleTimeout == .seconds(60))
        #expect(config.headerTimeout == .seconds(10))
    }

    @Test("durations", arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)),
        ("1h", .seconds(3600)), ("1.5s", .milliseconds(1500)), ("1m30s", .seconds(90)),
    ])
    func durations(raw: String, expected: Duration) throws {
        #expect(try ValueParsing.duration(raw, key: "K") == expected)
    }

    @Test("bad durations are refused with the accepted form", arguments: ["15", "", "s", "1d", "-1s", "1.2.3s", "10 s"])
    func badDurations(raw: String) {
        #expect(throws: ConfigError(key: "SIDECAR_IDLE_TIMEOUT", value: raw, expected: ValueParsing.durationForm)) {
            try SidecarConfig.load(environment: ["SIDECAR_IDLE_TIMEOUT": raw])
        }
    }

    @Test("a bad auth token is refused without echoing it")
    func authToken() throws {
        #expect(try SidecarConfig.load(environment: ["SIDECAR_AUTH_TOKEN": "abc"]).authToken == "abc")
        #expect(try SidecarConfig.load(environment: ["SIDECAR_AUTH_TOKEN": ""]).authToken == nil)
        #expect(throws: ConfigError(key: "SIDECAR_AUTH_TOKEN", value: nil, expected: "printable ASCII with no spaces")) {
            try SidecarConfig.load(environment: ["SIDECAR_AUTH_TOKEN": "two words"])
        }
    }

    @Test("flags derive from env names")
    func flagNames() {
        let flags = Dictionary(uniqueKeysWithValues: Setting.all.compactMap { setting in setting.flag.map { (setting.key, $0) } })
        #expect(flags["SIDECAR_HOST"] == "--host")
        #expect(flags["SIDECAR_IDLE_TIMEOUT"] == "--idle-timeout")
    }
}
