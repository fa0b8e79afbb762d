import FakeStigg
import Foundation
import SidecarHTTPClient
import SidecarModel

/// One HTTP answer as a test sees it.
struct Reply: Sendable {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> JSONValue { try JSONParser.parse(body) }
}

/// A libcurl client (the sidecar's own), so the fake is exercised by the same HTTP stack a
/// sidecar uses, including how it reacts to broken answers.
struct TestClient: Sendable {
    let port: Int
    var apiKey: String? = "server-fake-key"
    private let http = HTTPClient(configuration: HTTPClientConfiguration(maxConnections: 8, maxBodyBytes: 64 * 1024 * 1024))

    init(port: Int) { self.port = port }

    func get(_ path: String, timeout: Duration = .seconds(10)) async throws -> Reply {
        try await send("GET", path, timeout: timeout)
    }

    func post(_ path: String, _ body: String, timeout: Duration = .seconds(10)) async throws -> Reply {
        try await send("POST", path, body: body, timeout: timeout)
    }

    func send(_ method: String, _ path: String, body: String? = nil, timeout: Duration = .seconds(10)) async throws -> Reply {
        var request = HTTPClientRequest(method: method, url: "http://127.0.0.1:\(port)\(path)")
        if let apiKey { request.headers.append((name: "X-API-KEY", value: apiKey)) }
        if let body {
            request.body = Array(body.utf8)
            request.headers.append((name: "Content-Type", value: "application/json"))
        }
        let response = try await http.send(request, timeout: timeout)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name] = header.value }
        return Reply(status: response.status, headers: headers, body: response.body)
    }
}

/// Runs `body` against a started fake on a free port, stopping it afterwards.
func withFake(
    _ configuration: FakeStiggConfiguration = FakeStiggConfiguration(),
    _ body: (FakeStigg, TestClient) async throws -> Void
) async throws {
    let fake = FakeStigg(configuration: configuration)
    let client = TestClient(port: try fake.start())
    do {
        try await body(fake, client)
    } catch {
        await fake.stop()
        throw error
    }
    await fake.stop()
}

/// A state with one metered feature (limit 100, used 40), one boolean and one credit wallet.
let sampleState = """
    {"accessDeniedReason":null,"entitlements":[
      {"type":"FEATURE","isGranted":true,"accessDeniedReason":null,
       "feature":{"id":"feature-api-calls","displayName":"API Calls","featureType":"NUMBER","featureStatus":"ACTIVE"},
       "usageLimit":100,"hasUnlimitedUsage":false,"currentUsage":40,"resetPeriod":"MONTH",
       "usagePeriodStart":"2026-11-01T00:00:00.000Z","usagePeriodEnd":"2026-12-01T00:00:00.000Z"},
      {"type":"FEATURE","isGranted":true,"accessDeniedReason":null,
       "feature":{"id":"feature-sso","displayName":"SSO","featureType":"BOOLEAN","featureStatus":"ACTIVE"}},
      {"type":"CREDIT","isGranted":true,"accessDeniedReason":null,
       "currency":{"currencyId":"ai-tokens","displayName":"AI Tokens"},
       "currentUsage":1000,"usageLimit":5000,"usageUpdatedAt":"2026-11-20T08:00:00.000Z"}
    ]}
    """
