/// `type: "FEATURE"`.
///
/// Laid out for memory (DESIGN.md §9: 100,000 hot customers in 96 MiB): what a decision or a
/// usage report changes per customer (`isGranted`, `accessDeniedReason`, `currentUsage`) is
/// stored inline, and everything else (the feature, limit, reset period and period
/// timestamps, the same for every customer on a plan) sits in one shared `FeatureTerms`.
/// Decoded states share equal terms, so an entitlement costs 40 bytes instead of 264.
/// The properties read and write as plain fields; a write to a shared field makes a new
/// terms object for this value only.
public struct FeatureEntitlement: Sendable, Equatable {
    // Declaration order is layout order: the pointer first, the one-byte flag last.
    private var terms: FeatureTerms
    /// Required on the wire, `null` when granted.
    public var accessDeniedReason: AccessDeniedReason?
    public var currentUsage: Double?
    public var isGranted: Bool

    public init(
        isGranted: Bool, accessDeniedReason: AccessDeniedReason? = nil, feature: FeatureRef? = nil,
        currentUsage: Double? = nil, entitlementUpdatedAt: Timestamp? = nil, hasUnlimitedUsage: Bool? = nil,
        resetPeriod: Nullable<ResetPeriod> = .absent, usageLimit: Nullable<Double> = .absent,
        usagePeriodAnchor: Timestamp? = nil, usagePeriodStart: Timestamp? = nil,
        usagePeriodEnd: Timestamp? = nil, validUntil: Timestamp? = nil
    ) {
        self.terms = FeatureTerms.shared(FeatureTerms.Values(
            feature: feature, entitlementUpdatedAt: entitlementUpdatedAt, hasUnlimitedUsage: hasUnlimitedUsage,
            resetPeriod: resetPeriod, usageLimit: usageLimit, usagePeriodAnchor: usagePeriodAnchor,
            usagePeriodStart: usagePeriodStart, usagePeriodEnd: usagePeriodEnd, validUntil: validUntil))
        self.accessDeniedReason = accessDeniedReason
        self.currentUsage = currentUsage
        self.isGranted = isGranted
    }

    /// Optional: Stigg's own "not in plan" answer carries no feature object.
    public var feature: FeatureRef? {
        get { terms.values.feature }
        set { change { $0.feature = newValue } }
    }

    /// The feature's refId without copying the whole `FeatureRef` (the lookup's inner loop).
    public var featureId: String? { terms.values.feature?.id }

    public var entitlementUpdatedAt: Timestamp? {
        get { terms.values.entitlementUpdatedAt }
        set { change { $0.entitlementUpdatedAt = newValue } }
    }

    public var hasUnlimitedUsage: Bool? {
        get { terms.values.hasUnlimitedUsage }
        set { change { $0.hasUnlimitedUsage = newValue } }
    }

    public var resetPeriod: Nullable<ResetPeriod> {
        get { terms.values.resetPeriod }
        set { change { $0.resetPeriod = newValue } }
    }

    public var usageLimit: Nullable<Double> {
        get { terms.values.usageLimit }
        set { change { $0.usageLimit = newValue } }
    }

    public var usagePeriodAnchor: Timestamp? {
        get { terms.values.usagePeriodAnchor }
        set { change { $0.usagePeriodAnchor = newValue } }
    }

    public var usagePeriodStart: Timestamp? {
        get { terms.values.usagePeriodStart }
        set { change { $0.usagePeriodStart = newValue } }
    }

    public var usagePeriodEnd: Timestamp? {
        get { terms.values.usagePeriodEnd }
        set { change { $0.usagePeriodEnd = newValue } }
    }

    /// "The next time the entitlement should be recalculated": a refresh hint.
    public var validUntil: Timestamp? {
        get { terms.values.validUntil }
        set { change { $0.validUntil = newValue } }
    }

    /// Whether both hold the one shared terms object (for tests of the sharing).
    func sharesTerms(with other: FeatureEntitlement) -> Bool { terms === other.terms }

    /// A write to a shared field: a private copy, never the shared object (other customers
    /// hold it). Not interned: writes happen on answers, not on decoding.
    private mutating func change(_ body: (inout FeatureTerms.Values) -> Void) {
        var values = terms.values
        body(&values)
        terms = FeatureTerms(values)
    }
}

/// The part of a FEATURE entitlement that customers on one plan share. Immutable, so one
/// object can be held by any number of states on any thread.
final class FeatureTerms: Sendable, Hashable {
    struct Values: Sendable, Hashable {
        var feature: FeatureRef?
        var entitlementUpdatedAt: Timestamp?
        var hasUnlimitedUsage: Bool?
        var resetPeriod: Nullable<ResetPeriod>
        var usageLimit: Nullable<Double>
        var usagePeriodAnchor: Timestamp?
        var usagePeriodStart: Timestamp?
        var usagePeriodEnd: Timestamp?
        var validUntil: Timestamp?
    }

    let values: Values

    init(_ values: Values) {
        self.values = values
    }

    static func == (lhs: FeatureTerms, rhs: FeatureTerms) -> Bool {
        lhs === rhs || lhs.values == rhs.values
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(values)
    }

    /// Terms decoded before with equal values, or these. A fleet of customers with per-customer
    /// limits or anchors shares little, so the table is small: at most 16,384 terms of ~200
    /// bytes kept alive beyond the states'.
    static func shared(_ values: Values) -> FeatureTerms {
        interner.shared(FeatureTerms(values))
    }

    private static let interner = Interner<FeatureTerms>(limit: 1 << 14)
}
