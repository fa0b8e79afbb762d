/// One row of the settings table (`Setting.all`): everything about a setting in one place.
/// Its env name is also its config-file key; its flag, its `--help` entry, its line in
/// `config/sidecar.example.json` and the default of its `SidecarConfig` field all derive
/// from the row, so they cannot disagree (DESIGN.md §8, §11).
public struct Setting: Sendable {
    /// The env name, also the config-file key.
    public let key: String
    public let help: String
    /// `--foo-bar`; nil for the API key, which is never a flag (it would show in `ps`).
    public let flag: String?
    /// Benchmark-only settings stay out of `--help` and the example file's prose.
    public let isHidden: Bool
    /// Values never appear in messages, descriptions or logs.
    public let isSecret: Bool
    /// Shown in `--help` as `<valueName>`.
    public let valueName: String
    /// The accepted form, as error messages state it.
    public let form: String
    /// The default as an operator writes it; "none" when the setting is unset by default.
    public let defaultDescription: String
    /// The default as a JSON value for the example file (`null` when unset).
    public let defaultJSON: String
    /// Two valid values, for tests that exercise every row (precedence, round trips).
    public let samples: [String]

    let field: AnyKeyPath & Sendable
    let defaultValue: any Sendable
    let apply: @Sendable (inout SidecarConfig, String) throws(ConfigError) -> Void
    let render: @Sendable (SidecarConfig) -> String?

    /// Declares a setting stored in `field`. `parser` turns a raw string (env, flag or file)
    /// into the field's value; its rejection becomes a `ConfigError` naming `key`, with the
    /// value left out for a secret and redacted as the parser says otherwise.
    init<Value: Sendable & Equatable>(
        _ key: String, _ field: WritableKeyPath<SidecarConfig, Value> & Sendable, default defaultValue: Value,
        _ parser: ValueParser<Value>, help: String, secret: Bool = false, hidden: Bool = false, flag: Bool = true
    ) {
        self.key = key
        self.help = help
        self.flag = flag ? Setting.flag(for: key) : nil
        self.isHidden = hidden
        self.isSecret = secret
        self.valueName = parser.valueName
        self.form = parser.form
        let shown = parser.show(defaultValue)
        self.defaultDescription = shown ?? "none"
        self.defaultJSON = shown.map { parser.isJSONLiteral ? $0 : JSONText.string($0) } ?? "null"
        self.samples = parser.samples
        self.field = field
        self.defaultValue = defaultValue
        self.apply = { config, raw throws(ConfigError) in
            do throws(ValueRejection) {
                config[keyPath: field] = try parser.parse(raw)
            } catch {
                throw ConfigError(key: key, value: secret ? nil : parser.redact(raw), expected: error.expected)
            }
        }
        self.render = { config in
            let value = config[keyPath: field]
            guard let shown = parser.show(value) else { return nil }
            return secret ? "<redacted>" : shown
        }
    }

    /// `SIDECAR_FOO_BAR` → `--foo-bar`; `STIGG_BASE_URL` → `--stigg-base-url`.
    static func flag(for key: String) -> String {
        let stem = key.hasPrefix("SIDECAR_") ? String(key.dropFirst("SIDECAR_".count)) : key
        return "--" + String(stem.lowercased().map { $0 == "_" ? "-" : $0 })
    }

    /// The row's value in `config` as an operator would write it, secrets redacted; nil when unset.
    public func describe(_ config: SidecarConfig) -> String? { render(config) }

    /// The default a `SidecarConfig` field starts with: the one its row declares. A field
    /// no row declares is a programming error caught by the first `SidecarConfig()`.
    static func defaultValue<Value>(_ field: WritableKeyPath<SidecarConfig, Value>) -> Value {
        for setting in all where setting.field as AnyKeyPath == field as AnyKeyPath {
            if let value = setting.defaultValue as? Value { return value }
        }
        preconditionFailure("no row of Setting.all declares \(field)")
    }

    /// The row for an env name.
    public static func named(_ key: String) -> Setting? { all.first { $0.key == key } }
}
