/// One request: an absolute http(s) URL, already percent-encoded.
public struct HTTPClientRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One answer, whatever its status.
public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// In the order received, names as sent.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of `name`, compared without regard to case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Why there was no answer.
public enum HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing whole within the deadline.
    case timeout
    /// The answer's body is over the configured limit.
    case bodyTooLarge(limit: Int)
    /// Refused, reset, dropped mid-answer, DNS or TLS failure, a malformed answer: libcurl's
    /// own words (never a header, so never a key).
    case transport(String)

    public var description: String {
        switch self {
        case .timeout: "timed out"
        case .bodyTooLarge(let limit): "body exceeds the \(limit)-byte limit"
        case .transport(let why): why
        }
    }
}
