import FakeStigg
import Foundation
import Logging
import SidecarApp
import SidecarConfig
import SidecarTestSupport
import Synchronization
import Testing

let webhookSecret = "whsec-3f9a1c77"

/// One request on a fresh connection to `port`.
func send(port: Int, _ method: String, _ target: String, body: String = "", headers: [String: String] = [:]) throws -> RawResponse {
    let client = try RawClient(port: port)
    let head = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
    try client.send("\(method) \(target) HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\(head)Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
    guard let response = try client.readResponse() else { throw RawClient.ClientError(description: "no response") }
    return response
}

/// A delivery to `/webhooks/stigg` with `secret` (none: no header).
func deliver(port: Int, _ body: String, secret: String? = webhookSecret) throws -> RawResponse {
    try send(port: port, "POST", "/webhooks/stigg", body: body, headers: secret.map { ["Stigg-Webhooks-Secret": $0] } ?? [:])
}

func event(_ type: String, messageId: String = UUID().uuidString, customerId: String? = nil) -> String {
    let customer = customerId.map { #","customer":{"id":"\#($0)"}"# } ?? ""
    return #"{"type":"\#(type)","messageId":"\#(messageId)","traceId":"tr","timestamp":"2026-11-02T10:15:30.123Z"\#(customer)}"#
}

/// Log lines, for checking what never appears in them.
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "test") { [self] _ in
            JSONLogHandler(label: "test") { bytes in self.lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lines.withLock { $0.joined() } }
}

@Suite("POST /webhooks/stigg", .serialized)
struct WebhookRoutesTests {
    @Test("404 on both listeners when SIDECAR_WEBHOOK_SECRET is unset")
    func disabled() async throws {
        let app = try makeApp { $0.webhookPort = 0; $0.webhookHost = "127.0.0.1" }
        let port = try #require(app.webhookPort)
        #expect(try deliver(port: app.port, event("entitlements.updated")).status == 404)
        #expect(try deliver(port: port, event("entitlements.updated")).status == 404)
        #expect(try send(port: port, "GET", "/livez").status == 200)
        await app.shutdown()
    }

    @Test("auth: missing or wrong secret 401 with no effect, right secret 202; SIDECAR_AUTH_TOKEN does not apply")
    func auth() async throws {
        let app = try makeApp { $0.webhookSecret = webhookSecret; $0.authToken = "app-token-1" }
        for secret in [nil, "wrong", webhookSecret + "x", String(webhookSecret.dropLast()) + "0", ""] as [String?] {
            let response = try deliver(port: app.port, event("plan.updated"), secret: secret)
            #expect(response.status == 401, "\(secret ?? "none")")
            #expect((response.json["error"] as? [String: Any])?["code"] as? String == "unauthorized")
            #expect(response.header("WWW-Authenticate") != nil)
            #expect(!response.text.contains(webhookSecret))
        }
        let accepted = try deliver(port: app.port, event("plan.updated"))
        #expect(accepted.status == 202)
        #expect(accepted.text == #"{"accepted":true}"#)
        // The app token still guards everything else.
        #expect(try app.get("/status").status == 401)
        let status = try send(port: app.port, "GET", "/status", headers: ["Authorization": "Bearer app-token-1"]).json
        #expect((status["webhooks"] as? [String: Any])?["received"] as? Int == 1)
        await app.shutdown()
    }

    @Test("bodies that are no usable event are 400, past 1 MiB 413, and counted as rejected")
    func badBodies() async throws {
        let app = try makeApp { $0.webhookSecret = webhookSecret }
        let bad = [
            ("not json", "JSON"), ("[1,2]", "object"), (#"{"messageId":"m"}"#, "type"), (#"{"type":7,"messageId":"m"}"#, "type"),
            (#"{"type":"plan.updated"}"#, "messageId"), (#"{"type":"plan.updated","messageId":5}"#, "messageId"),
            (#"{"type":"plan.updated","messageId":""}"#, "messageId"),
            (#"{"type":"plan.updated","messageId":"\#(String(repeating: "m", count: 256))"}"#, "messageId"), ("", "JSON"),
        ]
        for (body, named) in bad {
            let response = try deliver(port: app.port, body)
            #expect(response.status == 400, "\(body.prefix(40))")
            #expect(response.errorMessage.contains(named), "\(response.errorMessage)")
        }
        let huge = #"{"type":"plan.updated","messageId":"big","pad":""# + String(repeating: "x", count: 1024 * 1024) + #""}"#
        #expect(try deliver(port: app.port, huge).status == 413)
        let metrics = try app.get("/metrics").text
        // Five 400s without a usable type, and the 413 (its body is never read for one).
        #expect(metrics.contains(#"sidecar_webhooks_total{type="other",outcome="rejected"} 6"#))
        #expect(metrics.contains(#"sidecar_webhooks_total{type="plan.updated",outcome="rejected"} 4"#))
        let webhooks = try #require(app.get("/status").json["webhooks"] as? [String: Any])
        #expect(webhooks["received"] as? Int == 0)
        await app.shutdown()
    }

    @Test("the webhook-only listener serves the webhook, /livez and /readyz, and nothing else")
    func webhookListener() async throws {
        let app = try makeApp { $0.webhookSecret = webhookSecret; $0.webhookPort = 0; $0.webhookHost = "127.0.0.1" }
        let port = try #require(app.webhookPort)
        #expect(port != app.port)
        #expect(try deliver(port: port, event("customer.updated", customerId: "demo-pro")).status == 202)
        #expect(try deliver(port: port, event("customer.updated"), secret: "nope").status == 401)
        #expect(try send(port: port, "GET", "/livez").json["status"] as? String == "live")
        #expect(try send(port: port, "GET", "/readyz").status == 200)
        for path in ["/entitlements/check?customerId=demo-pro&featureId=feature-sso", "/entitlements?customerId=demo-pro", "/status", "/metrics",
                     "/api/v1/customers/demo-pro/entitlements"] {
            #expect(try send(port: port, "GET", path).status == 404, "\(path)")
        }
        #expect(try send(port: port, "POST", "/api/v1/usage", body: "{}").status == 404)
        // The main listener still has everything, the webhook included.
        #expect(try app.get("/entitlements/check?customerId=demo-pro&featureId=feature-sso").status == 200)
        #expect(try deliver(port: app.port, event("customer.updated", customerId: "demo-pro")).status == 202)
        // Requests on either listener count under their own route (the webhook listener's
        // route numbers are its own router's, not the main one's).
        let metrics = try app.get("/metrics").text
        #expect(metrics.contains(#"sidecar_http_requests_total{route="/webhooks/stigg",status="202"} 2"#), "\(metrics)")
        #expect(metrics.contains(#"sidecar_http_requests_total{route="/webhooks/stigg",status="401"} 1"#))
        #expect(metrics.contains(#"sidecar_http_requests_total{route="/livez",status="200"} 1"#))
        #expect(metrics.contains(#"sidecar_http_requests_total{route="/readyz",status="200"} 1"#))
        #expect(!metrics.contains(#"route="/status""#))
        await app.shutdown()
        #expect(throws: (any Error).self) { try send(port: port, "GET", "/livez") }
    }

    @Test("entitlements.updated: a check within 1 s of the 202 shows upstream's new state, after exactly one read")
    func endToEnd() async throws {
        let fake = FakeStigg()
        fake.seedDemo()
        try fake.start()
        let log = CapturedLog()
        var config = SidecarConfig()
        config.port = 0
        config.apiKey = "server-fake-key"
        config.stiggBaseURL = fake.baseURL
        config.dbPath = try makeTempDirectory().appendingPathComponent("sidecar.sqlite").path
        config.webhookSecret = webhookSecret
        config.webhookPort = 0
        config.webhookHost = "127.0.0.1"
        let app = try buildApplication(config: config, logger: log.logger)
        try app.start()
        try await app.waitForUpstream("healthy")
        let check = "/entitlements/check?customerId=demo-pro&featureId=feature-api-calls"
        #expect(try app.get(check).data["isGranted"] as? Bool == true)
        #expect(fake.calls("/api/v1/customers/demo-pro/") == 1)
        let url = "http://127.0.0.1:\(try #require(app.webhookPort))/webhooks/stigg"

        // Changing the plan in the fake posts entitlements.updated, as Stigg does.
        fake.setWebhookTarget(url: url, secret: webhookSecret)
        try fake.setEntitlements(customerId: "demo-pro", json: #"{"accessDeniedReason":"NoActiveSubscription","entitlements":[]}"#)
        let deadline = ContinuousClock.now + .seconds(5)
        while fake.webhookDeliveries.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
        let delivery = try #require(fake.webhookDeliveries.first)
        #expect(delivery.status == 202 && delivery.type == "entitlements.updated" && delivery.customerId == "demo-pro")
        let accepted = ContinuousClock.now
        var shown: Duration?
        while ContinuousClock.now - accepted < .seconds(2) {
            if try app.get(check).data["isGranted"] as? Bool == false { shown = ContinuousClock.now - accepted; break }
            try await Task.sleep(for: .milliseconds(5))
        }
        let elapsed = try #require(shown, "the check never showed the new state")
        #expect(elapsed < .seconds(1))
        #expect(fake.calls("/api/v1/customers/demo-pro/") == 2)

        // Stigg retries the same message: acknowledged, nothing read again.
        fake.clearWebhookTarget()
        let retry = await fake.sendWebhook(to: url, secret: webhookSecret, customerId: "demo-pro", messageId: delivery.messageId)
        #expect(retry.status == 202)
        let other = await fake.sendWebhook(to: url, secret: webhookSecret, type: "coupon.created", customerId: "demo-pro")
        #expect(other.status == 202)
        let status = try app.get("/status")
        let webhooks = try #require(status.json["webhooks"] as? [String: Any])
        #expect(webhooks["received"] as? Int == 3)
        #expect(webhooks["duplicates"] as? Int == 1)
        #expect(webhooks["ignored"] as? Int == 1)
        #expect(webhooks["lastReceivedAt"] is String)
        let metrics = try app.get("/metrics").text
        #expect(metrics.contains(#"sidecar_webhooks_total{type="entitlements.updated",outcome="applied"} 1"#))
        #expect(metrics.contains(#"sidecar_webhooks_total{type="entitlements.updated",outcome="duplicate"} 1"#))
        #expect(metrics.contains(#"sidecar_webhooks_total{type="other",outcome="ignored"} 1"#))
        #expect(fake.calls("/api/v1/customers/demo-pro/") == 2)
        // The secret appears nowhere an operator or a scraper can see.
        for text in [status.text, metrics, log.text] { #expect(!text.contains(webhookSecret)) }
        #expect(log.text.contains("entitlements.updated"))
        await app.shutdown()
        await fake.stop()
    }

    @Test("the control API posts a flat Stigg event with the secret header")
    func fakeControlCall() async throws {
        let fake = FakeStigg()
        fake.seedDemo()
        try fake.start()
        let app = try makeApp { $0.webhookSecret = webhookSecret }
        let body = #"{"url":"http://127.0.0.1:\#(app.port)/webhooks/stigg","secret":"\#(webhookSecret)","type":"subscription.updated","customerId":"demo-pro","messageId":"m-77"}"#
        let answer = try send(port: fake.port, "POST", "/_fake/webhooks/send", body: body)
        #expect(answer.status == 200)
        #expect(answer.json["status"] as? Int == 202)
        #expect(answer.json["messageId"] as? String == "m-77")
        let wrong = try send(port: fake.port, "POST", "/_fake/webhooks/send", body: body.replacingOccurrences(of: webhookSecret, with: "bad"))
        #expect(wrong.json["status"] as? Int == 401)
        // Offline, a webhook has nothing to refresh: accepted and counted as ignored.
        let webhooks = try #require(app.get("/status").json["webhooks"] as? [String: Any])
        #expect(webhooks["received"] as? Int == 1 && webhooks["ignored"] as? Int == 1)
        await app.shutdown()
        await fake.stop()
    }
}
