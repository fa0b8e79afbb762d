import FakeStigg
import SidecarModel
import Testing

@Suite struct UsageTests {
    private func usage(_ records: String) -> String { #"{"usages":["# + records + "]}" }

    private func record(_ value: Double, key: String? = nil, behavior: String = "DELTA", customer: String = "acme") -> String {
        let keyField = key.map { #","idempotencyKey":"\#($0)""# } ?? ""
        return #"{"customerId":"\#(customer)","featureId":"feature-api-calls","value":\#(value),"updateBehavior":"\#(behavior)"\#(keyField)}"#
    }

    @Test func usageAnswersWithMeasurementsAndAppliesDeltaAndSet() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: sampleState)
            let reply = try await client.post("/api/v1/usage", usage(record(5) + "," + record(2)))
            #expect(reply.status == 201)
            let data = try reply.json()["data"]
            #expect(data?.arrayCountForTest == 2)
            #expect(data?.firstForTest?["currentUsage"] == .number(45))
            #expect(data?.firstForTest?["id"]?.stringValueForTest?.isEmpty == false)
            #expect(data?.firstForTest?["usagePeriodEnd"] == .string("2026-12-01T00:00:00.000Z"))
            #expect(fake.currentUsage(customerId: "acme", featureId: "feature-api-calls") == 47)
            _ = try await client.post("/api/v1/usage", usage(record(10, behavior: "SET")))
            #expect(fake.currentUsage(customerId: "acme", featureId: "feature-api-calls") == 10)
            let state = try EntitlementsState.decodeResponse(try await client.get("/api/v1/customers/acme/entitlements").body)
            #expect(state.feature("feature-api-calls")?.currentUsage == 10)
            #expect(fake.uniqueRecords == 3)
        }
    }

    @Test func repeatedKeysAreDeliveriesNotNewRecords() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: sampleState)
            let first = try await client.post("/api/v1/usage", usage(record(5, key: "k-1")))
            let again = try await client.post("/api/v1/usage", usage(record(5, key: "k-1") + "," + record(1, key: "k-2")))
            #expect(again.status == 201)
            #expect(try again.json()["data"]?.firstForTest?["id"] == first.json()["data"]?.firstForTest?["id"])
            #expect(fake.deliveries("k-1") == 2)
            #expect(fake.deliveries("k-2") == 1)
            #expect(fake.uniqueRecords == 2)
            #expect(fake.currentUsage(customerId: "acme", featureId: "feature-api-calls") == 46)
            // Records without a key are always new.
            _ = try await client.post("/api/v1/usage", usage(record(1) + "," + record(1)))
            #expect(fake.uniqueRecords == 4)
        }
    }

    @Test func processedButLostAnswerThenRetry() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: sampleState)
            fake.inject(.status(503, retryAfter: 1), pathPrefix: "/api/v1/usage", count: 1, processFirst: true)
            #expect(try await client.post("/api/v1/usage", usage(record(5, key: "lost"))).status == 503)
            #expect(try await client.post("/api/v1/usage", usage(record(5, key: "lost"))).status == 201)
            #expect(fake.deliveries("lost") == 2)
            #expect(fake.uniqueRecords == 1)
            #expect(fake.currentUsage(customerId: "acme", featureId: "feature-api-calls") == 45)
        }
    }

    @Test func invalidBatchesAre400AndRecordNothing() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: sampleState)
            let tooMany = Array(repeating: record(1), count: 101).joined(separator: ",")
            let bodies = [
                "not json", #"{"usages":[]}"#, usage(tooMany),
                usage(#"{"customerId":"acme","featureId":"feature-api-calls"}"#),
                usage(record(1, behavior: "ADD")),
                usage(record(1) + "," + record(1, customer: "ghost")),
            ]
            for body in bodies {
                let reply = try await client.post("/api/v1/usage", body)
                #expect(reply.status == 400, "\(body.prefix(80))")
                #expect(try reply.json()["error"]?["code"] == .string("BAD_REQUEST"))
            }
            #expect(fake.uniqueRecords == 0)
            #expect(fake.currentUsage(customerId: "acme", featureId: "feature-api-calls") == 40)
        }
    }

    @Test func eventsAreDeduplicatedByKey() async throws {
        try await withFake { fake, client in
            try fake.setEntitlements(customerId: "acme", json: sampleState)
            let event = #"{"customerId":"acme","eventName":"api.request","idempotencyKey":"evt-1","dimensions":{"tokens":812,"cached":false}}"#
            let reply = try await client.post("/api/v1/events", #"{"events":["# + event + "," + event + "]}")
            #expect(reply.status == 200)
            #expect(try reply.json() == .object(["data": .object([:])]))
            #expect(fake.eventDeliveries("evt-1") == 2)
            #expect(fake.uniqueEvents == 1)
            #expect(fake.events.first?.dimensionsJSON == #"{"cached":false,"tokens":812}"#)
            let missingKey = #"{"events":[{"customerId":"acme","eventName":"x"}]}"#
            #expect(try await client.post("/api/v1/events", missingKey).status == 400)
        }
    }
}

extension JSONValue {
    var firstForTest: JSONValue? { if case .array(let items) = self { items.first } else { nil } }
}
