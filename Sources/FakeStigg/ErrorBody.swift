import SidecarModel
import SidecarHTTP

/// The errors the fake emits. Each has a code in both shapes of STIGG-API.md §4.4: upper-snake
/// for the nested shape (as Stigg's docs show `UNAUTHENTICATED`), PascalCase for the flat one
/// (as the NestJS-style DTOs use). Only `UNAUTHENTICATED` is documented; the rest follow suit.
struct FakeError: Error, Sendable {
    var status: Int
    var nestedCode: String
    var flatCode: String
    var message: String

    static func unauthenticated() -> FakeError {
        FakeError(status: 401, nestedCode: "UNAUTHENTICATED", flatCode: "Unauthenticated",
                  message: "Invalid or missing API key")
    }

    static func customerNotFound(_ id: String) -> FakeError {
        FakeError(status: 404, nestedCode: "NOT_FOUND", flatCode: "CustomerNotFound",
                  message: "Customer not found: \(id)")
    }

    static func resourceNotFound(_ customerId: String, _ resourceId: String) -> FakeError {
        FakeError(status: 404, nestedCode: "NOT_FOUND", flatCode: "CustomerResourceNotFound",
                  message: "Resource \(resourceId) not found for customer \(customerId)")
    }

    static func badRequest(_ message: String) -> FakeError {
        FakeError(status: 400, nestedCode: "BAD_REQUEST", flatCode: "BadUserInput", message: message)
    }

    /// The body of an injected status fault.
    static func injected(status: Int) -> FakeError {
        switch status {
        case 400: badRequest("Injected bad request")
        case 401: unauthenticated()
        case 404: FakeError(status: 404, nestedCode: "NOT_FOUND", flatCode: "NotFound", message: "Injected not found")
        case 429: FakeError(status: 429, nestedCode: "RATE_LIMITED", flatCode: "RateLimitExceeded", message: "Too many requests")
        case 503: FakeError(status: 503, nestedCode: "UNAVAILABLE", flatCode: "ServiceUnavailable", message: "Service unavailable")
        default: FakeError(status: status, nestedCode: "INTERNAL", flatCode: "InternalServerError", message: "Injected error \(status)")
        }
    }

    func response(_ shape: ErrorShape, headers: HTTPHeaders = [:]) -> HTTPResponse {
        let body: JSONValue = switch shape {
        case .nested: .object(["error": .object(["code": .string(nestedCode), "message": .string(message)])])
        case .flat: .object(["code": .string(flatCode), "message": .string(message)])
        }
        return .json(Self.httpStatus(status), body.jsonBytes, headers: headers)
    }

    /// Renders SidecarHTTP's own errors (framing 400, 404, 405, ...) in the nested shape.
    static let renderer: HTTPErrorRenderer = { status, code, message in
        .json(status, JSONValue.object(["error": .object(["code": .string(code), "message": .string(message)])]).jsonBytes)
    }

    /// SidecarHTTP's named statuses where one exists, so the reason phrase is the usual one.
    static func httpStatus(_ code: Int) -> HTTPStatus {
        let known: [HTTPStatus] = [
            .ok, .created, .badRequest, .unauthorized, .forbidden, .notFound, .requestTimeout,
            .unprocessableContent, .tooManyRequests, .internalServerError, .notImplemented,
            .badGateway, .serviceUnavailable, .gatewayTimeout,
        ]
        return known.first { $0.code == code } ?? HTTPStatus(code: code, reason: "Injected")
    }
}
