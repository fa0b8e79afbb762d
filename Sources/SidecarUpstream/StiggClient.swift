import Foundation
import SidecarHTTPClient

/// How to reach Stigg.
public struct UpstreamConfiguration: Sendable {
    public var baseURL: URL
    public var apiKey: String
    /// Per-call deadline, waiting for a free connection included.
    public var timeout: Duration
    /// Bodies larger than this are refused (DESIGN.md §11: 8 MiB).
    public var maxBodyBytes: Int
    /// Connections kept open to the host.
    public var maxConnections: Int
    /// Told the outcome and duration of every call, for metrics; the module itself stays
    /// free of a metrics library.
    public var observe: (@Sendable (UpstreamOutcome, Duration) -> Void)?

    public init(baseURL: URL, apiKey: String, timeout: Duration = .seconds(5), maxBodyBytes: Int = 8 * 1024 * 1024, maxConnections: Int = 4) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.maxConnections = maxConnections
    }
}

/// The Stigg REST calls the sidecar needs. Connections are reused across calls; every call
/// either returns a whole, well-typed value or throws a classified `UpstreamError`.
public final class StiggClient: Sendable {
    public let configuration: UpstreamConfiguration
    private let http: HTTPClient

    public init(configuration: UpstreamConfiguration) {
        self.configuration = configuration
        http = HTTPClient(configuration: HTTPClientConfiguration(maxConnections: configuration.maxConnections, maxBodyBytes: configuration.maxBodyBytes))
    }

    /// GET `path` (already percent-encoded) with `query`; returns the body of a 2xx.
    func get(_ path: String, query: [(String, String)] = [], deadline: Duration? = nil) async throws(UpstreamError) -> [UInt8] {
        let request = HTTPClientRequest(method: "GET", url: try url(path, query: query), headers: headers(json: false))
        return try await send(request, deadline: deadline ?? configuration.timeout)
    }

    /// POST a JSON `body` to `path`; returns the body of a 2xx.
    func post(_ path: String, body: [UInt8], deadline: Duration? = nil) async throws(UpstreamError) -> [UInt8] {
        let request = HTTPClientRequest(method: "POST", url: try url(path, query: []), headers: headers(json: true), body: body)
        return try await send(request, deadline: deadline ?? configuration.timeout)
    }

    private func headers(json body: Bool) -> [(name: String, value: String)] {
        var headers = [(name: "X-API-KEY", value: configuration.apiKey), (name: "Accept", value: "application/json"), (name: "User-Agent", value: "entitlement-sidecar")]
        if body { headers.append((name: "Content-Type", value: "application/json")) }
        return headers
    }

    private func url(_ path: String, query: [(String, String)]) throws(UpstreamError) -> String {
        guard var components = URLComponents(url: configuration.baseURL, resolvingAgainstBaseURL: false) else {
            throw .invalidResponse("cannot build a URL for \(path)")
        }
        let basePath = components.percentEncodedPath.trimmingSuffix("/")
        components.percentEncodedPath = basePath + path
        if !query.isEmpty {
            components.percentEncodedQuery = query.map { "\($0.0)=\(StiggClient.encodeQueryValue($0.1))" }.joined(separator: "&")
        }
        guard let url = components.url else { throw .invalidResponse("cannot build a URL for \(path)") }
        return url.absoluteString
    }

    private func send(_ request: HTTPClientRequest, deadline: Duration) async throws(UpstreamError) -> [UInt8] {
        guard let observe = configuration.observe else { return try await exchange(request, deadline: deadline) }
        let started = ContinuousClock.now
        do {
            let body = try await exchange(request, deadline: deadline)
            observe(.success, ContinuousClock.now - started)
            return body
        } catch {
            observe(UpstreamOutcome(error), ContinuousClock.now - started)
            throw error
        }
    }

    private func exchange(_ request: HTTPClientRequest, deadline: Duration) async throws(UpstreamError) -> [UInt8] {
        let response: HTTPClientResponse
        do {
            response = try await http.send(request, timeout: deadline)
        } catch {
            throw Self.classify(error)
        }
        guard (200..<300).contains(response.status) else {
            throw .status(
                code: response.status, message: ErrorMessage.extract(response.body),
                retryAfter: RetryAfter.parse(response.header("Retry-After"), now: Date()))
        }
        return response.body
    }

    static func classify(_ error: HTTPClientError) -> UpstreamError {
        switch error {
        case .timeout: .timeout
        case .bodyTooLarge(let limit): .invalidResponse("body exceeds the \(limit)-byte limit")
        case .transport(let why): .transport(why)
        }
    }

    /// Query values as Stigg's SDKs send them: everything but unreserved characters escaped,
    /// commas included (`a%2Cb`), so ids with `&`, `+` or `=` survive.
    static func encodeQueryValue(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    static func encodePathSegment(_ value: String) -> String {
        encodeQueryValue(value)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
