import Testing
import SidecarConfig
import SidecarHTTP

/// SidecarHTTP is a leaf and cannot read the settings table, so its own defaults (used by the
/// fake upstream and the HTTP tests) must agree with the table's: the application overrides
/// every field from the configuration, and nothing may differ silently.
@Suite("HTTP server defaults agree with the settings table")
struct SettingsAgreementTests {
    @Test func defaultsAgree() {
        let server = HTTPServerSettings(errorRenderer: { status, _, _ in HTTPResponse(status: status) })
        let config = SidecarConfig()
        #expect(server.headerTimeout == config.headerTimeout)
        #expect(server.idleTimeout == config.idleTimeout)
        #expect(server.bodyTimeout == config.bodyTimeout)
        #expect(server.handlerTimeout == config.handlerTimeout)
        #expect(server.maxConnections == config.maxConnections)
    }
}
