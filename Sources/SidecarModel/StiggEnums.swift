// Stigg's string enums, kept "open": Stigg adds values over time (the b53 SDK already knows
// more than the TS SDK), and a cache that rejected a whole customer over a new reason string
// would fail closed for no gain. Unknown strings are kept verbatim and echoed back unchanged.

public protocol OpenStringEnum: RawRepresentable, Sendable, Hashable, CustomStringConvertible,
    ExpressibleByStringLiteral where RawValue == String {
    init(rawValue: String)
    /// The values this build knows by name.
    static var knownValues: [Self] { get }
}

extension OpenStringEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
    public var isKnown: Bool { Self.knownValues.contains(self) }
}

/// Why access is denied (STIGG-API.md §3.3). Used both per entitlement and, restricted to
/// three values, at the state level.
public struct AccessDeniedReason: OpenStringEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let featureNotFound: Self = "FeatureNotFound"
    public static let customerNotFound: Self = "CustomerNotFound"
    public static let customerIsArchived: Self = "CustomerIsArchived"
    public static let customerResourceNotFound: Self = "CustomerResourceNotFound"
    public static let noActiveSubscription: Self = "NoActiveSubscription"
    public static let noFeatureEntitlementInSubscription: Self = "NoFeatureEntitlementInSubscription"
    public static let requestedUsageExceedingLimit: Self = "RequestedUsageExceedingLimit"
    public static let requestedValuesMismatch: Self = "RequestedValuesMismatch"
    public static let budgetExceeded: Self = "BudgetExceeded"
    public static let unknown: Self = "Unknown"
    public static let featureTypeMismatch: Self = "FeatureTypeMismatch"
    public static let revoked: Self = "Revoked"
    public static let insufficientCredits: Self = "InsufficientCredits"
    public static let entitlementNotFound: Self = "EntitlementNotFound"

    public static let knownValues: [Self] = [
        .featureNotFound, .customerNotFound, .customerIsArchived, .customerResourceNotFound,
        .noActiveSubscription, .noFeatureEntitlementInSubscription, .requestedUsageExceedingLimit,
        .requestedValuesMismatch, .budgetExceeded, .unknown, .featureTypeMismatch, .revoked,
        .insufficientCredits, .entitlementNotFound,
    ]
}

public struct ResetPeriod: OpenStringEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let year: Self = "YEAR"
    public static let month: Self = "MONTH"
    public static let week: Self = "WEEK"
    public static let day: Self = "DAY"
    public static let hour: Self = "HOUR"

    public static let knownValues: [Self] = [.year, .month, .week, .day, .hour]
}

public struct FeatureType: OpenStringEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let boolean: Self = "BOOLEAN"
    public static let number: Self = "NUMBER"
    public static let enumeration: Self = "ENUM"

    public static let knownValues: [Self] = [.boolean, .number, .enumeration]
}

public struct FeatureStatus: OpenStringEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let new: Self = "NEW"
    public static let suspended: Self = "SUSPENDED"
    public static let active: Self = "ACTIVE"

    public static let knownValues: [Self] = [.new, .suspended, .active]
}

public struct ReservationStatus: OpenStringEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let active: Self = "ACTIVE"
    public static let released: Self = "RELEASED"

    public static let knownValues: [Self] = [.active, .released]
}
