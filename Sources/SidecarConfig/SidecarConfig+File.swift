import Foundation

// The config file (DESIGN.md §8, §11): JSON whose keys are the settings' env names, the
// lowest layer above the defaults. `config/sidecar.example.json` documents every key.

extension SidecarConfig {
    /// Keys starting with this are comments, so the example file can explain each setting.
    public static let commentPrefix = "//"

    /// Finds the file (`--config` flag, else `SIDECAR_CONFIG` in the environment), reads it,
    /// and loads every layer: defaults < file < environment < flags.
    public static func resolve(environment: [String: String], flags: [String: String]) throws(ConfigError) -> SidecarConfig {
        let file = try (flags["SIDECAR_CONFIG"] ?? environment["SIDECAR_CONFIG"]).map { path throws(ConfigError) in
            try fileValues(path: path)
        } ?? [:]
        return try load(file: file, environment: environment, flags: flags)
    }

    /// The settings in the JSON file at `path`, as raw strings for the same rules as the
    /// environment. Strings, numbers and booleans are accepted; null means "not set". An
    /// unknown key is refused so a typo does not silently leave a default in place.
    public static func fileValues(path: String) throws(ConfigError) -> [String: String] {
        let data: Data
        do {
            data = try FileReading.read(path, limit: 1 << 20)
        } catch {
            throw ConfigError(key: "SIDECAR_CONFIG", value: path, expected: "a readable JSON file", reason: error.reason)
        }
        let entries: [String: FileValue]
        do {
            entries = try JSONDecoder().decode([String: FileValue].self, from: data)
        } catch {
            throw ConfigError(key: "SIDECAR_CONFIG", value: path, expected: "a JSON object of settings like {\"SIDECAR_PORT\": 8787} (\(describe(error)))")
        }
        let known = Setting.all.map(\.key).filter { $0 != "SIDECAR_CONFIG" }
        var values: [String: String] = [:]
        for (key, value) in entries.sorted(by: { $0.key < $1.key }) where !key.hasPrefix(commentPrefix) {
            guard known.contains(key) else {
                throw ConfigError(key: key, value: nil, expected: "a known setting name in \(path) (did you mean \(closestMatch(to: key, among: known))? see config/sidecar.example.json)")
            }
            if let raw = value.raw { values[key] = raw }
        }
        return values
    }

    /// The API key held in a file (`--api-key-file`, e.g. a mounted Kubernetes secret),
    /// without surrounding whitespace. Empty or blank is refused like a blank `STIGG_API_KEY`.
    public static func apiKey(fromFile path: String) throws(ConfigError) -> String {
        let data: Data
        do {
            data = try FileReading.read(path, limit: 64 << 10)
        } catch {
            throw ConfigError(key: "--api-key-file", value: path, expected: "a readable file holding the Stigg API key", reason: error.reason)
        }
        let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else {
            throw ConfigError(key: "--api-key-file", value: path, expected: "a file holding the Stigg API key", reason: "the file is empty or blank")
        }
        return key
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context)?: context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription
        case .typeMismatch(_, let context)?:
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}

/// One value of the file: what the environment would hold for it.
private struct FileValue: Decodable {
    let raw: String?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            raw = nil
        } else if let flag = try? container.decode(Bool.self) {
            raw = flag ? "true" : "false"
        } else if let whole = try? container.decode(Int64.self) {
            raw = String(whole)
        } else if let number = try? container.decode(Double.self) {
            raw = String(number)
        } else if let text = try? container.decode(String.self) {
            raw = text
        } else {
            throw DecodingError.typeMismatch(String.self, .init(
                codingPath: decoder.codingPath, debugDescription: "expected a string, number, boolean or null"))
        }
    }
}
