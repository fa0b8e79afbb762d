extension SidecarConfig {
    /// Builds the configuration from layers of raw values keyed by env name, lowest
    /// precedence first: defaults < config file < environment < flags. Keys of the
    /// environment that are no setting are ignored here (it holds everything else too);
    /// `unknownSettings(in:)` finds the likely typos among them.
    public static func load(
        file: [String: String] = [:], environment: [String: String] = [:], flags: [String: String] = [:]
    ) throws(ConfigError) -> SidecarConfig {
        var config = SidecarConfig()
        for layer in [file, environment, flags] {
            for setting in Setting.all {
                guard let raw = layer[setting.key] else { continue }
                try setting.apply(&config, raw)
            }
        }
        guard config.listenTCP || config.unixSocket != nil else {
            throw ConfigError(key: "SIDECAR_PORT", value: "off", expected: "a port number, or off only together with SIDECAR_UNIX_SOCKET")
        }
        return config
    }

    /// Reads `--flag value` and `--flag=value` pairs into raw values keyed by env name. An
    /// unknown flag is refused naming the closest one, like an unknown file key.
    public static func flagValues(_ arguments: [String]) throws(ConfigError) -> [String: String] {
        let byFlag = Dictionary(uniqueKeysWithValues: Setting.all.compactMap { setting in setting.flag.map { ($0, setting) } })
        var values: [String: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                throw ConfigError(key: argument, value: nil, expected: "--flag value pairs (see --help)")
            }
            var name = argument, value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard let setting = byFlag[name] else {
                let closest = closestMatch(to: name, among: Setting.all.compactMap(\.flag))
                throw ConfigError(key: name, value: nil, expected: "a known option (did you mean \(closest)? see --help)")
            }
            if value == nil {
                guard index < arguments.endIndex else {
                    throw ConfigError(key: name, value: nil, expected: "a value after it (\(setting.form))")
                }
                value = arguments[index]
                index += 1
            }
            values[setting.key] = value
        }
        return values
    }

    /// Environment variables that look like settings but are none (`SIDECAR_PROT`), each
    /// with the setting it most likely meant. Not fatal: the environment is shared.
    public static func unknownSettings(in environment: [String: String]) -> [(name: String, closest: String)] {
        let known = Setting.all.map(\.key)
        return environment.keys.filter { $0.hasPrefix("SIDECAR_") && !known.contains($0) }.sorted()
            .map { ($0, closestMatch(to: $0, among: known)) }
    }

    /// The candidate with the smallest edit distance (ties: the first in order).
    static func closestMatch(to word: String, among candidates: [String]) -> String {
        candidates.min { editDistance(word, $0) < editDistance(word, $1) } ?? ""
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
