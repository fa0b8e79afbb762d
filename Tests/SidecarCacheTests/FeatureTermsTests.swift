import Foundation
import Testing
@testable import SidecarModel

@Suite("Shared feature terms")
struct FeatureTermsTests {
    func metered(limit: Double = 1_000, used: Double, end: String = "2026-12-01T00:00:00.000Z") -> FeatureEntitlement {
        FeatureEntitlement(
            isGranted: true, feature: FeatureRef(id: "feature-api-calls", displayName: "API Calls", featureStatus: "ACTIVE", featureType: "NUMBER"),
            currentUsage: used, hasUnlimitedUsage: false, resetPeriod: .present("MONTH"), usageLimit: .present(limit),
            usagePeriodStart: Timestamp("2026-11-01T00:00:00.000Z"), usagePeriodEnd: Timestamp(end), validUntil: Timestamp(end))
    }

    @Test("customers on one plan share one terms object; their usage stays their own")
    func equalTermsAreShared() {
        let first = metered(used: 10)
        let second = metered(used: 20)
        #expect(first.sharesTerms(with: second))
        #expect(first.currentUsage == 10 && second.currentUsage == 20)
        #expect(first != second)
        #expect(!first.sharesTerms(with: metered(limit: 5, used: 10)))
        #expect(!first.sharesTerms(with: metered(used: 10, end: "2027-01-01T00:00:00.000Z")))
    }

    @Test("writing a shared field changes only that value, never the other customers holding the terms")
    func writesCopy() {
        var changed = metered(used: 10)
        let other = metered(used: 10)
        changed.usageLimit = .present(5)
        changed.usagePeriodEnd = Timestamp("2027-01-01T00:00:00.000Z")
        #expect(changed.usageLimit == .present(5) && changed.usagePeriodEnd?.text == "2027-01-01T00:00:00.000Z")
        #expect(other.usageLimit == .present(1_000) && other.usagePeriodEnd?.text == "2026-12-01T00:00:00.000Z")
        #expect(!changed.sharesTerms(with: other))
        #expect(changed.validUntil?.text == "2026-12-01T00:00:00.000Z", "fields not written keep their values")
    }

    @Test("decoded states share the terms of equal entitlements")
    func decodedStatesShare() throws {
        let json = #"{"accessDeniedReason":null,"entitlements":[{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,"#
            + #""feature":{"id":"feature-api-calls","displayName":"API Calls","featureType":"NUMBER","featureStatus":"ACTIVE"},"#
            + #""usageLimit":1000,"currentUsage":%d,"resetPeriod":"MONTH","usagePeriodEnd":"2026-12-01T00:00:00.000Z"}]}"#
        let states = try [3, 4].map { try EntitlementsState(json: JSONParser.parse(String(format: json, $0))) }
        guard case .feature(let first) = states[0].entitlements[0], case .feature(let second) = states[1].entitlements[0] else {
            Issue.record("not feature entitlements")
            return
        }
        #expect(first.sharesTerms(with: second))
        #expect(first.currentUsage == 3 && second.currentUsage == 4)
    }
}
