import SidecarModel
import Foundation

// `ENTITLEMENTS_FALLBACK` (DESIGN.md §5, §11): what to answer when there is no data for a
// customer at all. Same JSON as Stigg's own sidecar (STIGG-API.md §7.3), so an existing
// setting can be copied over unchanged.

/// One feature's fallback: `{"hasAccess": true, "usageLimit": 1000}` and friends.
public struct FallbackRule: Sendable, Equatable {
    public var hasAccess: Bool
    /// Also read from Stigg's numeric `value` when `usageLimit` is absent.
    public var usageLimit: Double?
    public var isUnlimited: Bool
    /// For ENUM features: a check with `requestedValues` is granted iff every value is listed.
    public var enumValues: [String]?

    public init(hasAccess: Bool, usageLimit: Double? = nil, isUnlimited: Bool = false, enumValues: [String]? = nil) {
        self.hasAccess = hasAccess
        self.usageLimit = usageLimit
        self.isUnlimited = isUnlimited
        self.enumValues = enumValues
    }

    /// The feature type the synthetic answer reports.
    var featureType: FeatureType {
        if enumValues != nil { return .enumeration }
        return isUnlimited || usageLimit != nil ? .number : .boolean
    }
}

/// A setting that cannot be used. `description` is meant for stderr at start-up.
public struct FallbackRulesError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { "ENTITLEMENTS_FALLBACK: \(message)" }
}

/// The rules by feature (or currency) refId. No rule for an id means the global default:
/// denied, `Unknown`.
public struct FallbackRules: Sendable, Equatable {
    public var rules: [String: FallbackRule]

    public init(rules: [String: FallbackRule] = [:]) {
        self.rules = rules
    }

    public static let none = FallbackRules()

    /// Answers `request` from the rules, as if the customer had used nothing this period
    /// (§11 "answers with usage 0"). Always `.answered`, never `needsRefresh`: there is no
    /// cached state behind a fallback answer.
    public func decide(_ request: CheckRequest, now: Date) -> Decision {
        guard let rule = rules[request.target.id] else {
            return Decision(entitlement: deniedPlaceholder(for: request.target, reason: .unknown, now: now))
        }
        switch request.target {
        case .feature(let featureId):
            return Decision(entitlement: .feature(featureAnswer(featureId, rule, request)))
        case .currency(let currencyId):
            return Decision(entitlement: .credit(creditAnswer(currencyId, rule, request, now: now)))
        }
    }

    private func featureAnswer(_ featureId: String, _ rule: FallbackRule, _ request: CheckRequest) -> FeatureEntitlement {
        let type = rule.featureType
        var answer = FeatureEntitlement(
            isGranted: false,
            feature: FeatureRef(id: featureId, displayName: featureId, featureStatus: .active, featureType: type),
            currentUsage: type == .number ? 0 : nil,
            hasUnlimitedUsage: type == .number ? rule.isUnlimited : nil,
            usageLimit: rule.usageLimit.map { .present($0) } ?? .absent
        )
        if !rule.hasAccess {
            answer.deny(.unknown)
        } else if let values = request.requestedValues, !values.isEmpty, let allowed = rule.enumValues {
            values.allSatisfy(allowed.contains) ? answer.grant() : answer.deny(.requestedValuesMismatch)
        } else if usageAllows(
            limit: rule.isUnlimited ? nil : rule.usageLimit, currentUsage: 0, requestedUsage: request.requestedUsage
        ) {
            answer.grant()
        } else {
            answer.deny(.requestedUsageExceedingLimit)
        }
        return answer
    }

    /// Stigg's fallback format is per feature; a rule keyed by a currency id answers credit
    /// checks the same way, with the rule's `usageLimit` as the grant (0 when it has none,
    /// since the CREDIT schema requires a number).
    private func creditAnswer(
        _ currencyId: String, _ rule: FallbackRule, _ request: CheckRequest, now: Date
    ) -> CreditEntitlement {
        var answer = CreditEntitlement(
            isGranted: false,
            currency: CreditCurrency(currencyId: currencyId, displayName: currencyId),
            currentUsage: 0, usageLimit: rule.usageLimit ?? 0, usageUpdatedAt: Timestamp(date: now)
        )
        if !rule.hasAccess {
            answer.deny(.unknown)
        } else if usageAllows(
            limit: rule.isUnlimited ? nil : rule.usageLimit, currentUsage: 0, requestedUsage: request.requestedUsage
        ) {
            answer.grant()
        } else {
            answer.deny(.insufficientCredits)
        }
        return answer
    }
}
