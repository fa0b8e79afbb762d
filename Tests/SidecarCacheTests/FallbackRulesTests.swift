import Foundation
import Testing
@testable import SidecarCache
@testable import SidecarModel
@testable import SidecarApp

@Suite("Fallback rules")
struct FallbackRulesTests {
    static let stiggExample = #"{"feature-x":{"hasAccess":true,"usageLimit":1000},"feature-y":{"hasAccess":true,"isUnlimited":true}}"#

    func rules(_ json: String) throws -> FallbackRules { try FallbackRules(parsing: json) }

    func parseError(_ json: String) -> String? {
        do {
            _ = try FallbackRules(parsing: json)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func parsesStiggSidecarFormat() throws {
        let parsed = try rules(Self.stiggExample)
        #expect(parsed.rules == [
            "feature-x": FallbackRule(hasAccess: true, usageLimit: 1000),
            "feature-y": FallbackRule(hasAccess: true, isUnlimited: true),
        ])
    }

    @Test func parsesEnumValuesAndStiggValueAlias() throws {
        let parsed = try rules(#"{"region":{"hasAccess":true,"enumValues":["eu","us"]},"seats":{"hasAccess":true,"value":5},"off":{"hasAccess":false,"usageLimit":null,"isUnlimited":null}}"#)
        #expect(parsed.rules["region"] == FallbackRule(hasAccess: true, enumValues: ["eu", "us"]))
        #expect(parsed.rules["seats"]?.usageLimit == 5)
        #expect(parsed.rules["off"] == FallbackRule(hasAccess: false))
    }

    @Test func blankMeansNoRules() throws {
        #expect(try rules("") == .none)
        #expect(try rules("  \n") == .none)
        #expect(try rules("{}") == .none)
    }

    @Test(arguments: [
        (#"{"feature-x":{"hasAccess":true,}}"#, "ENTITLEMENTS_FALLBACK: not valid JSON: line 1, column 32: expected a string key in object"),
        ("feature-x=true", "ENTITLEMENTS_FALLBACK: not valid JSON: line 1, column 1: invalid literal (strings must be in double quotes)"),
        (#"["feature-x"]"#, "ENTITLEMENTS_FALLBACK: expected a JSON object keyed by feature id, found array"),
        (#"{"feature-x":true}"#, "ENTITLEMENTS_FALLBACK: feature-x: expected an object, found boolean"),
        (#"{"feature-x":{"usageLimit":5}}"#, #"ENTITLEMENTS_FALLBACK: feature-x: missing required key "hasAccess""#),
        (#"{"feature-x":{"hasAccess":"yes"}}"#, "ENTITLEMENTS_FALLBACK: feature-x.hasAccess: expected boolean, found string"),
        (#"{"feature-x":{"hasAccess":true,"usageLimit":"5"}}"#, "ENTITLEMENTS_FALLBACK: feature-x.usageLimit: expected number, found string"),
        (#"{"feature-x":{"hasAccess":true,"usageLimit":-1}}"#, "ENTITLEMENTS_FALLBACK: feature-x.usageLimit: must not be negative"),
        (#"{"feature-x":{"hasAccess":true,"isUnlimited":1}}"#, "ENTITLEMENTS_FALLBACK: feature-x.isUnlimited: expected boolean, found number"),
        (#"{"feature-x":{"hasAccess":true,"enumValues":"a,b"}}"#, "ENTITLEMENTS_FALLBACK: feature-x.enumValues: expected array of strings, found string"),
        (#"{"feature-x":{"hasAccess":true,"enumValues":["a",2]}}"#, "ENTITLEMENTS_FALLBACK: feature-x.enumValues[1]: expected string, found number"),
        (#"{"feature-x":{"hasAccess":true,"isUnlimted":true}}"#,
         #"ENTITLEMENTS_FALLBACK: feature-x: unknown key "isUnlimted" (accepted: hasAccess, usageLimit, isUnlimited, enumValues, value)"#),
    ])
    func badSettingsNameTheProblem(_ json: String, _ message: String) {
        #expect(parseError(json) == message)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var request: CheckRequest
        var granted: Bool
        var reason: AccessDeniedReason?
        var testDescription: String { name }
    }

    static let table: [Row] = [
        Row(name: "no rule → Unknown", request: check("feature-z"), granted: false, reason: .unknown),
        Row(name: "hasAccess false → Unknown", request: check("off"), granted: false, reason: .unknown),
        Row(name: "boolean rule → granted", request: check("bool"), granted: true, reason: nil),
        Row(name: "unlimited → granted whatever the usage", request: check("feature-y", usage: 1e12), granted: true, reason: nil),
        Row(name: "limit, omitted → 0 < limit", request: check("feature-x"), granted: true, reason: nil),
        Row(name: "limit, requested equal", request: check("feature-x", usage: 1000), granted: true, reason: nil),
        Row(name: "limit, requested one over", request: check("feature-x", usage: 1001), granted: false, reason: .requestedUsageExceedingLimit),
        Row(name: "limit 0, omitted → denied", request: check("zero"), granted: false, reason: .requestedUsageExceedingLimit),
        Row(name: "limit 0, requested 0 → granted", request: check("zero", usage: 0), granted: true, reason: nil),
        Row(name: "enum: every value listed", request: check("region", values: ["eu", "us"]), granted: true, reason: nil),
        Row(name: "enum: one value not listed", request: check("region", values: ["eu", "apac"]), granted: false, reason: .requestedValuesMismatch),
        Row(name: "enum: no values requested", request: check("region"), granted: true, reason: nil),
        Row(name: "enum: hasAccess false wins", request: check("region-off", values: ["eu"]), granted: false, reason: .unknown),
        Row(name: "values against a rule without enumValues are not restricted", request: check("bool", values: ["x"]), granted: true, reason: nil),
        Row(name: "currency rule with enough", request: checkCredit("ai-tokens", usage: 50), granted: true, reason: nil),
        Row(name: "currency rule, too much", request: checkCredit("ai-tokens", usage: 101), granted: false, reason: .insufficientCredits),
        Row(name: "currency, no rule → Unknown", request: checkCredit("gold"), granted: false, reason: .unknown),
    ]

    static let tableRules = try! FallbackRules(parsing: #"""
    {"feature-x":{"hasAccess":true,"usageLimit":1000},"feature-y":{"hasAccess":true,"isUnlimited":true},
     "off":{"hasAccess":false,"usageLimit":5},"bool":{"hasAccess":true},"zero":{"hasAccess":true,"usageLimit":0},
     "region":{"hasAccess":true,"enumValues":["eu","us"]},"region-off":{"hasAccess":false,"enumValues":["eu"]},
     "ai-tokens":{"hasAccess":true,"usageLimit":100}}
    """#)

    @Test(arguments: table)
    func decisions(_ row: Row) {
        let decision = Self.tableRules.decide(row.request, now: Fixtures.now)
        #expect(decision.isGranted == row.granted)
        #expect(decision.accessDeniedReason == row.reason)
        #expect(!decision.needsRefresh && !decision.needsUpstream)
    }

    @Test func bodiesFollowTheDesign() {
        let provenance = Provenance.fallback
        func body(_ request: CheckRequest) -> String {
            text(ResponseBody.check(Self.tableRules.decide(request, now: Fixtures.now).entitlement, provenance: provenance))
        }
        let sidecar = #","sidecar":{"source":"fallback","syncedAt":null,"ageSeconds":null}}"#
        #expect(body(check("feature-x", usage: 10)) == #"{"data":{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,"#
            + #""feature":{"id":"feature-x","displayName":"feature-x","featureType":"NUMBER","featureStatus":"ACTIVE"},"#
            + #""usageLimit":1000,"hasUnlimitedUsage":false,"currentUsage":0}"# + sidecar)
        #expect(body(check("feature-y")) == #"{"data":{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,"#
            + #""feature":{"id":"feature-y","displayName":"feature-y","featureType":"NUMBER","featureStatus":"ACTIVE"},"#
            + #""hasUnlimitedUsage":true,"currentUsage":0}"# + sidecar)
        #expect(body(check("bool")) == #"{"data":{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,"#
            + #""feature":{"id":"bool","displayName":"bool","featureType":"BOOLEAN","featureStatus":"ACTIVE"}}"# + sidecar)
        #expect(body(check("region", values: ["apac"])) == #"{"data":{"type":"FEATURE","isGranted":false,"#
            + #""accessDeniedReason":"RequestedValuesMismatch","#
            + #""feature":{"id":"region","displayName":"region","featureType":"ENUM","featureStatus":"ACTIVE"}}"# + sidecar)
        #expect(body(check("nothing")) == #"{"data":{"type":"FEATURE","isGranted":false,"accessDeniedReason":"Unknown"}"# + sidecar)
        #expect(body(checkCredit("ai-tokens")) == #"{"data":{"type":"CREDIT","isGranted":true,"accessDeniedReason":null,"#
            + #""currency":{"currencyId":"ai-tokens","displayName":"ai-tokens"},"currentUsage":0,"usageLimit":100,"#
            + #""usageUpdatedAt":"2026-06-15T12:00:00.000Z"}"# + sidecar)
    }
}
