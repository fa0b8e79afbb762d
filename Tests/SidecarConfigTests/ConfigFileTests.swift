import Foundation
import SidecarConfig
import SidecarTestSupport
import Testing

@Suite("Config file (SIDECAR_CONFIG): JSON keyed by env names, below env and flags")
struct ConfigFileTests {
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory() }

    func write(_ json: String) throws -> String {
        try scratch.write("sidecar-\(UUID().uuidString).json", json)
    }

    @Test("precedence table: flag > env > file > default, per key")
    func precedence() throws {
        let path = try write(#"{"SIDECAR_PORT": 1000, "SIDECAR_HOST": "::1", "SIDECAR_IDLE_TIMEOUT": "1m", "SIDECAR_MISS_TIMEOUT": "2s", "SIDECAR_OFFLINE": true}"#)
        let config = try SidecarConfig.resolve(
            environment: ["SIDECAR_CONFIG": path, "SIDECAR_PORT": "2000", "SIDECAR_HOST": "0.0.0.0", "SIDECAR_MISS_TIMEOUT": "3s"],
            flags: ["SIDECAR_PORT": "3000"])
        #expect(config.port == 3000)                 // flag over env over file
        #expect(config.host == "0.0.0.0")            // env over file
        #expect(config.missTimeout == .seconds(3))   // env over file
        #expect(config.idleTimeout == .seconds(60))  // file over default
        #expect(config.offline)                      // a JSON boolean
        #expect(config.headerTimeout == .seconds(10)) // default
    }

    @Test("--config wins over SIDECAR_CONFIG")
    func flagNamesFile() throws {
        let fromEnv = try write(#"{"SIDECAR_PORT": 1}"#)
        let fromFlag = try write(#"{"SIDECAR_PORT": 2}"#)
        let config = try SidecarConfig.resolve(environment: ["SIDECAR_CONFIG": fromEnv], flags: ["SIDECAR_CONFIG": fromFlag])
        #expect(config.port == 2)
    }

    @Test("a bad value in the file names the key and the accepted form")
    func badValue() throws {
        let path = try write(#"{"SIDECAR_REFRESH_INTERVAL": 30}"#)
        #expect(throws: ConfigError(key: "SIDECAR_REFRESH_INTERVAL", value: "30", expected: ValueParsing.durationForm)) {
            try SidecarConfig.resolve(environment: ["SIDECAR_CONFIG": path], flags: [:])
        }
    }

    @Test("unknown keys, bad JSON, a missing file and odd value types are refused, naming what is wrong")
    func refusals() throws {
        let typo = try write(#"{"SIDECAR_PROT": 8787}"#)
        #expect(throws: ConfigError.self) { try SidecarConfig.fileValues(path: typo) }
        do {
            _ = try SidecarConfig.fileValues(path: typo)
        } catch {
            #expect(error.key == "SIDECAR_PROT")
            #expect(error.description.contains("known setting"))
        }
        for (json, fragment) in [("{", "JSON object"), ("[1]", "JSON object"), (#"{"SIDECAR_PORT": [1]}"#, "JSON object")] {
            let path = try write(json)
            do {
                _ = try SidecarConfig.fileValues(path: path)
                Issue.record("\(json) was accepted")
            } catch {
                #expect(error.key == "SIDECAR_CONFIG" && error.description.contains(fragment), "\(error)")
            }
        }
        do {
            _ = try SidecarConfig.fileValues(path: "/nonexistent/sidecar.json")
            Issue.record("a missing file was accepted")
        } catch {
            #expect(error.key == "SIDECAR_CONFIG" && error.description.contains("readable JSON file"))
        }
    }

    @Test("config/sidecar.example.json documents every setting with its default, and loads as the defaults")
    func exampleFile() throws {
        let path = repositoryRoot.appendingPathComponent("config/sidecar.example.json").path
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        for setting in Setting.all where setting.key != "SIDECAR_CONFIG" {
            #expect(json.keys.contains("// \(setting.key)"), "\(setting.key) has no comment")
            guard let value = json[setting.key] else {
                Issue.record("\(setting.key) is not in the example: run scripts/config-example")
                continue
            }
            let shown = value is NSNull ? nil : "\(value)"
            if ["none", "off"].contains(setting.defaultDescription) {
                #expect(shown == nil, "\(setting.key) should be null")
            } else {
                // Foundation on Linux reads JSON booleans as NSNumber, shown as 0 or 1.
                let asNumber = ["false": "0", "true": "1"][setting.defaultDescription]
                #expect(shown == setting.defaultDescription || shown == asNumber, "\(setting.key): \(shown ?? "null") vs \(setting.defaultDescription)")
            }
        }
        let loaded = try SidecarConfig.load(file: try SidecarConfig.fileValues(path: path))
        let defaults = SidecarConfig()
        #expect(loaded.port == defaults.port && loaded.host == defaults.host && loaded.refreshInterval == defaults.refreshInterval)
        #expect(loaded.outboxLimit == defaults.outboxLimit && loaded.apiKey == nil && loaded.authToken == nil && loaded.preload == .none)
        #expect(loaded.logFormat == .text && !loaded.accessLog && loaded.dbPath == defaults.dbPath)
    }

    @Test("log format and access log settings")
    func logging() throws {
        #expect(try SidecarConfig.load(environment: ["SIDECAR_LOG_FORMAT": "JSON"]).logFormat == .json)
        #expect(try SidecarConfig.load(environment: ["SIDECAR_ACCESS_LOG": "true"]).accessLog)
        #expect(throws: ConfigError(key: "SIDECAR_LOG_FORMAT", value: "xml", expected: "text or json")) {
            try SidecarConfig.load(environment: ["SIDECAR_LOG_FORMAT": "xml"])
        }
    }
}

@Suite("--help")
struct HelpTests {
    @Test("serve --help lists a flag for every setting (the API key only as --api-key-file)")
    func listsEverySetting() throws {
        let result = try ProcessRunner.run(SidecarProcess.binaryURL.path, ["serve", "--help"])
        #expect(result.status == 0)
        for setting in Setting.all where !["STIGG_API_KEY", "SIDECAR_BENCH_FIXED_BYTES"].contains(setting.key) {
            let flag = try #require(setting.flag, "\(setting.key) has no flag")
            #expect(result.output.contains(flag), "\(flag) (\(setting.key)) is not in --help")
        }
        #expect(result.output.contains("--api-key-file"))
    }
}
