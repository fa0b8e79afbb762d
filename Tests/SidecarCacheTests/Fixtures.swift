import Foundation
@testable import SidecarCache
@testable import SidecarModel
@_exported import SidecarTestSupport

// Compact builders for test states, so each table row reads as the rule it checks.

enum Fixtures {
    /// The fixed clock of the decision table.
    static let now = ts("2026-06-15T12:00:00Z").date
    static let past = "2026-06-01T00:00:00Z"
    static let future = "2026-07-01T00:00:00.000Z"
    static let nowText = "2026-06-15T12:00:00Z"
}

func ts(_ text: String) -> Timestamp {
    guard let timestamp = Timestamp(text) else { fatalError("bad test timestamp \(text)") }
    return timestamp
}

func feature(
    _ id: String = "feature-api-calls", type: FeatureType? = .number,
    granted: Bool = true, reason: AccessDeniedReason? = nil,
    limit: Nullable<Double> = .absent, current: Double? = nil, unlimited: Bool? = nil,
    reset: Nullable<ResetPeriod> = .absent, periodEnd: String? = nil, validUntil: String? = nil
) -> Entitlement {
    .feature(FeatureEntitlement(
        isGranted: granted, accessDeniedReason: reason,
        feature: FeatureRef(id: id, displayName: id, featureStatus: .active, featureType: type),
        currentUsage: current, hasUnlimitedUsage: unlimited, resetPeriod: reset, usageLimit: limit,
        usagePeriodEnd: periodEnd.map(ts), validUntil: validUntil.map(ts)
    ))
}

func metered(limit: Double, current: Double?, reset: ResetPeriod? = nil, periodEnd: String? = nil) -> Entitlement {
    feature(limit: .present(limit), current: current, unlimited: false,
            reset: reset.map { .present($0) } ?? .absent, periodEnd: periodEnd)
}

func boolean(_ id: String = "feature-sso") -> Entitlement {
    .feature(FeatureEntitlement(
        isGranted: true, feature: FeatureRef(id: id, displayName: id, featureStatus: .active, featureType: .boolean)))
}

func credit(
    _ currencyId: String = "ai-tokens", limit: Double = 5000, current: Double = 1000,
    granted: Bool = true, reason: AccessDeniedReason? = nil, periodEnd: String? = nil, validUntil: String? = nil
) -> Entitlement {
    .credit(CreditEntitlement(
        isGranted: granted, accessDeniedReason: reason,
        currency: CreditCurrency(currencyId: currencyId, displayName: "AI Tokens"),
        currentUsage: current, usageLimit: limit, usageUpdatedAt: ts("2026-06-10T08:00:00.000Z"),
        usagePeriodEnd: periodEnd.map(ts), validUntil: validUntil.map(ts)
    ))
}

func state(_ entitlements: Entitlement..., reason: AccessDeniedReason? = nil) -> EntitlementsState {
    EntitlementsState(accessDeniedReason: reason, entitlements: entitlements)
}

func check(
    _ featureId: String = "feature-api-calls", usage: Double? = nil, values: [String]? = nil, resource: String? = nil
) -> CheckRequest {
    CheckRequest(customerId: "c-1", resourceId: resource, target: .feature(featureId),
                 requestedUsage: usage, requestedValues: values)
}

func checkCredit(_ currencyId: String = "ai-tokens", usage: Double? = nil, resource: String? = nil) -> CheckRequest {
    CheckRequest(customerId: "c-1", resourceId: resource, target: .currency(currencyId), requestedUsage: usage)
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

func parse(_ json: String) throws -> JSONValue { try JSONParser.parse(json) }

