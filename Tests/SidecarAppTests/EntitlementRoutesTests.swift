import Foundation
import Testing
import SidecarApp
import SidecarTestSupport

@Suite("Entitlement routes over the offline demo data")
struct EntitlementRoutesTests {
    struct CheckCase: Sendable, CustomStringConvertible {
        let query: String
        let granted: Bool
        let reason: String?
        var description: String { query }
    }

    static let checks: [CheckCase] = [
        .init(query: "customerId=demo-pro&featureId=feature-sso", granted: true, reason: nil),
        .init(query: "customerId=demo-pro&featureId=feature-seats&requestedUsage=18", granted: true, reason: nil),
        .init(query: "customerId=demo-pro&featureId=feature-seats&requestedUsage=19", granted: false, reason: "RequestedUsageExceedingLimit"),
        .init(query: "customerId=demo-pro&featureId=feature-seats&requestedUsage=17.5", granted: true, reason: nil),
        .init(query: "customerId=demo-pro&featureId=feature-analytics&requestedUsage=1000000", granted: true, reason: nil),
        .init(query: "customerId=demo-pro&featureId=feature-nope", granted: false, reason: "NoFeatureEntitlementInSubscription"),
        .init(query: "customerId=demo-pro&currencyId=ai-tokens&requestedUsage=4000", granted: true, reason: nil),
        .init(query: "customerId=demo-pro&currencyId=ai-tokens&requestedUsage=4001", granted: false, reason: "InsufficientCredits"),
        .init(query: "customerId=demo-pro&currencyId=gold", granted: false, reason: "EntitlementNotFound"),
        .init(query: "customerId=demo-free&featureId=feature-seats", granted: false, reason: "RequestedUsageExceedingLimit"),
        .init(query: "customerId=demo-free&featureId=feature-seats&requestedUsage=0", granted: true, reason: nil),
        .init(query: "customerId=demo-free&featureId=feature-analytics", granted: false, reason: "Revoked"),
        .init(query: "customerId=demo-pro&featureId=feature-seats&resourceId=workspace-1", granted: false, reason: "RequestedUsageExceedingLimit"),
        .init(query: "customerId=demo-pro&featureId=feature-sso&resourceId=workspace-9", granted: false, reason: "CustomerResourceNotFound"),
        .init(query: "customerId=demo-archived&featureId=feature-sso", granted: false, reason: "CustomerIsArchived"),
        .init(query: "customerId=demo-nosub&featureId=feature-sso", granted: false, reason: "NoActiveSubscription"),
    ]

    @Test("decisions on both check routes, with provenance", arguments: checks)
    func check(_ testCase: CheckCase) async throws {
        let app = try makeApp()
        let ours = try app.get("/entitlements/check?\(testCase.query)")
        #expect(ours.status == 200)
        #expect(ours.data["isGranted"] as? Bool == testCase.granted)
        #expect(ours.data["accessDeniedReason"] as? String == testCase.reason)
        #expect(ours.header("X-Sidecar-Source") == "cache")
        #expect(ours.sidecar["source"] as? String == "cache")
        #expect(ours.header("X-Sidecar-Synced-At") == ours.sidecar["syncedAt"] as? String)
        #expect(ours.header("Age").flatMap(Int.init) == ours.sidecar["ageSeconds"] as? Int)

        // The Stigg-compatible route answers the same body for the same question.
        var parts = testCase.query.split(separator: "&").map(String.init)
        let customer = parts.removeFirst().dropFirst("customerId=".count)
        let compatible = try app.get("/api/v1/customers/\(customer)/entitlements/check?\(parts.joined(separator: "&"))")
        // usageUpdatedAt of an unknown currency is the time of each answer (§11).
        let mask = /"usageUpdatedAt":"[^"]*"/
        #expect(compatible.text.replacing(mask, with: "") == ours.text.replacing(mask, with: ""))
        await app.shutdown()
    }

    @Test("unknown customers get the fallback rules, or a deny with reason Unknown")
    func fallback() async throws {
        let app = try makeApp(fallback: #"{"feature-x":{"hasAccess":true,"usageLimit":1000},"feature-y":{"hasAccess":true,"isUnlimited":true}}"#)
        let limited = try app.get("/entitlements/check?customerId=stranger&featureId=feature-x&requestedUsage=1000")
        #expect(limited.data["isGranted"] as? Bool == true)
        #expect(limited.header("X-Sidecar-Source") == "fallback")
        #expect(limited.header("Age") == nil)
        #expect(limited.header("X-Sidecar-Synced-At") == nil)
        #expect(limited.sidecar["syncedAt"] is NSNull)
        let over = try app.get("/entitlements/check?customerId=stranger&featureId=feature-x&requestedUsage=1001")
        #expect(over.data["isGranted"] as? Bool == false)
        let unknown = try app.get("/entitlements/check?customerId=stranger&featureId=feature-z")
        #expect(unknown.data["isGranted"] as? Bool == false)
        #expect(unknown.data["accessDeniedReason"] as? String == "Unknown")
        let listing = try app.get("/entitlements?customerId=stranger")
        #expect((listing.data["entitlements"] as? [Any])?.count == 2)
        #expect(listing.header("X-Sidecar-Source") == "fallback")
        await app.shutdown()
    }

    @Test("listings: Stigg's body, resource scope, 404 for an unknown resource")
    func listings() async throws {
        let app = try makeApp()
        let all = try app.get("/entitlements?customerId=demo-pro")
        #expect(all.status == 200)
        #expect((all.data["entitlements"] as? [Any])?.count == 5)
        #expect(all.data.keys.contains("accessDeniedReason"))
        let compatible = try app.get("/api/v1/customers/demo-pro/entitlements")
        #expect(compatible.text == all.text)
        let scoped = try app.get("/api/v1/customers/demo-pro/entitlements?resourceId=workspace-1")
        #expect((scoped.data["entitlements"] as? [Any])?.count == 2)
        let missing = try app.get("/entitlements?customerId=demo-pro&resourceId=workspace-9")
        #expect(missing.status == 404)
        #expect((missing.json["error"] as? [String: Any])?["code"] as? String == "CustomerResourceNotFound")
        let archived = try app.get("/entitlements?customerId=demo-archived")
        #expect(archived.data["accessDeniedReason"] as? String == "CustomerIsArchived")
        await app.shutdown()
    }

    @Test("HEAD answers the headers of GET without a body")
    func head() async throws {
        let app = try makeApp()
        let get = try app.get("/entitlements/check?customerId=demo-pro&featureId=feature-sso")
        let head = try app.get("/entitlements/check?customerId=demo-pro&featureId=feature-sso", method: "HEAD")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(head.header("Content-Length") == get.header("Content-Length"))
        #expect(head.header("X-Sidecar-Source") == "cache")
        await app.shutdown()
    }

    @Test("percent-encoded ids and comma lists are decoded")
    func percentDecoding() async throws {
        let app = try makeApp()
        let path = try app.get("/api/v1/customers/demo%2Dpro/entitlements/check?featureId=feature%2Dsso")
        #expect(path.data["isGranted"] as? Bool == true)
        let plus = try app.get("/entitlements/check?customerId=demo-pro&featureId=feature-seats&requestedValues=a%2Cb")
        #expect(plus.status == 200)
        await app.shutdown()
    }

    struct BadQuery: Sendable, CustomStringConvertible {
        let target: String
        let names: String
        var description: String { target }
    }

    static let badQueries: [BadQuery] = [
        .init(target: "/entitlements/check?featureId=feature-sso", names: "customerId"),
        .init(target: "/entitlements/check?customerId=&featureId=feature-sso", names: "customerId"),
        .init(target: "/entitlements/check?customerId=\(String(repeating: "c", count: 256))&featureId=f", names: "customerId"),
        .init(target: "/entitlements/check?customerId=demo-pro", names: "featureId"),
        .init(target: "/entitlements/check?customerId=demo-pro&featureId=", names: "featureId"),
        .init(target: "/entitlements/check?customerId=demo-pro&featureId=a&currencyId=b", names: "currencyId"),
        .init(target: "/entitlements/check?customerId=demo-pro&featureId=a&requestedUsage=-1", names: "requestedUsage"),
        .init(target: "/entitlements/check?customerId=demo-pro&featureId=a&requestedUsage=NaN", names: "requestedUsage"),
        .init(target: "/entitlements/check?customerId=demo-pro&featureId=a&requestedUsage=inf", names: "requestedUsage"),
        .init(target: "/entitlements/check?customerId=demo-pro&featureId=a&requestedUsage=", names: "requestedUsage"),
        .init(target: "/entitlements/check?customerId=demo-pro&featureId=a&requestedUsage=0x10", names: "requestedUsage"),
        .init(target: "/entitlements/check?customerId=demo-pro&featureId=a&requestedValues=", names: "requestedValues"),
        .init(target: "/entitlements/check?customerId=demo-pro&featureId=a&requestedValues=a,,b", names: "requestedValues"),
        .init(target: "/entitlements/check?customerId=demo-pro&featureId=a&resourceId=", names: "resourceId"),
        .init(target: "/entitlements/check?customerId=%FF&featureId=a", names: "customerId"),
        .init(target: "/entitlements?resourceId=r", names: "customerId"),
        .init(target: "/api/v1/customers/demo-pro/entitlements/check?currencyId=", names: "currencyId"),
    ]

    @Test("bad queries get 400 naming the parameter, and the connection stays open", arguments: badQueries)
    func validation(_ bad: BadQuery) async throws {
        let app = try makeApp()
        let client = try RawClient(port: app.port)
        try client.send("GET \(bad.target) HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try #require(try client.readResponse())
        #expect(response.status == 400)
        #expect(response.errorMessage.contains(bad.names))
        try client.send("GET /livez HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse()?.status == 200)
        await app.shutdown()
    }

    @Test("unknown query parameters are ignored; readiness says offline")
    func extras() async throws {
        let app = try makeApp()
        let response = try app.get("/entitlements/check?customerId=demo-pro&featureId=feature-sso&utm=1")
        #expect(response.data["isGranted"] as? Bool == true)
        let ready = try app.get("/readyz")
        #expect(ready.json["status"] as? String == "ready")
        await app.shutdown()
    }
}
