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

    @Test("flags derive from env names")
    func flagNames() {
        let flags = Dictionary(uniqueKeysWithValues: Setting.all.map { ($0.key, $0.flag) })
        #expect(flags["SIDECAR_HOST"] == "--host")
        #expect(flags["SIDECAR_IDLE_TIMEOUT"] == "--idle-timeout")
    }
}
