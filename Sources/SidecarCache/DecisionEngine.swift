import SidecarModel
import Foundation

// The local decision (DESIGN.md §4 and §11 "Decisions"): a pure function of the cached state,
// the request and the clock, so every rule can be tested as a table without I/O.

/// Decides `request` against the cached state of its (customer, resource).
///
/// `state` nil means the caller has established that no state exists for this key (upstream
/// 404, or a resource absent from the offline snapshot): the answer is `CustomerNotFound`, or
/// `CustomerResourceNotFound` when the request names a resource. A plain cache miss must go
/// through read-through or the fallback rules instead.
public func decide(state: EntitlementsState?, request: CheckRequest, now: Date) -> Decision {
    guard let state else {
        let reason: AccessDeniedReason = request.resourceId == nil ? .customerNotFound : .customerResourceNotFound
        return Decision(entitlement: deniedPlaceholder(for: request.target, reason: reason, now: now))
    }
    switch request.target {
    case .feature(let featureId):
        return decideFeature(state.feature(featureId), state: state, request: request, now: now)
    case .currency(let currencyId):
        return decideCredit(state.credit(currencyId), state: state, request: request, now: now)
    }
}

/// The body for a denial with no cached entitlement to echo. FEATURE: just the three required
/// fields, as Stigg answers "not in plan". CREDIT: the schema also requires `currency`,
/// `currentUsage`, `usageLimit` and `usageUpdatedAt`, filled per §11 (the id as display name,
/// zeros, the time of the answer).
public func deniedPlaceholder(for target: CheckRequest.Target, reason: AccessDeniedReason, now: Date) -> Entitlement {
    switch target {
    case .feature:
        return .feature(FeatureEntitlement(isGranted: false, accessDeniedReason: reason))
    case .currency(let currencyId):
        return .credit(CreditEntitlement(
            isGranted: false, accessDeniedReason: reason,
            currency: CreditCurrency(currencyId: currencyId, displayName: currencyId),
            currentUsage: 0, usageLimit: 0, usageUpdatedAt: Timestamp(date: now)
        ))
    }
}

private func decideFeature(
    _ cached: FeatureEntitlement?, state: EntitlementsState, request: CheckRequest, now: Date
) -> Decision {
    if let stateReason = state.accessDeniedReason {
        // A state-level denial overrides whatever the entitlements say; echo the entitlement
        // if the state still lists it, so the caller sees which feature was asked about.
        guard let cached else {
            return Decision(entitlement: .feature(FeatureEntitlement(isGranted: false, accessDeniedReason: stateReason)))
        }
        var (entitlement, needsRefresh) = cached.rolledOver(at: now)
        entitlement.deny(stateReason)
        return Decision(entitlement: .feature(entitlement), needsRefresh: needsRefresh)
    }
    guard let cached else {
        return Decision(entitlement: .feature(FeatureEntitlement(
            isGranted: false, accessDeniedReason: .noFeatureEntitlementInSubscription)))
    }
    var (entitlement, needsRefresh) = cached.rolledOver(at: now)
    guard entitlement.isGranted else {
        return Decision(entitlement: .feature(entitlement), needsRefresh: needsRefresh)
    }
    if entitlement.feature?.featureType == .enumeration, let values = request.requestedValues, !values.isEmpty {
        return Decision(kind: .askUpstream, entitlement: .feature(entitlement), needsRefresh: needsRefresh)
    }
    let granted = usageAllows(
        limit: entitlement.hasUnlimitedUsage == true || entitlement.feature?.featureType == .boolean
            ? nil : entitlement.usageLimit.value,
        currentUsage: entitlement.currentUsage ?? 0,
        requestedUsage: request.requestedUsage
    )
    if granted { entitlement.grant() } else { entitlement.deny(.requestedUsageExceedingLimit) }
    return Decision(entitlement: .feature(entitlement), needsRefresh: needsRefresh)
}

private func decideCredit(
    _ cached: CreditEntitlement?, state: EntitlementsState, request: CheckRequest, now: Date
) -> Decision {
    guard var entitlement = cached else {
        let reason = state.accessDeniedReason ?? .entitlementNotFound
        return Decision(entitlement: deniedPlaceholder(for: request.target, reason: reason, now: now))
    }
    let needsRefresh = entitlement.needsRefresh(at: now)
    if let stateReason = state.accessDeniedReason {
        entitlement.deny(stateReason)
    } else if entitlement.isGranted {
        // available = usageLimit − currentUsage; "some left" is `available > 0`, which for
        // finite doubles is exactly `currentUsage < usageLimit`, the feature rule.
        let available = entitlement.usageLimit - entitlement.currentUsage
        let granted = if let requested = request.requestedUsage { requested <= available } else { available > 0 }
        if granted { entitlement.grant() } else { entitlement.deny(.insufficientCredits) }
    }
    return Decision(entitlement: .credit(entitlement), needsRefresh: needsRefresh)
}

/// The usage rule shared by cached features and fallback rules. nil `limit` = unlimited.
/// Without `requestedUsage` the question is "is any usage left?" (`<`); with it, including 0,
/// "does this much fit?" (`<=`), DESIGN.md §11. Plain IEEE arithmetic with no epsilon, so
/// 0.1 + 0.2 does not fit in 0.3; a tolerance would grant what upstream may deny.
func usageAllows(limit: Double?, currentUsage: Double, requestedUsage: Double?) -> Bool {
    guard let limit else { return true }
    guard let requested = requestedUsage else { return currentUsage < limit }
    return currentUsage + requested <= limit
}

extension FeatureEntitlement {
    mutating func grant() {
        isGranted = true
        accessDeniedReason = nil
    }

    mutating func deny(_ reason: AccessDeniedReason) {
        isGranted = false
        accessDeniedReason = reason
    }
}

extension CreditEntitlement {
    mutating func grant() {
        isGranted = true
        accessDeniedReason = nil
    }

    mutating func deny(_ reason: AccessDeniedReason) {
        isGranted = false
        accessDeniedReason = reason
    }
}
