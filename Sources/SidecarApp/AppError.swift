import SidecarHTTP

/// Every error a route can answer with; `response` is the one place that maps them to HTTP.
enum AppError: Error, Equatable {
    case missingParameter(String)
    case invalidParameter(String, String)
    case customerResourceNotFound(customerId: String, resourceId: String?)
    case unauthorized
    /// `POST /webhooks/stigg` without the right `Stigg-Webhooks-Secret`.
    case webhookUnauthorized
    /// A usage or events body that fails validation; nothing of it was stored.
    case invalidBody(String)
    case outboxFull(String)
    /// SQLite refused the write; nothing was stored.
    case storage(String)

    var response: HTTPResponse {
        switch self {
        case .missingParameter(let name):
            .error(.badRequest, code: "missing_parameter", message: "\(name) is required")
        case .invalidParameter(let name, let why):
            .error(.badRequest, code: "invalid_parameter", message: "\(name) \(why)")
        case .customerResourceNotFound(let customerId, let resourceId):
            .error(
                .notFound, code: "CustomerResourceNotFound",
                message: "customer \(customerId) has no entitlements for resource \(resourceId ?? "(none)")")
        case .unauthorized:
            .error(
                .unauthorized, code: "unauthorized",
                message: "missing or wrong token: send Authorization: Bearer <SIDECAR_AUTH_TOKEN> or X-API-KEY: <SIDECAR_AUTH_TOKEN>",
                headers: ["WWW-Authenticate": #"Bearer realm="entitlement-sidecar""#])
        case .webhookUnauthorized:
            // RFC 9110 wants a challenge on every 401; Stigg's scheme is this header.
            .error(
                .unauthorized, code: "unauthorized",
                message: "missing or wrong Stigg-Webhooks-Secret header (must equal SIDECAR_WEBHOOK_SECRET)",
                headers: ["WWW-Authenticate": #"Stigg-Webhooks-Secret realm="entitlement-sidecar""#])
        case .invalidBody(let why):
            .error(.badRequest, code: "invalid_body", message: why + "; nothing was stored")
        case .outboxFull(let why):
            .error(.serviceUnavailable, code: "outbox_full", message: why, headers: ["Retry-After": "5"])
        case .storage(let why):
            .error(.internalServerError, code: "storage_error", message: "the request could not be stored, nothing was accepted: \(why)")
        }
    }
}
