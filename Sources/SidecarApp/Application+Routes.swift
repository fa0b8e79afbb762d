import SidecarConfig
import SidecarHTTP

extension Application {
    static func makeRouter(config: SidecarConfig) -> Router {
        var router = Router()
        let live = HTTPResponse.json(.ok, Array(#"{"status":"live"}"#.utf8))
        router.get("/livez") { _ in .now(live) }
        let ready = HTTPResponse.json(.ok, Array(#"{"status":"ready","reason":"listening"}"#.utf8))
        router.get("/readyz") { _ in .now(ready) }
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
