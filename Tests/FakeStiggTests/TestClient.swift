import FakeStigg
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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

/// A URLSession client, so the fake is exercised by the same kind of HTTP stack (libcurl on
/// Linux) a sidecar would use, including how it reacts to broken answers.
struct TestClient: Sendable {
    let port: Int
    var apiKey: String? = "server-fake-key"

    func get(_ path: String, timeout: TimeInterval = 10) async throws -> Reply {
        try await send("GET", path, timeout: timeout)
    }

    func post(_ path: String, _ body: String, timeout: TimeInterval = 10) async throws -> Reply {
        try await send("POST", path, body: body, timeout: timeout)
    }

    /// `timeout` is in whole seconds: URLSession on Linux truncates fractions (0.5 is 0).
    func send(_ method: String, _ path: String, body: String? = nil, timeout: TimeInterval = 10) async throws -> Reply {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { throw URLError(.badURL) }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        if let apiKey { request.setValue(apiKey, forHTTPHeaderField: "X-API-KEY") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name] = value }
        }
        return Reply(status: http.statusCode, headers: headers, body: Array(data))
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
