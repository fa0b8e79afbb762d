import Foundation
import Testing
@testable import SidecarCache
@testable import SidecarModel

@Suite("Decoding Stigg entitlements")
struct DecodingTests {
    func decodeState(_ json: String) throws -> EntitlementsState {
        try EntitlementsState.decodeResponse(Array(json.utf8))
    }

    func decodeError(_ json: String) -> EntitlementDecodingError? {
        do {
            _ = try decodeState(json)
            return nil
        } catch let error as EntitlementDecodingError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func stiggListingExampleDecodes() throws {
        let state = try decodeState(StiggExamples.listing)
        #expect(state.accessDeniedReason == nil)
        #expect(state.entitlements.count == 3)
        let calls = try #require(state.feature("feature-api-calls"))
        #expect(calls.feature == FeatureRef(id: "feature-api-calls", displayName: "API Calls", featureStatus: .active, featureType: .number))
        #expect(calls.usageLimit == .present(10000))
        #expect(calls.hasUnlimitedUsage == false)
        #expect(calls.currentUsage == 2500)
        #expect(calls.resetPeriod == .present(.month))
        #expect(calls.usagePeriodEnd?.text == "2026-12-01T00:00:00.000Z")
        #expect(calls.entitlementUpdatedAt?.date == Date(timeIntervalSince1970: 1_793_614_530.123))
        let sso = try #require(state.feature("feature-sso"))
        #expect(sso.currentUsage == nil && sso.usageLimit == .absent && sso.resetPeriod == .absent)
        let tokens = try #require(state.credit("ai-tokens"))
        #expect(tokens.currency.description == .null)
        #expect(tokens.currency.unitPlural == .present("tokens"))
        #expect(tokens.currency.metadata == .null)
        #expect(tokens.usageLimit == 5000 && tokens.currentUsage == 1000)
    }

    @Test func unknownFieldsAreIgnoredAtEveryLevel() throws {
        let state = try decodeState(#"""
        {"data":{"accessDeniedReason":null,"cursor":{"x":1},"entitlements":[
          {"type":"FEATURE","isGranted":true,"accessDeniedReason":null,"hasSoftLimit":true,"enumValues":["a"],
           "feature":{"id":"f","displayName":"F","featureType":"BOOLEAN","featureStatus":"ACTIVE","units":"x"}}]},
         "pagination":null}
        """#)
        #expect(state.feature("f")?.feature?.featureType == .boolean)
    }

    @Test func unknownEnumStringsAreKeptVerbatim() throws {
        let json = #"""
        {"data":{"accessDeniedReason":"CustomerIsSuspended","entitlements":[
          {"type":"FEATURE","isGranted":false,"accessDeniedReason":"QuotaFrozen",
           "feature":{"id":"f","displayName":"F","featureType":"METER","featureStatus":"DEPRECATED"},
           "resetPeriod":"QUARTER","usageLimit":5}]}}
        """#
        let state = try decodeState(json)
        #expect(state.accessDeniedReason?.rawValue == "CustomerIsSuspended")
        #expect(state.accessDeniedReason?.isKnown == false)
        let entitlement = try #require(state.feature("f"))
        #expect(entitlement.accessDeniedReason?.rawValue == "QuotaFrozen")
        #expect(entitlement.feature?.featureType?.rawValue == "METER")
        #expect(entitlement.feature?.featureStatus?.rawValue == "DEPRECATED")
        #expect(entitlement.resetPeriod == .present("QUARTER"))
        var writer = JSONWriter()
        writer.entitlementsState(state)
        let written = text(writer.bytes)
        for raw in ["CustomerIsSuspended", "QuotaFrozen", "METER", "DEPRECATED", "QUARTER"] {
            #expect(written.contains("\"\(raw)\""))
        }
    }

    @Test func unknownEntitlementTypeIsSkippedInAStateButNotAsACheckAnswer() throws {
        let state = try decodeState(#"""
        {"data":{"accessDeniedReason":null,"entitlements":[
          {"type":"BUDGET","isGranted":"whatever"},
          {"type":"FEATURE","isGranted":true,"accessDeniedReason":null}]}}
        """#)
        #expect(state.entitlements.count == 1)
        #expect(throws: EntitlementDecodingError.self) {
            try Entitlement.decodeCheckResponse(Array(#"{"data":{"type":"BUDGET","isGranted":true}}"#.utf8))
        }
    }

    @Test(arguments: [
        ("2026-11-01T00:00:00Z", 1_793_491_200.0),
        ("2026-11-01T00:00:00.000Z", 1_793_491_200.0),
        ("2026-11-01T00:00:00.5Z", 1_793_491_200.5),
        ("2026-11-01T00:00:00.123456789Z", 1_793_491_200.123456789),
        ("2026-11-01T02:00:00+02:00", 1_793_491_200.0),
        ("2026-10-31T19:00:00-05:00", 1_793_491_200.0),
        ("2026-11-01t00:00:00z", 1_793_491_200.0),
        ("2024-02-29T23:59:60Z", 1_709_251_200.0),
    ])
    func timestampsWithAndWithoutFraction(_ input: String, _ seconds: Double) throws {
        let timestamp = try #require(Timestamp(input))
        #expect(timestamp.text == input)
        #expect(abs(timestamp.date.timeIntervalSince1970 - seconds) < 1e-6)
    }

    @Test(arguments: ["2026-11-01", "2026-11-01T00:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                      "2026-11-01T24:00:00Z", "2026-11-01T00:00:00.Z", "2026-11-01T00:00:00+0200", "1793491200", ""])
    func badTimestampsAreRejected(_ input: String) {
        #expect(Timestamp(input) == nil)
    }

    @Test func timestampFormattingRoundTrips() {
        #expect(Timestamp.formatRFC3339(Date(timeIntervalSince1970: 1_793_491_200.1234)) == "2026-11-01T00:00:00.123Z")
        #expect(Timestamp.formatRFC3339(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.formatRFC3339(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        #expect(Timestamp.formatRFC3339(ts("2099-12-31T23:59:59.999Z").date) == "2099-12-31T23:59:59.999Z")
        #expect(Timestamp.formatRFC3339(ts("2024-02-29T12:00:00Z").date) == "2024-02-29T12:00:00.000Z")
    }

    @Test func featureRefIdIsAcceptedWhenIdIsAbsent() throws {
        let state = try decodeState(#"""
        {"data":{"accessDeniedReason":null,"entitlements":[
          {"type":"FEATURE","isGranted":true,"accessDeniedReason":null,
           "feature":{"refId":"feature-api-calls","displayName":"API Calls","featureType":"NUMBER","featureStatus":"ACTIVE"}},
          {"type":"FEATURE","isGranted":true,"accessDeniedReason":null,
           "feature":{"id":"feature-new","refId":"feature-old","featureType":"BOOLEAN"}}]}}
        """#)
        #expect(state.feature("feature-api-calls") != nil)
        #expect(state.feature("feature-new") != nil)
        #expect(state.feature("feature-old") == nil)
    }

    @Test func nullInOptionalFieldsMeansAbsent() throws {
        let state = try decodeState(#"""
        {"data":{"accessDeniedReason":null,"entitlements":[
          {"type":"FEATURE","isGranted":true,"accessDeniedReason":null,"currentUsage":null,"hasUnlimitedUsage":null,
           "validUntil":null,"feature":{"id":"f","displayName":null,"featureType":"NUMBER","featureStatus":null},"usageLimit":7}]}}
        """#)
        let entitlement = try #require(state.feature("f"))
        #expect(entitlement.currentUsage == nil && entitlement.hasUnlimitedUsage == nil && entitlement.validUntil == nil)
        #expect(entitlement.usageLimit == .present(7))
    }

    @Test func missingAccessDeniedReasonIsTakenAsNull() throws {
        let state = try decodeState(#"{"data":{"entitlements":[{"type":"FEATURE","isGranted":true}]}}"#)
        #expect(state.accessDeniedReason == nil)
        #expect(state.entitlements.first?.accessDeniedReason == nil)
    }

    @Test(arguments: [
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"FEATURE","isGranted":true,"accessDeniedReason":null},{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,"usageLimit":"100"}]}}"#,
         "data.entitlements[1].usageLimit", "expected number, found string"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"FEATURE","isGranted":1,"accessDeniedReason":null}]}}"#,
         "data.entitlements[0].isGranted", "expected boolean, found number"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"FEATURE","isGranted":true,"currentUsage":true}]}}"#,
         "data.entitlements[0].currentUsage", "expected number, found boolean"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"FEATURE","isGranted":true,"feature":{"id":5}}]}}"#,
         "data.entitlements[0].feature.id", "expected string, found number"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"FEATURE","isGranted":true,"feature":{"displayName":"x"}}]}}"#,
         "data.entitlements[0].feature.id", "missing required field"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"FEATURE","isGranted":true,"usagePeriodEnd":"next month"}]}}"#,
         "data.entitlements[0].usagePeriodEnd", #"expected an RFC 3339 date-time, found "next month""#),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"FEATURE","accessDeniedReason":null}]}}"#,
         "data.entitlements[0].isGranted", "missing required field"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"isGranted":true}]}}"#,
         "data.entitlements[0].type", "missing required field"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":7,"isGranted":true}]}}"#,
         "data.entitlements[0].type", "expected string, found number"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"CREDIT","isGranted":true,"currency":{"currencyId":"c"},"currentUsage":1}]}}"#,
         "data.entitlements[0].usageLimit", "missing required field"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"CREDIT","isGranted":true,"usageLimit":1}]}}"#,
         "data.entitlements[0].currency", "missing required field"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"CREDIT","isGranted":true,"usageLimit":1,"currency":{"currencyId":"c","metadata":{"tier":3}}}]}}"#,
         "data.entitlements[0].currency.metadata.tier", "expected string, found number"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"CREDIT","isGranted":true,"usageLimit":1,"currency":{"currencyId":"c"},"reservation":{"id":"r","amount":1,"status":"ACTIVE"}}]}}"#,
         "data.entitlements[0].reservation.expiresAt", "missing required field"),
        (#"{"data":{"accessDeniedReason":3,"entitlements":[]}}"#, "data.accessDeniedReason", "expected string, found number"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":{}}}"#, "data.entitlements", "expected array, found object"),
        (#"{"data":{"accessDeniedReason":null}}"#, "data.entitlements", "missing required field"),
        (#"{"data":[]}"#, "data", "expected object, found array"),
        (#"{"nodata":{}}"#, "data", "missing required field"),
        (#"{"data":{"accessDeniedReason":null,"entitlements":[42]}}"#, "data.entitlements[0]", "expected object, found number"),
    ])
    func wrongTypesThrowWithTheirPath(_ json: String, _ path: String, _ reason: String) {
        let error = decodeError(json)
        #expect(error?.renderedPath == path)
        #expect(error?.reason == reason)
        #expect(error?.description == "\(path): \(reason)")
    }

    @Test func syntaxErrorsSurfaceAsParseErrors() {
        #expect(throws: JSONParseError.self) { try decodeState(#"{"data":{"entitlements":[}"#) }
        #expect(throws: JSONParseError.self) { try decodeState("<html>502 Bad Gateway</html>") }
    }

    @Test func checkResponseDecodes() throws {
        let entitlement = try Entitlement.decodeCheckResponse(Array(StiggExamples.checkCredit.utf8))
        guard case .credit(let credit) = entitlement else {
            Issue.record("expected CREDIT")
            return
        }
        #expect(credit.currency.currencyId == "ai-tokens")
        #expect(credit.currency.description == .absent)
        #expect(credit.usageUpdatedAt?.text == "2026-11-20T08:00:00.000Z")
    }

    @Test func creditReservationFieldsDecode() throws {
        let entitlement = try Entitlement(json: parse(#"""
        {"type":"CREDIT","isGranted":true,"accessDeniedReason":null,"currency":{"currencyId":"c","displayName":"C"},
         "currentUsage":10.5,"usageLimit":100,"usageUpdatedAt":"2026-01-01T00:00:00Z","reserved":2.5,
         "reservedOnExpiredGrants":1,"reservation":{"id":"r-1","amount":2.5,"expiresAt":"2026-01-01T01:00:00Z","status":"ACTIVE"}}
        """#))
        guard case .credit(let credit) = entitlement else {
            Issue.record("expected CREDIT")
            return
        }
        #expect(credit.reserved == 2.5 && credit.reservedOnExpiredGrants == 1)
        #expect(credit.reservation == CreditReservation(id: "r-1", amount: 2.5, expiresAt: ts("2026-01-01T01:00:00Z"), status: .active))
    }
}
