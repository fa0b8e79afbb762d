import Dispatch
import Logging
import SidecarHTTP

extension Application {
    /// The server's handler: the token check, the router, and per-request metrics (and the
    /// access log when asked for) around both. A deferred reply is measured when it is sent.
    /// `metrics` may have been made for another router's patterns (the webhook listener
    /// shares the main one's series): route numbers are translated into its slots once, here.
    static func instrument(_ router: Router, metrics: RequestMetrics, accessLog: Logger?, token: TokenCheck?) -> HTTPHandler {
        let unauthorized = AppError.unauthorized.response
        let slots = metrics.slots(for: router.patterns)
        return { request in
            let started = DispatchTime.now().uptimeNanoseconds
            let result = if let token, !token.allows(request, pattern: { router.pattern(for: request) }) {
                // Unauthorized requests are counted under their route without running it.
                (reply: HTTPReply.now(unauthorized), route: router.route(for: request))
            } else {
                router.handleReportingRoute(request)
            }
            let route = result.route.flatMap { slots[$0] }
            // Only the status is read from an immediate response: binding the whole response
            // and returning the reply rebuilt from it copied it twice.
            switch result.reply {
            case .now(let response):
                finish(request, route: route, status: response.status.code, started: started, metrics: metrics, accessLog: accessLog)
                return result.reply
            case .later(let work):
                return .later { respond in
                    work { response in
                        finish(request, route: route, status: response.status.code, started: started, metrics: metrics, accessLog: accessLog)
                        respond(response)
                    }
                }
            }
        }
    }

    private static func finish(_ request: HTTPRequest, route: Int?, status: Int, started: UInt64, metrics: RequestMetrics, accessLog: Logger?) {
        let elapsed = DispatchTime.now().uptimeNanoseconds &- started
        metrics.record(route: route, status: status, nanoseconds: elapsed)
        // The path only: query strings are the caller's data, and one line stays short.
        accessLog?.info("request", metadata: [
            "method": "\(request.method)", "path": "\(request.path)", "status": .stringConvertible(status),
            "durationMs": .stringConvertible(Double(elapsed / 1000) / 1000),
        ])
    }
}
