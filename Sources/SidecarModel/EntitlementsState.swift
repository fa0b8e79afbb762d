// `data` of `GET /api/v1/customers/{id}/entitlements`: everything the sidecar caches for one
// (customer, resource) pair, and everything a local decision needs.

public struct EntitlementsState: Sendable, Equatable {
    /// State-level denial: `CustomerNotFound`, `NoActiveSubscription` or `CustomerIsArchived`.
    /// Required on the wire, `null` for a customer in good standing.
    public var accessDeniedReason: AccessDeniedReason?
    public var entitlements: [Entitlement]

    public init(accessDeniedReason: AccessDeniedReason? = nil, entitlements: [Entitlement]) {
        self.accessDeniedReason = accessDeniedReason
        self.entitlements = entitlements
    }

    /// The FEATURE entitlement for a feature refId. A linear scan: a customer has a handful of
    /// entitlements, and an index per state would cost more memory than it saves time at
    /// 100,000 cached states (DESIGN.md §9).
    public func feature(_ featureId: String) -> FeatureEntitlement? {
        for case .feature(let entitlement) in entitlements where entitlement.featureId == featureId {
            return entitlement
        }
        return nil
    }

    /// The CREDIT entitlement for a custom-currency refId.
    public func credit(_ currencyId: String) -> CreditEntitlement? {
        for case .credit(let entitlement) in entitlements where entitlement.currency.currencyId == currencyId {
            return entitlement
        }
        return nil
    }
}

/// The cache key: one entitlement state per customer, or per (customer, resource) when the
/// customer uses resource-scoped subscriptions.
public struct StateKey: Sendable, Hashable, CustomStringConvertible {
    public var customerId: String
    public var resourceId: String?

    public init(customerId: String, resourceId: String? = nil) {
        self.customerId = customerId
        self.resourceId = resourceId
    }

    public var description: String {
        resourceId.map { "\(customerId) (resource \($0))" } ?? customerId
    }
}
