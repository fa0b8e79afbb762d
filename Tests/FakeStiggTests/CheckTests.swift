import FakeStigg
import Foundation
import SidecarModel
import Testing

@Suite struct CheckTests {
    /// `data.isGranted` and `data.accessDeniedReason` of a check.
    private func check(_ client: TestClient, _ query: String) async throws -> (Bool?, String?) {
        let reply = try await client.get("/api/v1/customers/acme/entitlements/check?\(query)")
        #expect(reply.status == 200, "\(query): \(reply.text)")
        let data = try reply.json()["data"]
        // The body must also be one entitlement in the sidecar decoder's sense.
        if let data { _ = try Entitlement.decodeIfKnownForTest(data) }
        return (data?["isGranted"]?.boolValueForTest, data?["accessDeniedReason"]?.stringValueForTest)
    }

    @Test func meteredBooleanAndCredits() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: sampleState)
            #expect(try await check(client, "featureId=feature-api-calls&requestedUsage=60") == (true, nil))
            #expect(try await check(client, "featureId=feature-api-calls&requestedUsage=61") == (false, "RequestedUsageExceedingLimit"))
            #expect(try await check(client, "featureId=feature-sso") == (true, nil))
            #expect(try await check(client, "featureId=feature-nope") == (false, "NoFeatureEntitlementInSubscription"))
            #expect(try await check(client, "currencyId=ai-tokens&requestedUsage=4000") == (true, nil))
            #expect(try await check(client, "currencyId=ai-tokens&requestedUsage=4001") == (false, "InsufficientCredits"))
            #expect(try await check(client, "currencyId=gold") == (false, "EntitlementNotFound"))
        }
    }

    @Test func requestedUsageZeroReadsStateAndOmittedAsksForOneMore() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: sampleState.replacingOccurrences(of: "\"currentUsage\":40", with: "\"currentUsage\":100"))
            #expect(try await check(client, "featureId=feature-api-calls&requestedUsage=0") == (true, nil))
            #expect(try await check(client, "featureId=feature-api-calls") == (false, "RequestedUsageExceedingLimit"))
        }
    }

    @Test func enumValuesComeFromTheFakesConfiguration() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: """
                [{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,
                  "feature":{"id":"feature-region","displayName":"Region","featureType":"ENUM","featureStatus":"ACTIVE"}}]
                """)
            fake.setEnumValues(customerId: "acme", featureId: "feature-region", ["us", "eu"])
            #expect(try await check(client, "featureId=feature-region&requestedValues=us,eu") == (true, nil))
            #expect(try await check(client, "featureId=feature-region&requestedValues=eu%2Cus") == (true, nil))
            #expect(try await check(client, "featureId=feature-region&requestedValues=us,fr") == (false, "RequestedValuesMismatch"))
            #expect(try await check(client, "featureId=feature-region") == (true, nil))
        }
    }

    @Test func stateLevelDenialWins() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: sampleState.replacingOccurrences(
                of: #"{"accessDeniedReason":null,"entitlements""#, with: #"{"accessDeniedReason":"NoActiveSubscription","entitlements""#))
            #expect(try await check(client, "featureId=feature-sso") == (false, "NoActiveSubscription"))
        }
    }

    @Test func badQueriesAre400() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: sampleState)
            for query in ["", "featureId=a&currencyId=b", "featureId=", "featureId=a&requestedUsage=-1", "featureId=a&requestedUsage=x"] {
                let reply = try await client.get("/api/v1/customers/acme/entitlements/check?\(query)")
                #expect(reply.status == 400, "\(query)")
            }
            #expect(try await client.get("/api/v1/customers/ghost/entitlements/check?featureId=a").status == 404)
        }
    }
}

extension Entitlement {
    /// Decodes one check body's `data` through the sidecar's state decoder.
    static func decodeIfKnownForTest(_ value: JSONValue) throws -> EntitlementsState {
        try EntitlementsState(json: .object(["accessDeniedReason": .null, "entitlements": .array([value])]))
    }
}

extension JSONValue {
    var boolValueForTest: Bool? { if case .bool(let value) = self { value } else { nil } }
    var stringValueForTest: String? { if case .string(let value) = self { value } else { nil } }
}
