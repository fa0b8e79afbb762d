// `type: "CREDIT"` entitlements (STIGG-API.md §2). `currentUsage` already includes credits
// held by open reservations, so `usageLimit - currentUsage` is the available balance.

public struct CreditEntitlement: Sendable, Equatable {
    public var isGranted: Bool
    public var accessDeniedReason: AccessDeniedReason?
    public var currency: CreditCurrency
    /// Credits consumed.
    public var currentUsage: Double
    /// Credits granted.
    public var usageLimit: Double
    /// Required by the schema; kept optional so a state missing it can still answer.
    public var usageUpdatedAt: Timestamp?
    public var entitlementUpdatedAt: Timestamp?
    public var usagePeriodEnd: Timestamp?
    public var validUntil: Timestamp?
    /// b53-only fields: echoed, never used for decisions.
    public var reservation: CreditReservation?
    public var reserved: Double?
    public var reservedOnExpiredGrants: Double?

    public init(
        isGranted: Bool, accessDeniedReason: AccessDeniedReason? = nil, currency: CreditCurrency,
        currentUsage: Double, usageLimit: Double, usageUpdatedAt: Timestamp?,
        entitlementUpdatedAt: Timestamp? = nil, usagePeriodEnd: Timestamp? = nil, validUntil: Timestamp? = nil,
        reservation: CreditReservation? = nil, reserved: Double? = nil, reservedOnExpiredGrants: Double? = nil
    ) {
        self.isGranted = isGranted
        self.accessDeniedReason = accessDeniedReason
        self.currency = currency
        self.currentUsage = currentUsage
        self.usageLimit = usageLimit
        self.usageUpdatedAt = usageUpdatedAt
        self.entitlementUpdatedAt = entitlementUpdatedAt
        self.usagePeriodEnd = usagePeriodEnd
        self.validUntil = validUntil
        self.reservation = reservation
        self.reserved = reserved
        self.reservedOnExpiredGrants = reservedOnExpiredGrants
    }
}

public struct CreditCurrency: Sendable, Equatable {
    public var currencyId: String
    public var displayName: String
    public var description: Nullable<String>
    public var metadata: Nullable<[String: String]>
    public var unitPlural: Nullable<String>
    public var unitSingular: Nullable<String>

    public init(
        currencyId: String, displayName: String, description: Nullable<String> = .absent,
        metadata: Nullable<[String: String]> = .absent, unitPlural: Nullable<String> = .absent,
        unitSingular: Nullable<String> = .absent
    ) {
        self.currencyId = currencyId
        self.displayName = displayName
        self.description = description
        self.metadata = metadata
        self.unitPlural = unitPlural
        self.unitSingular = unitSingular
    }
}

public struct CreditReservation: Sendable, Equatable {
    public var id: String
    public var amount: Double
    public var expiresAt: Timestamp
    public var status: ReservationStatus

    public init(id: String, amount: Double, expiresAt: Timestamp, status: ReservationStatus) {
        self.id = id
        self.amount = amount
        self.expiresAt = expiresAt
        self.status = status
    }
}
