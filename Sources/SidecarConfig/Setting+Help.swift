// What the executable shows and what `scripts/config-example` writes, both from the table.

extension Setting {
    /// The settings section of `serve --help`: one entry per visible row, lines under 80
    /// columns so the argument parser's own wrapping leaves them alone.
    public static func helpText() -> String {
        var lines = [
            "SETTINGS:",
            "  Each setting is a flag, an environment variable and a config-file key;",
            "  flags win over the environment, which wins over the file (--config).",
        ]
        for setting in all where !setting.isHidden {
            lines.append("")
            if let flag = setting.flag {
                lines.append("  \(flag) <\(setting.valueName)>")
            } else {
                lines.append("  \(setting.key) (environment or config file; no flag, see --api-key-file)")
            }
            lines += wrap(setting.help.prefix(1).uppercased() + setting.help.dropFirst() + ".", indent: 6, width: 78)
            lines.append("      env \(setting.key), default \(setting.defaultDescription)")
        }
        return lines.joined(separator: "\n")
    }

    /// `config/sidecar.example.json`: every key at its default, each after a comment key.
    public static func exampleFile() -> String {
        var items = [(
            "//", "entitlement-sidecar settings file. Point SIDECAR_CONFIG (or --config) at a copy. Keys are the "
                + "env names; environment variables and flags win over this file. Every key is optional: the values "
                + "below are the defaults, null means unset. Keys starting with // are comments."
        )].map { (JSONText.string($0.0), JSONText.string($0.1)) }
        for setting in all where setting.key != "SIDECAR_CONFIG" {
            var note = setting.help + (setting.defaultJSON == "null" ? " (default: \(setting.defaultDescription))" : "")
            if setting.isSecret {
                note += ". Better kept out of files: use the env var" + (setting.flag == nil ? " or --api-key-file" : "")
            }
            items.append((JSONText.string("// \(setting.key)"), JSONText.string(note)))
            items.append((JSONText.string(setting.key), setting.defaultJSON))
        }
        return "{\n" + items.map { "  \($0): \($1)" }.joined(separator: ",\n") + "\n}\n"
    }

    static func wrap(_ text: String, indent: Int, width: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, indent + line.count + 1 + word.count > width {
                lines.append(pad + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(pad + line) }
        return lines
    }
}
