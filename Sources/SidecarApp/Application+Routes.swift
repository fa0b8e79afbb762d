import SidecarConfig
import SidecarHTTP

extension Application {
    static func makeRouter(config: SidecarConfig, service: EntitlementService) -> Router {
        var router = Router()
        let live = HTTPResponse.json(.ok, Array(#"{"status":"live"}"#.utf8))
        router.get("/livez") { _ in .now(live) }
        let reason = service.offline ? "offline mode: answering from the snapshot" : "listening"
        let ready = HTTPResponse.json(.ok, Array("{\"status\":\"ready\",\"reason\":\"\(reason)\"}".utf8))
        router.get("/readyz") { _ in .now(ready) }
        addEntitlementRoutes(to: &router, service: service)
        if let size = config.benchFixedBytes {
            let fixed = HTTPResponse.json(.ok, fixedBody(size: size))
            router.get("/bench/fixed") { _ in .now(fixed) }
        }
        return router
    }

    /// `{"data":"xxxx…"}` padded to exactly `size` bytes (at least the 11 of the frame).
    static func fixedBody(size: Int) -> [UInt8] {
        let frame = Array(#"{"data":""}"#.utf8)
        let padding = max(0, size - frame.count)
        return Array(#"{"data":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: padding) + Array(#""}"#.utf8)
    }
}
