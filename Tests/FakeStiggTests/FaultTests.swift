@testable import FakeStigg
import Foundation
import SidecarModel
import SidecarHTTP
import Testing
import SidecarTestSupport

@Suite struct FaultTests {
    private let listing = "/api/v1/customers/acme/entitlements"

    private func seeded(_ fake: FakeStigg) throws {
        try fake.setEntitlements(customerId: "acme", json: sampleState)
    }

    @Test func statusFaultsForTheNextNRequests() async throws {
        try await withFake { fake, client in
            try seeded(fake)
            fake.inject(.status(500), count: 2)
            #expect(try await client.get(listing).status == 500)
            #expect(try await client.get(listing).status == 500)
            #expect(try await client.get(listing).status == 200)
            #expect(fake.activeFaults.isEmpty)
        }
    }

    @Test(arguments: [(429, 3), (503, 7)])
    func retryAfterIsSent(_ status: Int, _ seconds: Int) async throws {
        try await withFake { fake, client in
            try seeded(fake)
            fake.inject(.status(status, retryAfter: seconds))
            let reply = try await client.get(listing)
            #expect(reply.status == status)
            #expect(reply.header("Retry-After") == String(seconds))
            #expect(try reply.json()["error"]?["message"] != nil)
            fake.clearFaults()
            #expect(try await client.get(listing).status == 200)
        }
    }

    @Test func rateLimitWithoutRetryAfter() async throws {
        try await withFake { fake, client in
            try seeded(fake)
            fake.inject(.status(429))
            let reply = try await client.get(listing)
            #expect(reply.status == 429)
            #expect(reply.header("Retry-After") == nil)
        }
    }

    @Test func pathPrefixScopesAFault() async throws {
        try await withFake { fake, client in
            try seeded(fake)
            fake.inject(.status(400), pathPrefix: "/api/v1/usage")
            let usage = #"{"usages":[{"customerId":"acme","featureId":"feature-api-calls","value":1}]}"#
            #expect(try await client.post("/api/v1/usage", usage).status == 400)
            #expect(fake.uniqueRecords == 0)
            #expect(try await client.get(listing).status == 200)
        }
    }

    @Test func hangAnswersNothingUntilCleared() async throws {
        try await withFake { fake, client in
            try seeded(fake)
            fake.inject(.hang, pathPrefix: listing)
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: (any Error).self) { _ = try await client.get(listing, timeout: .milliseconds(300)) }
            // libcurl times the transfer from its own start, to the millisecond.
            #expect(clock.now - start >= .milliseconds(280))
            #expect(fake.hungRequests == 1)
            // A second request waits; clearing answers it with a 500.
            let waiting = Task { try await client.get(listing, timeout: .seconds(10)) }
            #expect(await eventually { fake.hungRequests >= 2 })
            fake.clearFaults()
            #expect(try await waiting.value.status == 500)
            #expect(try await client.get(listing).status == 200)
        }
    }

    @Test func dropConnectionGivesNoUsableResponse() async throws {
        try await withFake { fake, client in
            try seeded(fake)
            fake.inject(.dropConnection, count: 1)
            await #expect(throws: (any Error).self) { _ = try await client.get(listing) }
            #expect(try await client.get(listing).status == 200)
        }
    }

    @Test func truncatedBodyFailsTheRequestMidBody() async throws {
        try await withFake { fake, client in
            try seeded(fake)
            fake.inject(.truncatedBody, count: 1)
            await #expect(throws: (any Error).self) { _ = try await client.get(listing) }
            #expect(try await client.get(listing).status == 200)
        }
    }

    /// Drop and truncation cut the connection (the wire itself is tested in SidecarHTTPTests).
    @Test func dropAndTruncationAbortTheConnection() {
        let real = HTTPResponse.json(.ok, Array(#"{"data":{"x":1}}"#.utf8))
        #expect(FaultResponses.brokenStream(real, keeping: 8).abort == .afterBodyBytes(8))
        #expect(FaultResponses.drop().abort == .beforeResponse)
    }

    @Test func brokenBodiesFailToParse() async throws {
        try await withFake { fake, client in
            try seeded(fake)
            fake.inject(.malformedJSON, count: 1)
            let malformed = try await client.get(listing)
            #expect(malformed.status == 200)
            #expect(malformed.header("Content-Type") == "application/json")
            #expect(throws: JSONParseError.self) { try malformed.json() }

            fake.inject(.htmlOK, count: 1)
            let html = try await client.get(listing)
            #expect(html.status == 200)
            #expect(html.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(throws: JSONParseError.self) { try html.json() }

            fake.inject(.wrongTypes, count: 1)
            let wrong = try await client.get(listing)
            #expect(try wrong.json()["data"]?["entitlements"] != nil)
            #expect(throws: (any Error).self) { try EntitlementsState.decodeResponse(wrong.body) }
        }
    }

    @Test func hugeBodyIsValidJSONOfAtLeastTheSize() async throws {
        try await withFake { fake, client in
            try seeded(fake)
            let size = 9 * 1024 * 1024
            fake.inject(.hugeBody(bytes: size), count: 1)
            let reply = try await client.get(listing, timeout: .seconds(30))
            #expect(reply.status == 200)
            #expect(reply.body.count >= size)
            #expect(reply.body.count < size + 1024)
            #expect(try EntitlementsState.decodeResponse(reply.body).entitlements.count > 1000)
        }
    }

    @Test func latencyDelaysTheAnswerAndComposes() async throws {
        try await withFake { fake, client in
            try seeded(fake)
            fake.inject(.latency(milliseconds: 300), count: 2)
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await client.get(listing).status == 200)
            // libcurl times the transfer from its own start, to the millisecond.
            #expect(clock.now - start >= .milliseconds(280))
            // A slow 500: one latency rule and one status rule at once.
            fake.inject(.status(503), count: 1)
            let slowStart = clock.now
            #expect(try await client.get(listing).status == 503)
            #expect(clock.now - slowStart >= .milliseconds(300))
        }
    }

    @Test func countersPerPathPrefix() async throws {
        try await withFake { fake, client in
            try seeded(fake)
            fake.inject(.status(500), count: 1)
            _ = try await client.get(listing)
            _ = try await client.get(listing)
            _ = try await client.get("/api/v1/customers/acme/entitlements/check?featureId=feature-sso")
            _ = try await client.get("/_fake/counters")
            #expect(fake.calls(listing) == 3)
            #expect(fake.calls(listing + "/check") == 1)
            #expect(fake.calls("/api/v1/customers") == 3)
            #expect(fake.totalCalls == 3)
            fake.resetCounters()
            #expect(fake.totalCalls == 0)
        }
    }
}
