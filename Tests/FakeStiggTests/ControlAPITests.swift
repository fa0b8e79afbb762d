import FakeStigg
import SidecarModel
import Testing

/// The `/_fake/` control API, as the standalone executable and scripts use it.
@Suite struct ControlAPITests {
    @Test func dataFaultsAndReportsOverHTTP() async throws {
        try await withFake { fake, client in
            #expect(try await client.send("PUT", "/_fake/customers/acme/entitlements", body: sampleState).status == 200)
            #expect(try await client.send("PUT", "/_fake/customers/acme/entitlements?resourceId=ws-1", body: "[]").status == 200)
            #expect(try await client.send("PUT", "/_fake/customers/acme/entitlements", body: "{").status == 400)
            #expect(try await client.post("/_fake/customers/synthetic", #"{"count":3}"#).json()["count"] == .number(4))

            let rule = try await client.post("/_fake/faults", #"{"fault":"status","status":429,"retryAfter":2,"pathPrefix":"/api/v1/customers","count":1}"#)
            #expect(try rule.json()["remaining"] == .number(1))
            #expect(fake.activeFaults.first?.fault == .status(429, retryAfter: 2))
            let limited = try await client.get("/api/v1/customers")
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") == "2")
            #expect(try await client.post("/_fake/faults", #"{"fault":"bogus"}"#).status == 400)
            _ = try await client.post("/_fake/faults", #"{"fault":"latency","milliseconds":50}"#)
            #expect(try await client.send("DELETE", "/_fake/faults").status == 200)
            #expect(fake.activeFaults.isEmpty)

            let usage = #"{"usages":[{"customerId":"acme","featureId":"feature-api-calls","value":2,"idempotencyKey":"u-1"}]}"#
            _ = try await client.post("/api/v1/usage", usage)
            _ = try await client.post("/api/v1/usage", usage)
            let report = try await client.get("/_fake/usage").json()
            #expect(report["uniqueRecords"] == .number(1))
            #expect(report["deliveries"]?["u-1"] == .number(2))
            let counters = try await client.get("/_fake/counters").json()
            #expect(counters["paths"]?["/api/v1/usage"] == .number(2))
            #expect(counters["total"] == .number(3))
            let stored = try await client.get("/_fake/customers/acme/entitlements").json()
            #expect(stored["data"]?["entitlements"]?.firstForTest?["currentUsage"] == .number(42))

            #expect(try await client.send("PUT", "/_fake/customers/acme/enum-values/feature-region", body: #"["us"]"#).status == 200)
            #expect(try await client.send("PUT", "/_fake/config", body: #"{"errorShape":"flat"}"#).json()["errorShape"] == .string("flat"))
            #expect(fake.configuration.errorShape == .flat)
            #expect(try await client.send("PUT", "/_fake/config", body: #"{"errorShape":"odd"}"#).status == 400)

            _ = try await client.post("/_fake/reset", #"{"data":true}"#)
            #expect(fake.customerCount == 0)
            #expect(fake.uniqueRecords == 0)
            #expect(fake.totalCalls == 0)
        }
    }
}
