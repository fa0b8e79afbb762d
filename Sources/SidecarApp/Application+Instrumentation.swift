import Dispatch
import Logging
import SidecarHTTP

extension Application {
    /// The server's handler: the token check, the router, and per-request metrics (and the
    /// access log when asked for) around both. A deferred reply is measured when it is sent.
    static func instrument(_ router: Router, metrics: RequestMetrics, accessLog: Logger?, token: TokenCheck?) -> HTTPHandler {
        let unauthorized = AppError.unauthorized.response
        return { request in
            let started = DispatchTime.now().uptimeNanoseconds
            let (reply, route): (HTTPReply, Int?)
            if let token, !token.allows(request) {
                // Unauthorized requests are counted under their route without running it.
                (reply, route) = (.now(unauthorized), router.route(for: request))
            } else {
                (reply, route) = router.handleReportingRoute(request)
            }
            switch reply {
            case .now(let response):
                finish(request, route: route, status: response.status.code, started: started, metrics: metrics, accessLog: accessLog)
                return reply
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
