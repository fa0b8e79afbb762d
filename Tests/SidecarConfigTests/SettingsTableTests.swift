import Foundation
import SidecarConfig
import SidecarTestSupport
import Testing

/// Issue 11: every setting is declared once, in `Setting.all`; these tests check that what
/// derives from the table (the config struct, the flags, `serve --help`, the config file
/// keys and `config/sidecar.example.json`) agrees with it, row by row.
@Suite("Settings table: one declaration per setting, everything derived agrees")
struct SettingsTableTests {
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory() }

    @Test("keys and flags are unique, and flags follow the naming rule of DESIGN §11")
    func uniqueNames() {
        let keys = Setting.all.map(\.key)
        #expect(Set(keys).count == keys.count)
        let flags = Setting.all.compactMap(\.flag)
        #expect(Set(flags).count == flags.count)
        for setting in Setting.all {
            if setting.key == "STIGG_API_KEY" {
                #expect(setting.flag == nil, "the API key must never be a flag")
                continue
            }
            let stem = setting.key.hasPrefix("SIDECAR_") ? String(setting.key.dropFirst(8)) : setting.key
            #expect(setting.flag == "--" + stem.lowercased().replacingOccurrences(of: "_", with: "-"))
        }
        #expect(Setting.named("STIGG_BASE_URL")?.flag == "--stigg-base-url")
    }

    @Test("every default, written as --help and the example show it, reads back as the struct's default")
    func defaultsRoundTrip() throws {
        let defaults = SidecarConfig()
        for setting in Setting.all where setting.defaultJSON != "null" {
            let loaded = try SidecarConfig.load(environment: [setting.key: setting.defaultDescription])
            #expect(loaded == defaults, "\(setting.key)=\(setting.defaultDescription) does not read back as the default")
        }
    }

    @Test("every row is read from the file, the environment and a flag, with flags > env > file > defaults")
    func precedencePerRow() throws {
        let defaults = SidecarConfig()
        for setting in Setting.all where setting.key != "SIDECAR_CONFIG" {
            // Two valid values that differ from each other and (the first) from the default.
            let candidates = setting.samples.map { raw in (raw, try? SidecarConfig.load(environment: [setting.key: raw])) }
            let usable = candidates.compactMap { raw, config in config.map { (raw, $0) } }
            guard let a = usable.first(where: { $0.1 != defaults }), let b = usable.first(where: { $0.1 != a.1 }) else {
                Issue.record("\(setting.key): its samples \(setting.samples) do not give two distinct valid values")
                continue
            }
            let file = try scratch.write("\(setting.key).json", "{\(jsonString(setting.key)): \(jsonString(a.0))}")
            let flagArguments = setting.flag.map { [$0, a.0] } ?? []

            // What a layer leaves behind besides the value: the file's own path.
            func resolved(_ environment: [String: String], _ flags: [String: String] = [:]) throws -> SidecarConfig {
                var config = try SidecarConfig.resolve(environment: environment, flags: flags)
                #expect(config.configFile == file)
                config.configFile = nil
                return config
            }
            #expect(try resolved(["SIDECAR_CONFIG": file]) == a.1, "\(setting.key) is not read from the config file")
            #expect(try resolved(["SIDECAR_CONFIG": file, setting.key: b.0]) == b.1, "\(setting.key): the environment does not win over the file")
            if !flagArguments.isEmpty {
                let flags = try SidecarConfig.flagValues(flagArguments)
                #expect(try resolved(["SIDECAR_CONFIG": file, setting.key: b.0], flags) == a.1, "\(setting.key): \(flagArguments[0]) does not win over the environment")
                let equalsForm = try SidecarConfig.flagValues(["\(flagArguments[0])=\(a.0)"])
                #expect(equalsForm == flags, "\(setting.key): --flag=value differs from --flag value")
            }
        }
    }

    @Test("config/sidecar.example.json is exactly what the table writes (scripts/config-example regenerates it)")
    func exampleFileIsGenerated() throws {
        let committed = try String(contentsOf: repositoryRoot.appendingPathComponent("config/sidecar.example.json"), encoding: .utf8)
        #expect(committed == Setting.exampleFile(), "config/sidecar.example.json is stale: run scripts/config-example")
        let example = try runBinary(["example-config"])
        #expect(example.status == 0)
        #expect(example.output == committed)
    }

    @Test("serve --help shows every visible row's flag, env name, default and help")
    func helpShowsEveryRow() throws {
        let result = try runBinary(["serve", "--help"])
        #expect(result.status == 0)
        let help = result.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        for setting in Setting.all where !setting.isHidden {
            if let flag = setting.flag { #expect(help.contains("\(flag) <\(setting.valueName)>"), "\(flag)") }
            #expect(help.contains("env \(setting.key), default \(setting.defaultDescription)"), "\(setting.key)")
            let firstWords = setting.help.split(separator: " ").dropFirst().prefix(4).joined(separator: " ")
            #expect(help.contains(firstWords), "\(setting.key)'s help text is missing")
        }
        #expect(!help.contains("--bench-fixed-bytes"), "benchmark-only settings stay out of --help")
    }

    @Test("an unknown flag is refused naming the closest one; a flag without a value names the form")
    func flagErrors() {
        #expect(throws: ConfigError(key: "--prot", value: nil, expected: "a known option (did you mean --port? see --help)")) {
            try SidecarConfig.flagValues(["--prot", "1"])
        }
        #expect(throws: ConfigError(key: "--idle-timeout", value: nil, expected: "a value after it (\(ValueParsing.durationForm))")) {
            try SidecarConfig.flagValues(["--idle-timeout"])
        }
        #expect(throws: ConfigError.self) { try SidecarConfig.flagValues(["8787"]) }
    }

    @Test("a configuration's description shows every setting but never a secret")
    func descriptionRedactsSecrets() throws {
        let config = try SidecarConfig.load(environment: [
            "STIGG_API_KEY": "sk-live-123", "SIDECAR_AUTH_TOKEN": "tok-456", "SIDECAR_WEBHOOK_SECRET": "whsec-789",
            "SIDECAR_REDIS_URL": "redis://app:pa55word@redis:6379/2",
        ])
        for text in [String(describing: config), String(reflecting: config), dumped(config)] {
            for secret in ["sk-live-123", "tok-456", "whsec-789", "pa55word"] {
                #expect(!text.contains(secret), "\(secret) leaks")
            }
            #expect(text.contains("SIDECAR_REDIS_URL"))
        }
        #expect(String(describing: config).contains("SIDECAR_REDIS_URL=redis://app:***@redis:6379/2"))
        #expect(String(describing: config).contains("STIGG_API_KEY=<redacted>"))
    }

    private func dumped(_ value: some Any) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }

    private func jsonString(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }
}
