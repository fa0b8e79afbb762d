import SidecarModel
// Read-your-writes: a usage report changes the cached `currentUsage` at once, before upstream
// has seen it, so the next check already counts it.

extension EntitlementsState {
    /// Applies one usage report to the metered FEATURE entitlement it names and returns that
    /// entitlement as it is now; nil (and no change) when the state has none, as for a
    /// BOOLEAN or ENUM feature, or one not in the plan.
    @discardableResult
    public mutating func applyUsage(featureId: String, value: Double, behavior: UpdateBehavior) -> FeatureEntitlement? {
        for index in entitlements.indices {
            guard case .feature(var entitlement) = entitlements[index], entitlement.featureId == featureId,
                  entitlement.isMetered else { continue }
            let usage = behavior == .set ? value : (entitlement.currentUsage ?? 0) + value
            entitlement.currentUsage = usage
            entitlement.regrantForUsage()
            entitlements[index] = .feature(entitlement)
            return entitlement
        }
        return nil
    }

    /// The metered FEATURE entitlement for `featureId`, if any: what a usage report would touch.
    public func meteredFeature(_ featureId: String) -> FeatureEntitlement? {
        guard let entitlement = feature(featureId), entitlement.isMetered else { return nil }
        return entitlement
    }
}

extension FeatureEntitlement {
    /// Usage can be reported against it: not a BOOLEAN or ENUM feature.
    var isMetered: Bool {
        feature?.featureType != .boolean && feature?.featureType != .enumeration
    }

    /// Upstream's `isGranted` reflected usage at sync time. A denial for usage alone is lifted
    /// when a report (a SET, or a negative DELTA) brings usage back under the limit; crossing
    /// the limit needs no change here, since the decision compares usage with the limit itself.
    mutating func regrantForUsage() {
        guard accessDeniedReason == .requestedUsageExceedingLimit, hasUnlimitedUsage != true,
              let limit = usageLimit.value, (currentUsage ?? 0) < limit else { return }
        grant()
    }
}
