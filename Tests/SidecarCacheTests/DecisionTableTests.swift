import Foundation
import Testing
@testable import SidecarCache
@testable import SidecarModel
@testable import SidecarApp

// Every rule of DESIGN.md §4 and §11 "Decisions", one row per rule or boundary.

struct DecisionRow: Sendable, CustomTestStringConvertible {
    enum Usage: Sendable { case unchecked, absent, value(Double) }

    var name: String
    var state: EntitlementsState?
    var request: CheckRequest
    var granted: Bool
    var reason: AccessDeniedReason?
    var usage: Usage = .unchecked
    var needsRefresh = false
    var needsUpstream = false
    var type = "FEATURE"
    /// The cached input is deliberately outside Stigg's schema (an unknown enum string, a
    /// missing featureType); the answer echoes it, so the schema check skips the row.
    var offSchemaInput = false

    var testDescription: String { name }
}

private let P = Fixtures.past
private let F = Fixtures.future
private let N = Fixtures.nowText

let decisionTable: [DecisionRow] = [
    // State-level reasons
    DecisionRow(name: "state CustomerNotFound", state: state(reason: .customerNotFound), request: check(),
                granted: false, reason: .customerNotFound, usage: .absent),
    DecisionRow(name: "state NoActiveSubscription", state: state(reason: .noActiveSubscription), request: check(),
                granted: false, reason: .noActiveSubscription),
    DecisionRow(name: "state CustomerIsArchived", state: state(reason: .customerIsArchived), request: check(),
                granted: false, reason: .customerIsArchived),
    DecisionRow(name: "state reason wins over a granted entitlement still listed",
                state: state(metered(limit: 10, current: 1), reason: .customerIsArchived), request: check(),
                granted: false, reason: .customerIsArchived, usage: .value(1)),
    DecisionRow(name: "state reason on a credit check: CREDIT placeholder",
                state: state(reason: .noActiveSubscription), request: checkCredit(),
                granted: false, reason: .noActiveSubscription, usage: .value(0), type: "CREDIT"),
    DecisionRow(name: "no state, no resource → CustomerNotFound", state: nil, request: check(),
                granted: false, reason: .customerNotFound),
    DecisionRow(name: "no state for a resource → CustomerResourceNotFound", state: nil, request: check(resource: "ws-9"),
                granted: false, reason: .customerResourceNotFound),
    DecisionRow(name: "no state for a resource, credit check", state: nil, request: checkCredit(resource: "ws-9"),
                granted: false, reason: .customerResourceNotFound, usage: .value(0), type: "CREDIT"),

    // Presence and the entitlement's own verdict
    DecisionRow(name: "feature missing → NoFeatureEntitlementInSubscription", state: state(boolean()),
                request: check("feature-nope"), granted: false, reason: .noFeatureEntitlementInSubscription, usage: .absent),
    DecisionRow(name: "feature id that only names a currency is missing", state: state(credit()),
                request: check("ai-tokens"), granted: false, reason: .noFeatureEntitlementInSubscription),
    DecisionRow(name: "cached isGranted false keeps its own reason", state: state(feature(granted: false, reason: .revoked)),
                request: check(), granted: false, reason: .revoked),
    DecisionRow(name: "cached isGranted false, usage would fit: still its own reason",
                state: state(feature(granted: false, reason: .budgetExceeded, limit: .present(100), current: 0)),
                request: check(usage: 1), granted: false, reason: .budgetExceeded, usage: .value(0)),

    // Boolean and unlimited
    DecisionRow(name: "BOOLEAN granted", state: state(boolean()), request: check("feature-sso"),
                granted: true, reason: nil, usage: .absent),
    DecisionRow(name: "BOOLEAN ignores requestedUsage", state: state(boolean()), request: check("feature-sso", usage: 5),
                granted: true, reason: nil),
    DecisionRow(name: "unlimited via hasUnlimitedUsage, even past a stale limit",
                state: state(feature(limit: .present(100), current: 500, unlimited: true)), request: check(usage: 1000),
                granted: true, reason: nil, usage: .value(500)),
    DecisionRow(name: "unlimited via usageLimit null", state: state(feature(limit: .null, current: 42)),
                request: check(usage: 1e9), granted: true, reason: nil, usage: .value(42)),
    DecisionRow(name: "unlimited via usageLimit absent", state: state(feature(current: 42)), request: check(),
                granted: true, reason: nil),
    DecisionRow(name: "unknown featureType with a limit uses the usage rule",
                state: state(feature(type: "FUTURE", limit: .present(1), current: 1)), request: check(),
                granted: false, reason: .requestedUsageExceedingLimit, offSchemaInput: true),
    DecisionRow(name: "no featureType, no limit → granted", state: state(feature(type: nil)), request: check(),
                granted: true, reason: nil, offSchemaInput: true),

    // Usage limit, requestedUsage omitted: some usage must be left (<)
    DecisionRow(name: "omitted: below limit", state: state(metered(limit: 10000, current: 2500)), request: check(),
                granted: true, reason: nil, usage: .value(2500)),
    DecisionRow(name: "omitted: equal to limit → denied", state: state(metered(limit: 10000, current: 10000)),
                request: check(), granted: false, reason: .requestedUsageExceedingLimit, usage: .value(10000)),
    DecisionRow(name: "omitted: over limit → denied", state: state(metered(limit: 10000, current: 10001)),
                request: check(), granted: false, reason: .requestedUsageExceedingLimit),
    DecisionRow(name: "omitted: limit 0 → denied", state: state(metered(limit: 0, current: 0)), request: check(),
                granted: false, reason: .requestedUsageExceedingLimit),

    // Usage limit, requestedUsage given: it must fit (<=)
    DecisionRow(name: "requested: sum equal to limit → granted", state: state(metered(limit: 10000, current: 9000)),
                request: check(usage: 1000), granted: true, reason: nil, usage: .value(9000)),
    DecisionRow(name: "requested: one over → denied", state: state(metered(limit: 10000, current: 9000)),
                request: check(usage: 1001), granted: false, reason: .requestedUsageExceedingLimit, usage: .value(9000)),
    DecisionRow(name: "requested 0 at the limit → granted (<=)", state: state(metered(limit: 10000, current: 10000)),
                request: check(usage: 0), granted: true, reason: nil),
    DecisionRow(name: "requested 0 over the limit → denied", state: state(metered(limit: 10000, current: 10001)),
                request: check(usage: 0), granted: false, reason: .requestedUsageExceedingLimit),
    DecisionRow(name: "requested 0 with limit 0 → granted", state: state(metered(limit: 0, current: 0)),
                request: check(usage: 0), granted: true, reason: nil),
    DecisionRow(name: "fractional: 2.5 + 0.5 <= 3", state: state(metered(limit: 3, current: 2.5)),
                request: check(usage: 0.5), granted: true, reason: nil, usage: .value(2.5)),
    DecisionRow(name: "fractional: 2.5 + 0.75 > 3", state: state(metered(limit: 3, current: 2.5)),
                request: check(usage: 0.75), granted: false, reason: .requestedUsageExceedingLimit),
    DecisionRow(name: "fractional: 2.75 < 3 omitted", state: state(metered(limit: 3, current: 2.75)),
                request: check(), granted: true, reason: nil),
    DecisionRow(name: "fractional limit: 0 + 1.5 <= 1.5", state: state(metered(limit: 1.5, current: 0)),
                request: check(usage: 1.5), granted: true, reason: nil),
    DecisionRow(name: "fractional: plain IEEE sums, 0.1 + 0.2 > 0.3", state: state(metered(limit: 0.3, current: 0.1)),
                request: check(usage: 0.2), granted: false, reason: .requestedUsageExceedingLimit),
    DecisionRow(name: "no currentUsage counts as 0, omitted", state: state(metered(limit: 10, current: nil)),
                request: check(), granted: true, reason: nil, usage: .absent),
    DecisionRow(name: "no currentUsage, requested equal to limit", state: state(metered(limit: 10, current: nil)),
                request: check(usage: 10), granted: true, reason: nil),
    DecisionRow(name: "no currentUsage, requested one over", state: state(metered(limit: 10, current: nil)),
                request: check(usage: 11), granted: false, reason: .requestedUsageExceedingLimit),
    DecisionRow(name: "no currentUsage, limit 0, omitted", state: state(metered(limit: 0, current: nil)),
                request: check(), granted: false, reason: .requestedUsageExceedingLimit),
    DecisionRow(name: "requestedValues on a NUMBER feature are ignored", state: state(metered(limit: 10, current: 10)),
                request: check(values: ["a"]), granted: false, reason: .requestedUsageExceedingLimit),

    // Credits
    DecisionRow(name: "credits: enough", state: state(credit(limit: 5000, current: 1000)), request: checkCredit(usage: 10),
                granted: true, reason: nil, usage: .value(1000), type: "CREDIT"),
    DecisionRow(name: "credits: exactly the balance", state: state(credit(limit: 5000, current: 1000)),
                request: checkCredit(usage: 4000), granted: true, reason: nil, type: "CREDIT"),
    DecisionRow(name: "credits: one over → InsufficientCredits", state: state(credit(limit: 5000, current: 1000)),
                request: checkCredit(usage: 4001), granted: false, reason: .insufficientCredits, type: "CREDIT"),
    DecisionRow(name: "credits: omitted with balance left", state: state(credit(limit: 5000, current: 4999.5)),
                request: checkCredit(), granted: true, reason: nil, type: "CREDIT"),
    DecisionRow(name: "credits: omitted with balance 0 → InsufficientCredits", state: state(credit(limit: 5000, current: 5000)),
                request: checkCredit(), granted: false, reason: .insufficientCredits, type: "CREDIT"),
    DecisionRow(name: "credits: requested 0 with balance 0 → granted", state: state(credit(limit: 5000, current: 5000)),
                request: checkCredit(usage: 0), granted: true, reason: nil, type: "CREDIT"),
    DecisionRow(name: "credits: fractional 0.25 of 0.25 left", state: state(credit(limit: 1, current: 0.75)),
                request: checkCredit(usage: 0.25), granted: true, reason: nil, type: "CREDIT"),
    DecisionRow(name: "credits: not granted keeps its own reason", state: state(credit(granted: false, reason: .revoked)),
                request: checkCredit(usage: 1), granted: false, reason: .revoked, type: "CREDIT"),
    DecisionRow(name: "credits: unknown currency → EntitlementNotFound", state: state(credit()),
                request: checkCredit("gold-coins"), granted: false, reason: .entitlementNotFound, usage: .value(0),
                type: "CREDIT"),
    DecisionRow(name: "credits: currency id that only names a feature", state: state(boolean()),
                request: checkCredit("feature-sso"), granted: false, reason: .entitlementNotFound, type: "CREDIT"),
    DecisionRow(name: "credits: usagePeriodEnd passed → refresh, usage kept", state: state(credit(current: 5000, periodEnd: P)),
                request: checkCredit(), granted: false, reason: .insufficientCredits, usage: .value(5000),
                needsRefresh: true, type: "CREDIT"),
    DecisionRow(name: "credits: validUntil passed → refresh", state: state(credit(validUntil: N)),
                request: checkCredit(), granted: true, reason: nil, needsRefresh: true, type: "CREDIT"),
    DecisionRow(name: "credits: period ends in the future → no refresh", state: state(credit(periodEnd: F, validUntil: F)),
                request: checkCredit(), granted: true, reason: nil, type: "CREDIT"),

    // Period rollover
    DecisionRow(name: "rollover: end < now decides with 0", state: state(metered(limit: 100, current: 100, reset: .month, periodEnd: P)),
                request: check(), granted: true, reason: nil, usage: .value(0), needsRefresh: true),
    DecisionRow(name: "rollover: end == now decides with 0", state: state(metered(limit: 100, current: 100, reset: .month, periodEnd: N)),
                request: check(), granted: true, reason: nil, usage: .value(0), needsRefresh: true),
    DecisionRow(name: "rollover: end > now keeps usage", state: state(metered(limit: 100, current: 100, reset: .month, periodEnd: F)),
                request: check(), granted: false, reason: .requestedUsageExceedingLimit, usage: .value(100)),
    DecisionRow(name: "rollover: resetPeriod null never rolls over",
                state: state(feature(limit: .present(100), current: 100, reset: .null, periodEnd: P)),
                request: check(), granted: false, reason: .requestedUsageExceedingLimit, usage: .value(100)),
    DecisionRow(name: "rollover: resetPeriod absent never rolls over", state: state(metered(limit: 100, current: 100, periodEnd: P)),
                request: check(), granted: false, reason: .requestedUsageExceedingLimit, usage: .value(100)),
    DecisionRow(name: "rollover: requested the whole new limit", state: state(metered(limit: 100, current: 100, reset: .day, periodEnd: P)),
                request: check(usage: 100), granted: true, reason: nil, usage: .value(0), needsRefresh: true),
    DecisionRow(name: "rollover: requested over the new limit", state: state(metered(limit: 100, current: 3, reset: .day, periodEnd: P)),
                request: check(usage: 101), granted: false, reason: .requestedUsageExceedingLimit, usage: .value(0),
                needsRefresh: true),
    DecisionRow(name: "rollover: upstream's denial for usage is the last period's and is lifted",
                state: state(feature(granted: false, reason: .requestedUsageExceedingLimit, limit: .present(100), current: 100,
                                     unlimited: false, reset: .present(.month), periodEnd: P)),
                request: check(), granted: true, reason: nil, usage: .value(0), needsRefresh: true),
    DecisionRow(name: "rollover: a denial for usage stays when the new limit is 0",
                state: state(feature(granted: false, reason: .requestedUsageExceedingLimit, limit: .present(0), current: 5,
                                     unlimited: false, reset: .present(.month), periodEnd: P)),
                request: check(), granted: false, reason: .requestedUsageExceedingLimit, usage: .value(0), needsRefresh: true),
    DecisionRow(name: "rollover: a denial for another reason stays",
                state: state(feature(granted: false, reason: .noActiveSubscription, limit: .present(100), current: 100,
                                     unlimited: false, reset: .present(.month), periodEnd: P)),
                request: check(), granted: false, reason: .noActiveSubscription, usage: .value(0), needsRefresh: true),
    DecisionRow(name: "rollover: no currentUsage shows 0", state: state(metered(limit: 100, current: nil, reset: .hour, periodEnd: P)),
                request: check(), granted: true, reason: nil, usage: .value(0), needsRefresh: true),
    DecisionRow(name: "rollover: unknown resetPeriod string still counts as set",
                state: state(metered(limit: 100, current: 100, reset: "QUARTER", periodEnd: P)),
                request: check(), granted: true, reason: nil, usage: .value(0), needsRefresh: true, offSchemaInput: true),
    DecisionRow(name: "rollover: not granted stays denied, usage 0 shown",
                state: state(feature(granted: false, reason: .revoked, limit: .present(5), current: 5, reset: .present(.month), periodEnd: P)),
                request: check(), granted: false, reason: .revoked, usage: .value(0), needsRefresh: true),

    // validUntil
    DecisionRow(name: "validUntil < now → refresh, answer as cached", state: state(feature(current: 1, validUntil: P)),
                request: check(), granted: true, reason: nil, usage: .value(1), needsRefresh: true),
    DecisionRow(name: "validUntil == now → refresh", state: state(feature(current: 1, validUntil: N)),
                request: check(), granted: true, reason: nil, needsRefresh: true),
    DecisionRow(name: "validUntil > now → no refresh", state: state(feature(current: 1, validUntil: F)),
                request: check(), granted: true, reason: nil, needsRefresh: false),
    DecisionRow(name: "validUntil passed on a denial → refresh", state: state(feature(limit: .present(1), current: 1, validUntil: P)),
                request: check(), granted: false, reason: .requestedUsageExceedingLimit, needsRefresh: true),

    // ENUM
    DecisionRow(name: "ENUM with requestedValues → ask upstream", state: state(feature("feature-region", type: .enumeration)),
                request: check("feature-region", values: ["eu", "us"]), granted: true, reason: nil, needsUpstream: true),
    DecisionRow(name: "ENUM with requestedValues and a due refresh", state: state(feature("feature-region", type: .enumeration, validUntil: P)),
                request: check("feature-region", values: ["eu"]), granted: true, reason: nil, needsRefresh: true, needsUpstream: true),
    DecisionRow(name: "ENUM without requestedValues → granted locally", state: state(feature("feature-region", type: .enumeration)),
                request: check("feature-region"), granted: true, reason: nil),
    DecisionRow(name: "ENUM with empty requestedValues → granted locally", state: state(feature("feature-region", type: .enumeration)),
                request: check("feature-region", values: []), granted: true, reason: nil),
    DecisionRow(name: "ENUM not granted → denied locally, no upstream",
                state: state(feature("feature-region", type: .enumeration, granted: false, reason: .revoked)),
                request: check("feature-region", values: ["eu"]), granted: false, reason: .revoked),
    DecisionRow(name: "ENUM under a state-level denial → denied locally",
                state: state(feature("feature-region", type: .enumeration), reason: .customerIsArchived),
                request: check("feature-region", values: ["eu"]), granted: false, reason: .customerIsArchived),
]

@Suite("Decision table")
struct DecisionTableTests {
    @Test(arguments: decisionTable)
    func row(_ row: DecisionRow) {
        let decision = decide(state: row.state, request: row.request, now: Fixtures.now)
        #expect(decision.isGranted == row.granted)
        #expect(decision.accessDeniedReason == row.reason)
        #expect(decision.needsRefresh == row.needsRefresh)
        #expect(decision.needsUpstream == row.needsUpstream)
        #expect(decision.entitlement.type == row.type)
        switch row.usage {
        case .unchecked: break
        case .absent: #expect(decision.entitlement.currentUsage == nil)
        case .value(let usage): #expect(decision.entitlement.currentUsage == usage)
        }
    }

    @Test func tableSize() {
        #expect(decisionTable.count >= 60)
    }

    @Test func deniedAnswerEchoesEveryCachedField() throws {
        let cached = try Entitlement(json: parse(#"""
        {"type":"FEATURE","isGranted":true,"accessDeniedReason":null,
         "feature":{"id":"feature-api-calls","displayName":"API Calls","featureType":"NUMBER","featureStatus":"ACTIVE"},
         "usageLimit":10000,"hasUnlimitedUsage":false,"currentUsage":2500,"resetPeriod":"MONTH",
         "usagePeriodAnchor":"2026-01-01T00:00:00.000Z","usagePeriodStart":"2026-06-01T00:00:00.000Z",
         "usagePeriodEnd":"2026-07-01T00:00:00.000Z","entitlementUpdatedAt":"2026-06-02T10:15:30.123Z",
         "validUntil":"2026-07-01T00:00:00.000Z"}
        """#))
        let decision = decide(state: EntitlementsState(entitlements: [cached]), request: check(usage: 8000), now: Fixtures.now)
        guard case .feature(var expected) = cached else { Issue.record("not a feature"); return }
        expected.isGranted = false
        expected.accessDeniedReason = .requestedUsageExceedingLimit
        #expect(decision.entitlement == .feature(expected))
    }

    @Test func unknownCurrencyBodyFollowsDesign() throws {
        let decision = decide(state: state(credit()), request: checkCredit("gold-coins", usage: 1), now: Fixtures.now)
        let body = text(ResponseBody.check(decision.entitlement, provenance: .fallback))
        #expect(body == #"{"data":{"type":"CREDIT","isGranted":false,"accessDeniedReason":"EntitlementNotFound","#
            + #""currency":{"currencyId":"gold-coins","displayName":"gold-coins"},"currentUsage":0,"usageLimit":0,"#
            + #""usageUpdatedAt":"2026-06-15T12:00:00.000Z"},"sidecar":{"source":"fallback","syncedAt":null,"ageSeconds":null}}"#)
    }

    @Test func listingRolloverZeroesUsageAndKeepsTheRest() {
        let cached = state(
            metered(limit: 100, current: 80, reset: .month, periodEnd: Fixtures.past),
            metered(limit: 100, current: 80, reset: .month, periodEnd: Fixtures.future),
            credit(current: 10, periodEnd: Fixtures.future)
        )
        let (listed, needsRefresh) = cached.rolledOver(at: Fixtures.now)
        #expect(needsRefresh)
        #expect(listed.entitlements.map(\.currentUsage) == [0, 80, 10])
        guard case .feature(let before) = cached.entitlements[0], case .feature(var after) = listed.entitlements[0] else {
            Issue.record("not features")
            return
        }
        after.currentUsage = before.currentUsage
        #expect(after == before)

        let (fresh, freshNeedsRefresh) = state(metered(limit: 1, current: 1, reset: .month, periodEnd: Fixtures.future))
            .rolledOver(at: Fixtures.now)
        #expect(!freshNeedsRefresh)
        #expect(fresh.entitlements[0].currentUsage == 1)
    }

    @Test func refreshDueIsTheEarliestHint() {
        let cached = state(
            metered(limit: 1, current: 0, reset: .month, periodEnd: "2026-08-01T00:00:00Z"),
            metered(limit: 1, current: 0, periodEnd: "2026-06-20T00:00:00Z"),  // no resetPeriod: not a hint
            feature("feature-x", validUntil: "2026-07-15T00:00:00Z"),
            credit(periodEnd: "2026-07-10T00:00:00Z")
        )
        #expect(cached.refreshDue == ts("2026-07-10T00:00:00Z").date)
        #expect(state(boolean()).refreshDue == nil)
    }
}
