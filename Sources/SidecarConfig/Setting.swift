/// One row of the settings table: its env name (which is also its config-file key), the flag
/// derived from it, help text, and how a raw value is applied.
public struct Setting: Sendable {
    public let key: String
    public let help: String
    public let defaultDescription: String
    public let isSecret: Bool
    let apply: @Sendable (inout SidecarConfig, String) throws(ConfigError) -> Void

    init(
        _ key: String, help: String, default defaultDescription: String, secret: Bool = false,
        apply: @escaping @Sendable (inout SidecarConfig, String) throws(ConfigError) -> Void
    ) {
        self.key = key
        self.help = help
        self.defaultDescription = defaultDescription
        self.isSecret = secret
        self.apply = apply
    }

    /// `SIDECAR_FOO_BAR` → `--foo-bar`; `STIGG_BASE_URL` → `--stigg-base-url`.
    public var flag: String {
        let stem = key.hasPrefix("SIDECAR_") ? String(key.dropFirst("SIDECAR_".count)) : key
        return "--" + String(stem.lowercased().map { $0 == "_" ? "-" : $0 })
    }
}

extension SidecarConfig {
    /// Builds the configuration from layers of raw values keyed by setting name, lowest
    /// precedence first: defaults < config file < environment < flags. Unknown keys in the
    /// environment are ignored (it holds everything else too).
    public static func load(
        file: [String: String] = [:], environment: [String: String] = [:], flags: [String: String] = [:]
    ) throws(ConfigError) -> SidecarConfig {
        var config = SidecarConfig()
        for layer in [file, environment, flags] {
            for setting in Setting.all {
                guard let raw = layer[setting.key] else { continue }
                do {
                    try setting.apply(&config, raw)
                } catch {
                    // One place keeps secrets out of every message, whatever a rule throws.
                    throw setting.isSecret ? ConfigError(key: error.key, value: nil, expected: error.expected) : error
                }
            }
        }
        guard config.listenTCP || config.unixSocket != nil else {
            throw ConfigError(key: "SIDECAR_PORT", value: "off", expected: "a port number, or off only together with SIDECAR_UNIX_SOCKET")
        }
        return config
    }
}
