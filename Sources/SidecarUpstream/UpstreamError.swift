/// Why a call to Stigg failed, classified so the sync layer knows whether trying again can
/// help. Messages never contain the API key.
public enum UpstreamError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No answer within the deadline.
    case timeout
    /// Connection refused, reset or dropped, DNS failure, TLS failure.
    case transport(String)
    /// A non-2xx answer; `retryAfter` from the `Retry-After` header when there is one.
    case status(code: Int, message: String?, retryAfter: Duration?)
    /// A 2xx whose body is not what the API promises (HTML, truncated, malformed JSON, wrong
    /// types, over the size cap). Never turned into a partial state.
    case invalidResponse(String)

    /// Timeouts, transport errors, 408, 409, 429 and 5xx are worth another try after a backoff;
    /// 400, 401, 403, 404 and 422 will answer the same again.
    public var isRetryable: Bool {
        switch self {
        case .timeout, .transport, .invalidResponse: true
        case .status(let code, _, _): code == 408 || code == 409 || code == 429 || code >= 500
        }
    }

    /// The key was refused: every call will fail until an operator fixes it.
    public var isAuthenticationFailure: Bool {
        if case .status(let code, _, _) = self { return code == 401 || code == 403 }
        return false
    }

    public var description: String {
        switch self {
        case .timeout: return "upstream timed out"
        case .transport(let why): return "upstream unreachable: \(why)"
        case .status(let code, let message, _):
            let hint = code == 401 ? " (the API key was rejected: check STIGG_API_KEY)"
                : code == 403 ? " (the API key lacks permission)" : ""
            return "upstream answered \(code)\(hint)" + (message.map { ": \($0)" } ?? "")
        case .invalidResponse(let why): return "upstream sent an invalid response: \(why)"
        }
    }
}

/// How a call ended, as a metrics label (`sidecar_upstream_requests_total{outcome}`).
public enum UpstreamOutcome: String, Sendable, CaseIterable {
    case success
    case timeout
    case transport
    case clientError = "http_4xx"
    case serverError = "http_5xx"
    case invalidResponse = "invalid_response"

    public init(_ error: UpstreamError) {
        switch error {
        case .timeout: self = .timeout
        case .transport: self = .transport
        case .status(let code, _, _): self = code >= 500 ? .serverError : .clientError
        case .invalidResponse: self = .invalidResponse
        }
    }
}
