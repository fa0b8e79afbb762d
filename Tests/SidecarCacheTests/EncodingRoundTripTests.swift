import Foundation
import Testing
@testable import SidecarCache
@testable import SidecarModel
@testable import SidecarApp

// The encoder writes back exactly what Stigg sent: for each STIGG-API.md example the encoded
// JSON is the same document (same keys, same nulls, same values) as the original.

@Suite("Encoding round trip")
struct EncodingRoundTripTests {
    @Test(arguments: StiggExamples.listings)
    func listingExamples(_ example: String) throws {
        let original = try parse(example)
        let state = try EntitlementsState.decodeResponse(Array(example.utf8))
        let body = ResponseBody.listing(state, provenance: Provenance(source: .cache, syncedAt: "2026-11-21T00:00:00.000Z", ageSeconds: 1))
        let reparsed = try JSONParser.parse(body)
        #expect(reparsed["data"] == original["data"])
        #expect(try EntitlementsState.decodeResponse(body) == state)
        #expect(reparsed["sidecar"] == .object(["source": .string("cache"), "syncedAt": .string("2026-11-21T00:00:00.000Z"), "ageSeconds": .number(1)]))
    }

    @Test(arguments: StiggExamples.checks)
    func checkExamples(_ example: String) throws {
        let original = try parse(example)
        let entitlement = try Entitlement.decodeCheckResponse(Array(example.utf8))
        let body = ResponseBody.check(entitlement, provenance: .fallback)
        #expect(try JSONParser.parse(body)["data"] == original["data"])
        #expect(try Entitlement.decodeCheckResponse(body) == entitlement)
    }

    @Test func decidingTheListingExampleReproducesTheCheckExample() throws {
        // STIGG-API.md §3.2: `?featureId=feature-api-calls&requestedUsage=8000` against the §2 state.
        let state = try EntitlementsState.decodeResponse(Array(StiggExamples.listing.utf8))
        let decision = decide(state: state, request: check(usage: 8000), now: ts("2026-11-21T00:00:00Z").date)
        var expected = try #require(try parse(StiggExamples.checkExceeding)["data"])
        // The §3.2 example leaves out two optional fields the §2 state has; the sidecar echoes them.
        if case .object(var fields) = expected {
            fields["usagePeriodAnchor"] = .string("2026-01-01T00:00:00.000Z")
            fields["entitlementUpdatedAt"] = .string("2026-11-02T10:15:30.123Z")
            expected = .object(fields)
        }
        #expect(try JSONParser.parse(ResponseBody.check(decision.entitlement, provenance: .fallback))["data"] == expected)
    }

    @Test func unknownFieldsAreDroppedButEverythingKnownSurvives() throws {
        let json = #"{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,"hasSoftLimit":false,"usageLimit":1.5}"#
        var writer = JSONWriter()
        writer.entitlement(try Entitlement(json: parse(json)))
        #expect(text(writer.bytes) == #"{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,"usageLimit":1.5}"#)
    }
}
