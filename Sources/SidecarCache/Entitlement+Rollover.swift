import SidecarModel
import Foundation

// Usage periods and refresh hints (DESIGN.md §4 "Period rollover", §11). When a metered
// feature's period has ended, the cached `currentUsage` counts the previous period; Stigg will
// report 0 once we refresh, so we answer with 0 now instead of denying a customer whose quota
// has just been renewed.

extension FeatureEntitlement {
    /// `resetPeriod` is set and `usagePeriodEnd <= now`.
    public func periodHasRolledOver(at now: Date) -> Bool {
        guard resetPeriod.value != nil, let end = usagePeriodEnd else { return false }
        return end.date <= now
    }

    /// The entitlement as it stands at `now`: `currentUsage` 0 after a rollover, and a denial
    /// that was for usage alone lifted with it (the usage it counted is the last period's);
    /// every other field as cached. `needsRefresh` when rolled over or past `validUntil`.
    public func rolledOver(at now: Date) -> (entitlement: FeatureEntitlement, needsRefresh: Bool) {
        let expired = validUntil.map { $0.date <= now } ?? false
        guard periodHasRolledOver(at: now) else { return (self, expired) }
        var current = self
        current.currentUsage = 0
        current.regrantForUsage()
        return (current, true)
    }

    /// The earliest instant at which this entitlement needs a refresh, if any.
    public var refreshDue: Date? {
        let rollover = resetPeriod.value != nil ? usagePeriodEnd?.date : nil
        return earliest(rollover, validUntil?.date)
    }
}

extension CreditEntitlement {
    /// Credits have no `resetPeriod`, so there is no local rollover: whether a grant recurs is
    /// Stigg's business. A passed `usagePeriodEnd` or `validUntil` only asks for a refresh.
    public func needsRefresh(at now: Date) -> Bool {
        guard let due = refreshDue else { return false }
        return due <= now
    }

    public var refreshDue: Date? { earliest(usagePeriodEnd?.date, validUntil?.date) }
}

extension Entitlement {
    public func rolledOver(at now: Date) -> (entitlement: Entitlement, needsRefresh: Bool) {
        switch self {
        case .feature(let feature):
            let (current, needsRefresh) = feature.rolledOver(at: now)
            return (.feature(current), needsRefresh)
        case .credit(let credit):
            return (self, credit.needsRefresh(at: now))
        }
    }

    public var refreshDue: Date? {
        switch self {
        case .feature(let feature): feature.refreshDue
        case .credit(let credit): credit.refreshDue
        }
    }
}

extension EntitlementsState {
    /// The state as a listing should show it at `now` (§11: "Period rollover applies to listings
    /// too"), and whether any entitlement in it makes the state due for a refresh.
    public func rolledOver(at now: Date) -> (state: EntitlementsState, needsRefresh: Bool) {
        var current = self
        var needsRefresh = false
        for index in current.entitlements.indices {
            let (entitlement, due) = current.entitlements[index].rolledOver(at: now)
            current.entitlements[index] = entitlement
            needsRefresh = needsRefresh || due
        }
        return (current, needsRefresh)
    }

    /// The earliest instant at which this state needs a refresh (a rollover or a `validUntil`),
    /// so the poller can schedule it ahead of the regular interval (§11: within 1 s of due).
    public var refreshDue: Date? {
        entitlements.reduce(nil) { earliest($0, $1.refreshDue) }
    }
}

private func earliest(_ first: Date?, _ second: Date?) -> Date? {
    switch (first, second) {
    case (let first?, let second?): min(first, second)
    case (let first?, nil): first
    case (nil, let second): second
    }
}
