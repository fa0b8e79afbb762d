import Foundation
import SidecarCache
import SidecarModel
import SidecarConfig
import SidecarHTTP
import SidecarSync

extension Application {
    static func makeRouter(config: SidecarConfig, answers: EntitlementAnswers, usage: UsageService, metrics: SidecarMetrics, startedAt: Date, webhook: WebhookRoute? = nil, webhooks: WebhookService? = nil) -> Router {
        let service = answers.service
        var router = Router(errorRenderer: errorRenderer)
        let live = HTTPResponse.json(.ok, Array(#"{"status":"live"}"#.utf8))
        router.get("/livez") { _ in .now(live) }
        router.get("/readyz") { _ in .now(readinessResponse(service.readiness)) }
        // The oldest sync time asks SQLite: answered from the store's queue, not the loop.
        router.get("/status") { _ in
            .later { respond in
                service.cacheStatus { cache in
                    respond(.json(.ok, StatusReport(service: service, usage: usage, cache: cache, startedAt: startedAt, now: service.now(), webhooks: webhooks?.counts,
                                                       fleet: service.engine?.fleet?.status ?? .disabled).json()))
                }
            }
        }
        // The oldest sync time asks SQLite: answered from the store's queue, like /status.
        router.get("/metrics") { _ in
            .later { respond in
                service.cacheStatus { cache in
                    respond(HTTPResponse(
                        status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                        body: metrics.render(SidecarMetrics.Snapshot(service: service, usage: usage, cache: cache))))
                }
            }
        }
        addEntitlementRoutes(to: &router, answers: answers, metrics: metrics)
        addUsageRoutes(to: &router, usage: usage)
        if let webhook { router.post(WebhookRoute.path) { webhook.handle($0) } }
        if let size = config.benchFixedBytes {
            let fixed = HTTPResponse.json(.ok, fixedBody(size: size))
            router.get("/bench/fixed") { _ in .now(fixed) }
        }
        return router
    }

    static func readinessResponse(_ readiness: Readiness) -> HTTPResponse {
        var writer = JSONWriter(capacity: 128)
        writer.raw(#"{"status":"#)
        writer.string(readiness.status.rawValue)
        writer.raw(#","reason":"#)
        writer.string(readiness.reason)
        writer.raw("}")
        return .json(readiness.isServing ? .ok : .serviceUnavailable, writer.bytes)
    }

    /// `{"data":"xxxx…"}` padded to exactly `size` bytes (at least the 11 of the frame).
    static func fixedBody(size: Int) -> [UInt8] {
        let frame = Array(#"{"data":""}"#.utf8)
        let padding = max(0, size - frame.count)
        return Array(#"{"data":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: padding) + Array(#""}"#.utf8)
    }
}
