// The Stigg REST v1 entitlement (STIGG-API.md §2), one element of
// `GET /api/v1/customers/{id}/entitlements` → `data.entitlements[]`, and the `data` of
// `/entitlements/check`. Field names and optionality follow the SDK models exactly, so the
// encoder can write back what Stigg sent.

public enum Entitlement: Sendable, Equatable {
    case feature(FeatureEntitlement)
    /// Boxed: a credit entitlement is the larger of the two, and every element of a state's
    /// array would be that size (320 bytes against 264) although most states have no credits.
    indirect case credit(CreditEntitlement)

    public var isGranted: Bool {
        switch self {
        case .feature(let feature): feature.isGranted
        case .credit(let credit): credit.isGranted
        }
    }

    public var accessDeniedReason: AccessDeniedReason? {
        switch self {
        case .feature(let feature): feature.accessDeniedReason
        case .credit(let credit): credit.accessDeniedReason
        }
    }

    public var currentUsage: Double? {
        switch self {
        case .feature(let feature): feature.currentUsage
        case .credit(let credit): credit.currentUsage
        }
    }

    /// The wire discriminator, `FEATURE` or `CREDIT`.
    public var type: String {
        switch self {
        case .feature: "FEATURE"
        case .credit: "CREDIT"
        }
    }
}

/// `feature` inside a FEATURE entitlement. The SDK models require all four fields, but only
/// `id` is needed to find the entitlement and only `featureType == ENUM` changes a decision
/// (a BOOLEAN entitlement has no `usageLimit`, so it is granted by the unlimited rule anyway);
/// the rest is tolerated when missing and echoed when present.
public struct FeatureRef: Sendable, Hashable {
    /// The feature's refId. Older Stigg docs called it `refId`; the decoder accepts both.
    public var id: String
    public var displayName: String?
    public var featureStatus: FeatureStatus?
    public var featureType: FeatureType?

    public init(id: String, displayName: String?, featureStatus: FeatureStatus?, featureType: FeatureType?) {
        self.id = id
        self.displayName = displayName
        self.featureStatus = featureStatus
        self.featureType = featureType
    }
}
