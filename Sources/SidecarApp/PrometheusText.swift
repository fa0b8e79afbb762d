import Foundation

/// Writes the Prometheus text exposition format (0.0.4) for the families we render ourselves:
/// those read at scrape time and the lock-free request counters. The registry's families are
/// emitted beside them; a family is written by one of the two, never both.
struct PrometheusText {
    enum Kind: String {
        case counter, gauge, histogram
    }

    private(set) var text = ""

    init(capacity: Int = 4096) {
        text.reserveCapacity(capacity)
    }

    /// `# HELP` and `# TYPE`: every family has both, or `promtool check metrics` warns.
    mutating func family(_ name: String, _ kind: Kind, help: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    mutating func sample(_ name: String, _ value: Double, labels: KeyValuePairs<String, String> = [:]) {
        sample(name, formatted: Self.format(value), labels: labels)
    }

    mutating func sample(_ name: String, _ value: Int, labels: KeyValuePairs<String, String> = [:]) {
        sample(name, formatted: String(value), labels: labels)
    }

    mutating func sample(_ name: String, formatted value: String, labels: KeyValuePairs<String, String>) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, label) in labels.enumerated() {
                if index > 0 { text += "," }
                text += "\(label.key)=\"\(Self.escapeLabel(label.value))\""
            }
            text += "}"
        }
        text += " \(value)\n"
    }

    /// Whole numbers without a fraction (timestamps, byte counts), everything else as Swift
    /// prints a `Double`, which Prometheus parses (`1.5`, `2.5e-05`).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeLabel(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
