import Foundation

/// A value a parser refuses; `expected` is the accepted form, or a sharper hint.
struct ValueRejection: Error {
    let expected: String
}

/// How a setting's raw string (env, flag or config file) becomes a typed value, and how the
/// value is written back for `--help`, the example file and redacted descriptions.
struct ValueParser<Value: Sendable & Equatable>: Sendable {
    let valueName: String
    let form: String
    /// Numbers and booleans are written bare in the example file, everything else quoted.
    var isJSONLiteral = false
    /// Two distinct valid values (see `Setting.samples`).
    let samples: [String]
    let parse: @Sendable (String) throws(ValueRejection) -> Value
    /// nil: the value means "unset" (written `null` in the example file).
    let show: @Sendable (Value) -> String?
    /// What an error message may repeat of a rejected raw value.
    var redact: @Sendable (String) -> String = { $0 }

    /// A parser whose only complaint is "not of the accepted form".
    init(
        _ valueName: String, form: String, literal: Bool = false, samples: [String],
        parse: @escaping @Sendable (String) -> Value?, show: @escaping @Sendable (Value) -> String?
    ) {
        self.init(valueName, form: form, literal: literal, samples: samples, throwing: { raw throws(ValueRejection) in
            guard let value = parse(raw) else { throw ValueRejection(expected: form) }
            return value
        }, show: show)
    }

    init(
        _ valueName: String, form: String, literal: Bool = false, samples: [String],
        throwing parse: @escaping @Sendable (String) throws(ValueRejection) -> Value, show: @escaping @Sendable (Value) -> String?
    ) {
        self.valueName = valueName
        self.form = form
        self.isJSONLiteral = literal
        self.samples = samples
        self.parse = parse
        self.show = show
    }
}

extension ValueParser where Value == String {
    /// Any non-empty text, kept as given.
    static func text(_ valueName: String, form: String, samples: [String] = ["alpha", "beta"]) -> Self {
        Self(valueName, form: form, samples: samples, parse: { $0.isEmpty ? nil : $0 }, show: { $0 })
    }
}

extension ValueParser where Value == String {
    /// One of a fixed list of words, case-insensitively, kept lowercased.
    static func oneOf(_ names: [String]) -> Self {
        Self(names.joined(separator: "|"), form: "one of " + names.joined(separator: ", "), samples: Array(names.suffix(2)),
             parse: { names.contains($0.lowercased()) ? $0.lowercased() : nil }, show: { $0 })
    }
}

extension ValueParser where Value == String? {
    /// Optional text: empty means unset (compose writes `${VAR}` of an unset variable as "").
    static func optionalText(_ valueName: String, form: String, samples: [String] = ["alpha", "beta"]) -> Self {
        Self(valueName, form: form, samples: samples, parse: { Optional($0.isEmpty ? nil : $0) }, show: { $0 })
    }
}

extension ValueParser where Value == Int {
    static func integer(_ valueName: String, in range: ClosedRange<Int>, form: String) -> Self {
        Self(valueName, form: form, literal: true, samples: [String(range.lowerBound + 1), String(range.lowerBound + 2)],
             parse: { raw in Int(raw.trimmingCharacters(in: " ")).flatMap { range.contains($0) ? $0 : nil } },
             show: { String($0) })
    }

    /// Counts are ≥ 1 (DESIGN.md §11).
    static func count(max: Int) -> Self { integer("count", in: 1...max, form: "a count >= 1") }
}

extension ValueParser where Value == Bool {
    static var boolean: Self {
        Self("bool", form: "true or false", literal: true, samples: ["true", "false"],
             parse: { raw in
                 switch raw.lowercased() {
                 case "true", "1", "yes", "on": true
                 case "false", "0", "no", "off": false
                 default: nil
                 }
             },
             show: { $0 ? "true" : "false" })
    }
}

extension ValueParser where Value == Duration {
    static var duration: Self {
        Self("duration", form: ValueParsing.durationForm, samples: ["250ms", "1m30s"],
             parse: ValueParsing.parseDuration, show: ValueParsing.format)
    }
}

extension ValueParser where Value == Duration? {
    /// A duration, or `none` for no limit.
    static var optionalDuration: Self {
        Self("duration", form: ValueParsing.durationForm + ", or none", samples: ["250ms", "2h"],
             parse: { raw in raw.lowercased() == "none" ? .some(nil) : ValueParsing.parseDuration(raw).map { Optional($0) } },
             show: { $0.map(ValueParsing.format) })
    }
}

extension ValueParser where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of an enum's raw values, case-insensitively.
    static var choice: Self {
        let names = Value.allCases.map(\.rawValue)
        let form = names.dropLast().joined(separator: ", ") + (names.count > 1 ? " or " : "") + names.last!
        return Self(names.joined(separator: "|"), form: form, samples: Array(names.suffix(2)),
                    parse: { Value(rawValue: $0.lowercased()) }, show: { $0.rawValue })
    }
}

/// Writes one JSON string with Foundation's encoder, so this module carries no escaper of its own.
enum JSONText {
    static func string(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Encoding a String cannot fail.
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
