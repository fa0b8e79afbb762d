import FakeStigg
import SidecarModel
import Testing

@Suite struct AuthAndShapeTests {
    @Test func everyAPIRequestNeedsTheKey() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: sampleState)
            var anonymous = client
            anonymous.apiKey = nil
            let missing = try await anonymous.get("/api/v1/customers/acme/entitlements")
            #expect(missing.status == 401)
            #expect(try missing.json()["error"]?["code"] == .string("UNAUTHENTICATED"))
            anonymous.apiKey = "server-wrong"
            #expect(try await anonymous.get("/api/v1/customers").status == 401)
            #expect(try await client.get("/api/v1/customers/acme/entitlements").status == 200)
            // The control API is for the test itself and needs no key.
            #expect(try await anonymous.get("/_fake/health").status == 200)
        }
    }

    @Test func flatErrorShapeAndCustomKey() async throws {
        var configuration = FakeStiggConfiguration()
        configuration.apiKey = "server-custom"
        configuration.errorShape = .flat
        try await withFake(configuration) { _, client in
            let reply = try await client.get("/api/v1/customers")
            #expect(reply.status == 401)
            #expect(try reply.json()["code"] == .string("Unauthenticated"))
            #expect(try reply.json()["message"]?.typeName == "string")
        }
    }

    @Test func listingDecodesWithTheSidecarsDecoder() async throws {
        try await withFake { fake, client in
            fake.seedDemo()
            try fake.setEntitlements(customerId: "acme", json: sampleState)
            let reply = try await client.get("/api/v1/customers/acme/entitlements")
            let state = try EntitlementsState.decodeResponse(reply.body)
            #expect(state.entitlements.count == 3)
            #expect(state.feature("feature-api-calls")?.currentUsage == 40)
            #expect(state.credit("ai-tokens")?.usageLimit == 5000)
            for customer in ["demo-pro", "demo-free", "demo-unlimited", "demo-lapsed", "demo-team"] {
                let demo = try await client.get("/api/v1/customers/\(customer)/entitlements")
                #expect(throws: Never.self) { try EntitlementsState.decodeResponse(demo.body) }
            }
            let lapsed = try EntitlementsState.decodeResponse(try await client.get("/api/v1/customers/demo-lapsed/entitlements").body)
            #expect(lapsed.accessDeniedReason == .noActiveSubscription)
        }
    }

    @Test func modelStatesRoundTrip() async throws {
        try await withFake { fake, client in
            let original = try EntitlementsState.decodeResponse(Array("{\"data\":\(sampleState)}".utf8))
            fake.setEntitlements(customerId: "model", state: original)
            let served = try EntitlementsState.decodeResponse(try await client.get("/api/v1/customers/model/entitlements").body)
            #expect(served == original)
        }
    }

    @Test func unknownCustomersAndResources() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: sampleState)
            try fake.setEntitlements(customerId: "acme", resourceId: "ws-1", json: #"{"accessDeniedReason":null,"entitlements":[]}"#)
            #expect(try await client.get("/api/v1/customers/ghost/entitlements").status == 404)
            #expect(try await client.get("/api/v1/customers/acme/entitlements?resourceId=ws-2").status == 404)
            let scoped = try await client.get("/api/v1/customers/acme/entitlements?resourceId=ws-1")
            #expect(try EntitlementsState.decodeResponse(scoped.body).entitlements.isEmpty)
            let resources = try await client.get("/api/v1/customers/acme/resources")
            #expect(try resources.json()["data"] == .array([.object([
                "id": .string("ws-1"), "createdAt": .string("2026-01-01T00:00:00.000Z"),
                "updatedAt": .string("2026-01-01T00:00:00.000Z"),
            ])]))

            fake.configure { $0.unknownCustomer = .customerNotFoundState }
            let ghost = try await client.get("/api/v1/customers/ghost/entitlements")
            #expect(ghost.status == 200)
            #expect(try EntitlementsState.decodeResponse(ghost.body).accessDeniedReason == .customerNotFound)
            let check = try await client.get("/api/v1/customers/ghost/entitlements/check?featureId=feature-sso")
            #expect(try check.json()["data"]?["accessDeniedReason"] == .string("CustomerNotFound"))

            fake.removeCustomer("acme")
            #expect(fake.customerCount == 0)
        }
    }
}
