/// A setting that could not be used: the message names the key, the value (never a
/// secret's), what went wrong when the OS said so, and the accepted form. The one error
/// type of this module; the executable exits 64 (EX_USAGE) on it.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public let key: String
    public let value: String?
    public let expected: String
    /// Why the value failed beyond its form, e.g. the OS's reason for a file it names.
    public let reason: String?

    public init(key: String, value: String?, expected: String, reason: String? = nil) {
        self.key = key
        self.value = value
        self.expected = expected
        self.reason = reason
    }

    public var description: String {
        let subject = value.map { "\(key)=\"\($0)\"" } ?? key
        if let reason { return "invalid \(subject): \(reason); expected \(expected)" }
        return "invalid \(subject): expected \(expected)"
    }
}
