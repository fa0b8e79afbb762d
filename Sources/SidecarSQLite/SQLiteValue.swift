import Foundation

/// A value bound to a `?` parameter or read back from a column: SQLite's five storage classes.
///
/// Literals work directly (`[1, 2.5, "text", nil, true]`); for variables use the cases,
/// the static helpers (`.int(n)`, `.bool(b)`, `.data(d)`), or `SQLiteValue(x)` for anything
/// `SQLiteValueConvertible`, optionals included (`nil` becomes `.null`).
public enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public init(_ value: some SQLiteValueConvertible) { self = value.sqliteValue }

    public static func int(_ value: Int) -> SQLiteValue { .integer(Int64(value)) }
    public static func bool(_ value: Bool) -> SQLiteValue { .integer(value ? 1 : 0) }
    public static func data(_ value: Data) -> SQLiteValue { .blob([UInt8](value)) }

    public var isNull: Bool { self == .null }
}

extension SQLiteValue: ExpressibleByNilLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}

/// Types that have one obvious SQLite representation. Deliberately a short, closed list:
/// no Codable, no reflection — callers convert anything richer themselves.
public protocol SQLiteValueConvertible {
    var sqliteValue: SQLiteValue { get }
}

extension SQLiteValue: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { self }
}
extension Int: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}
extension Int64: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .integer(self) }
}
extension Int32: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}
extension Double: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .real(self) }
}
extension Bool: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
}
extension String: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .text(self) }
}
extension Substring: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .text(String(self)) }
}
extension Array: SQLiteValueConvertible where Element == UInt8 {
    public var sqliteValue: SQLiteValue { .blob(self) }
}
extension Data: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { .blob([UInt8](self)) }
}
extension Optional: SQLiteValueConvertible where Wrapped: SQLiteValueConvertible {
    public var sqliteValue: SQLiteValue { self?.sqliteValue ?? .null }
}
