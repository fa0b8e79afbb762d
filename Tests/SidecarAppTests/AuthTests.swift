import Testing
import SidecarTestSupport

@Suite("SIDECAR_AUTH_TOKEN")
struct AuthTests {
    static let token = "s3cret-Token_value"
    static let check = "/entitlements/check?customerId=demo-pro&featureId=feature-sso"

    func request(_ client: RawClient, _ target: String, _ headers: String = "") throws -> RawResponse? {
        try client.send("GET \(target) HTTP/1.1\r\nHost: t\r\n\(headers)\r\n")
        return try client.readResponse()
    }

    @Test("without the token: 401 with WWW-Authenticate, and the connection stays open")
    func refused() async throws {
        let app = try makeApp { $0.authToken = Self.token }
        let client = try RawClient(port: app.port)
        for headers in ["", "Authorization: Bearer wrong\r\n", "Authorization: Basic \(Self.token)\r\n",
                        "X-API-KEY: \(Self.token)x\r\n", "Authorization: Bearer\r\n"] {
            let response = try request(client, Self.check, headers)
            #expect(response?.status == 401, "\(headers)")
            #expect(response?.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(response?.errorMessage.contains(Self.token) == false)
        }
        #expect(try request(client, "/status")?.status == 401)
        #expect(try request(client, "/nope")?.status == 401)
        // Same connection, now with the token.
        #expect(try request(client, Self.check, "Authorization: Bearer \(Self.token)\r\n")?.status == 200)
        await app.shutdown()
    }

    @Test("with the token: Bearer (any case) or X-API-KEY; probes need nothing")
    func allowed() async throws {
        let app = try makeApp { $0.authToken = Self.token }
        let client = try RawClient(port: app.port)
        #expect(try request(client, Self.check, "Authorization: Bearer \(Self.token)\r\n")?.status == 200)
        #expect(try request(client, Self.check, "authorization: bearer \(Self.token)\r\n")?.status == 200)
        #expect(try request(client, Self.check, "X-API-KEY: \(Self.token)\r\n")?.status == 200)
        #expect(try request(client, "/livez")?.status == 200)
        #expect(try request(client, "/readyz")?.status == 200)
        // A path is routed by its percent-decoded form, and exempt by the route it reaches.
        #expect(try request(client, "/live%7A")?.status == 200)
        #expect(try request(client, "/%72eadyz")?.status == 200)
        #expect(try request(client, "/%73tatus")?.status == 401)
        let status = try request(client, "/status", "Authorization: Bearer \(Self.token)\r\n")
        #expect(status?.status == 200)
        #expect(String(decoding: status?.body ?? [], as: UTF8.self).contains(Self.token) == false)
        await app.shutdown()
    }
}
