import Logging
import SidecarConfig
import SidecarHTTP
import SidecarModel
import SidecarSync

/// `POST /webhooks/stigg` (DESIGN.md §12): checks Stigg's shared secret, validates the flat
/// event, and answers 202 once its effect is recorded in SQLite; the refreshes run after.
struct WebhookRoute: Sendable {
    static let path = "/webhooks/stigg"
    static let secretHeader = "Stigg-Webhooks-Secret"

    let secret: SecretCheck
    let webhooks: WebhookService
    let metrics: WebhookMetrics
    let logger: Logger

    static let accepted = HTTPResponse.json(HTTPStatus(code: 202, reason: "Accepted"), Array(#"{"accepted":true}"#.utf8))

    func handle(_ request: HTTPRequest) -> HTTPReply {
        guard let given = request.header(Self.secretHeader), secret.matches(given) else {
            return .now(AppError.webhookUnauthorized.response)
        }
        let event: WebhookEvent
        do {
            event = try WebhookEvent(parsing: request.body)
        } catch {
            metrics.record(type: error.type, .rejected)
            return .now(AppError.invalidBody(error.message).response)
        }
        return .later { [self] respond in
            webhooks.receive(event) { result in
                switch result {
                case .success(let outcome):
                    metrics.record(type: event.type, WebhookMetrics.Outcome(outcome))
                    logger.info("webhook", metadata: ["type": "\(event.type)", "messageId": "\(event.messageId)", "outcome": "\(outcome.rawValue)"])
                    respond(Self.accepted)
                case .failure(let error):
                    // Not acknowledged: Stigg retries, and nothing of it was recorded.
                    logger.error("webhook not recorded", metadata: ["type": "\(event.type)", "messageId": "\(event.messageId)", "error": "\(error)"])
                    respond(AppError.storage("\(error)").response)
                }
            }
        }
    }
}

extension WebhookMetrics.Outcome {
    init(_ outcome: WebhookService.Outcome) {
        switch outcome {
        case .applied: self = .applied
        case .duplicate: self = .duplicate
        case .ignored: self = .ignored
        }
    }
}

extension Application {
    /// The webhook-only listener's routes: Stigg reaches the webhook, probes reach health,
    /// and nothing else (the entitlement API stays on the main listener).
    static func makeWebhookRouter(service: EntitlementService, webhook: WebhookRoute?) -> Router {
        var router = Router(errorRenderer: errorRenderer)
        let live = HTTPResponse.json(.ok, Array(#"{"status":"live"}"#.utf8))
        router.get("/livez") { _ in .now(live) }
        router.get("/readyz") { _ in .now(readinessResponse(service.readiness)) }
        if let webhook { router.post(WebhookRoute.path) { webhook.handle($0) } }
        return router
    }
}

/// A shared secret compared in time that depends only on the lengths, so response timing
/// does not leak how much of a guess was right.
struct SecretCheck: Sendable {
    private let secret: [UInt8]

    init(_ secret: String) {
        self.secret = Array(secret.utf8)
    }

    func matches(_ candidate: String) -> Bool {
        let bytes = candidate.utf8
        guard bytes.count == secret.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(bytes, secret) { difference |= a ^ b }
        return difference == 0
    }
}

extension Application {
    /// Starts the webhook-only listener, after the main one. If it cannot bind, the main
    /// listener is closed again so start-up fails whole.
    func startWebhookListener() throws {
        if config.webhookSecret == nil {
            logger.info("webhooks disabled: set SIDECAR_WEBHOOK_SECRET to enable POST /webhooks/stigg")
        }
        guard let webhookServer else { return }
        do {
            let port = try webhookServer.start()
            logger.info("listening for webhooks", metadata: ["host": "\(config.webhookHost)", "port": .stringConvertible(port)])
        } catch {
            server.shutdown(grace: .zero) {}
            throw StartupError(description: "cannot listen for webhooks on \(config.webhookHost):\(config.webhookPort ?? 0) (SIDECAR_WEBHOOK_HOST/SIDECAR_WEBHOOK_PORT): \(error)")
        }
        if config.webhookSecret == nil {
            logger.warning("SIDECAR_WEBHOOK_PORT is set without SIDECAR_WEBHOOK_SECRET: the webhook listener answers 404 to Stigg")
        }
    }
}
