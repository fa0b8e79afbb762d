/// Parsers for the value forms settings accept.
public enum ValueParsing {
    public static func integer(_ raw: String, in range: ClosedRange<Int>, key: String, expected: String) throws(ConfigError) -> Int {
        guard let value = Int(raw.trimmingCharacters(in: " ")), range.contains(value) else {
            throw ConfigError(key: key, value: raw, expected: expected)
        }
        return value
    }

    public static func boolean(_ raw: String, key: String) throws(ConfigError) -> Bool {
        switch raw.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigError(key: key, value: raw, expected: "true or false")
        }
    }

    public static let durationForm = "a duration such as 500ms, 30s, 1.5s, 5m, 1h or 1m30s"

    /// `500ms`, `30s`, `5m`, `1h`, fractions (`1.5s`) and sums (`1m30s`); a bare number is
    /// rejected because its unit would be a guess.
    public static func duration(_ raw: String, key: String, extraForms: String? = nil) throws(ConfigError) -> Duration {
        guard let value = parseDuration(raw) else {
            throw ConfigError(key: key, value: raw, expected: durationForm + (extraForms.map { ", or \($0)" } ?? ""))
        }
        return value
    }

    /// `all`, `none`/empty, or comma-separated customer ids (blanks around commas ignored).
    public static func preload(_ raw: String, key: String) throws(ConfigError) -> Preload {
        let trimmed = raw.trimmingCharacters(in: " ")
        switch trimmed.lowercased() {
        case "", "none": return .none
        case "all": return .all
        default:
            let ids = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: " ") }
            guard !ids.contains(where: { $0.isEmpty || $0.utf8.count > 255 }) else {
                throw ConfigError(key: key, value: raw, expected: "all, none, or comma-separated customer ids (1-255 characters each)")
            }
            var seen = Set<String>()
            return .customers(ids.filter { seen.insert($0).inserted })
        }
    }

    /// Writes a duration the way `duration` reads it, in the unit an operator would pick:
    /// the smallest one that states it exactly in under 100 (`60s`, `5m`, `250ms`), else a
    /// sum (`1s500ms`).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        var milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        guard milliseconds > 0 else { return "0s" }
        let units: [(String, Int64)] = [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        if let (unit, size) = units.reversed().first(where: { milliseconds % $0.1 == 0 && milliseconds / $0.1 < 100 }) {
            return "\(milliseconds / size)\(unit)"
        }
        var text = ""
        for (unit, size) in units where milliseconds >= size {
            text += "\(milliseconds / size)\(unit)"
            milliseconds %= size
        }
        return text
    }

    static func parseDuration(_ raw: String) -> Duration? {
        var rest = Substring(raw)
        var total: Double = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let amount = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += amount / 1000
            case "s": total += amount
            case "m": total += amount * 60
            case "h": total += amount * 3600
            default: return nil
            }
        }
        guard total.isFinite, total > 0, total <= 1e9 else { return nil }
        return .nanoseconds(Int64((total * 1e9).rounded()))
    }
}

extension String {
    func trimmingCharacters(in character: Character) -> String {
        var s = Substring(self)
        while s.first == character { s = s.dropFirst() }
        while s.last == character { s = s.dropLast() }
        return String(s)
    }
}
