import Dispatch
import SidecarHTTP

/// Every request goes through here: control paths straight to the control API; `/api/...`
/// paths are counted, then faults are planned, then the normal answer (API key, then route)
/// is built if the fault needs it, and finally the answer is delayed if a latency rule says so.
final class RequestPipeline: Sendable {
    let shared: SharedState
    private let api: Router
    private let control: Router

    init(shared: SharedState) {
        self.shared = shared
        api = Self.apiRouter(shared)
        control = ControlAPI.router(shared)
    }

    func handle(_ request: HTTPRequest) -> HTTPReply {
        if request.path == "/_fake" || request.path.hasPrefix("/_fake/") { return control.handle(request) }
        let path = String(request.path)
        let plan = shared.mutex.withLock { state in
            state.counters.count(path)
            return state.faults.plan(for: path)
        }
        guard let rule = plan.rule else { return delayed(answer(request), by: plan.latencyMilliseconds) }
        let real = rule.processFirst || rule.fault.transformsRealAnswer ? answer(request) : nil
        if rule.fault == .hang {
            // The responder is kept, not called, so the connection waits until the hang is
            // cleared (the fake's handler timeout is set far beyond any test).
            return .later { [shared] respond in
                let held = shared.mutex.withLock { $0.faults.hold(respond, generation: plan.hangGeneration) }
                if !held { respond(shared.hangReleased()) }
            }
        }
        let response = FaultResponses.response(for: rule.fault, real: real, shape: shared.errorShape)
        return delayed(response ?? real ?? answer(request), by: plan.latencyMilliseconds)
    }

    /// The normal answer: the API key first (as Stigg checks it before anything else), then
    /// the route.
    func answer(_ request: HTTPRequest) -> HTTPResponse {
        let key = shared.mutex.withLock { $0.configuration.apiKey }
        guard request.headers["X-API-KEY"] == key else { return shared.error(.unauthenticated()) }
        switch api.handle(request) {
        case .now(let response):
            return response
        case .later:
            // Every API route answers at once; this would be a bug in the fake itself.
            return shared.error(FakeError(status: 500, nestedCode: "INTERNAL", flatCode: "InternalServerError",
                                          message: "fake route answered later"))
        }
    }

    /// Latency is added after the answer is built, off the event loop, which never blocks.
    private func delayed(_ response: HTTPResponse, by milliseconds: Int) -> HTTPReply {
        guard milliseconds > 0 else { return .now(response) }
        return .later { respond in
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { respond(response) }
        }
    }

    private static func apiRouter(_ shared: SharedState) -> Router {
        var router = Router(errorRenderer: FakeError.renderer)
        router.get("/api/v1/customers") { .now(shared.listCustomers($0)) }
        router.get("/api/v1/customers/:id") { .now(shared.customer($0)) }
        router.get("/api/v1/customers/:id/entitlements") { .now(shared.entitlements($0)) }
        router.get("/api/v1/customers/:id/entitlements/check") { .now(shared.check($0)) }
        router.get("/api/v1/customers/:id/resources") { .now(shared.listResources($0)) }
        router.post("/api/v1/usage") { .now(shared.reportUsage($0)) }
        router.post("/api/v1/events") { .now(shared.reportEvents($0)) }
        return router
    }
}
