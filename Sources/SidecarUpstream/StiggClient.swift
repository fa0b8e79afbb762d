import Dispatch
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// How to reach Stigg.
public struct UpstreamConfiguration: Sendable {
    public var baseURL: URL
    public var apiKey: String
    /// Per-call deadline, enforced here: URLSession on Linux rounds its own timeouts to whole
    /// seconds (and a 0.5 s one fires at once).
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
    private let session: URLSession

    public init(configuration: UpstreamConfiguration) {
        self.configuration = configuration
        // Our deadline wins; the session's timeout only stops a stuck transfer from living forever.
        let key = SessionKey(maxConnections: configuration.maxConnections, timeoutSeconds: Double(configuration.timeout.components.seconds) + 1)
        session = Self.sessions.withLock { sessions in
            if let shared = sessions[key] { return shared }
            let made = Self.makeSession(key)
            sessions[key] = made
            return made
        }
    }

    /// The settings sessions differ in.
    private struct SessionKey: Hashable {
        let maxConnections: Int
        let timeoutSeconds: Double
    }

    /// Sessions by their settings, shared by every client with those settings and kept for the
    /// life of the process, never invalidated. Tearing a URLSession down on Linux races
    /// FoundationNetworking's Dispatch sources for libcurl's sockets against libcurl's cleanup
    /// (swift-corelibs-foundation #4791, #5491); test runs that start and stop hundreds of
    /// clients crashed in Dispatch's manager thread (`_dispatch_event_loop_drain`) that way.
    /// A sidecar makes one client, so sharing costs it nothing.
    private static let sessions = Mutex<[SessionKey: URLSession]>([:])

    private static func makeSession(_ key: SessionKey) -> URLSession {
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.httpMaximumConnectionsPerHost = key.maxConnections
        sessionConfiguration.urlCache = nil
        // Stigg's API sets no cookies we need; without a store URLSession skips reading and
        // parsing them on every response.
        sessionConfiguration.httpCookieStorage = nil
        sessionConfiguration.httpShouldSetCookies = false
        sessionConfiguration.httpCookieAcceptPolicy = .never
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        sessionConfiguration.timeoutIntervalForRequest = key.timeoutSeconds
        sessionConfiguration.timeoutIntervalForResource = key.timeoutSeconds
        return URLSession(configuration: sessionConfiguration)
    }

    /// GET `path` (already percent-encoded) with `query`; returns the body of a 2xx.
    func get(_ path: String, query: [(String, String)] = [], deadline: Duration? = nil) async throws(UpstreamError) -> [UInt8] {
        var request = URLRequest(url: try url(path, query: query))
        request.setValue(configuration.apiKey, forHTTPHeaderField: "X-API-KEY")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        return try await send(request, deadline: deadline ?? configuration.timeout)
    }

    /// POST a JSON `body` to `path`; returns the body of a 2xx.
    func post(_ path: String, body: [UInt8], deadline: Duration? = nil) async throws(UpstreamError) -> [UInt8] {
        var request = URLRequest(url: try url(path, query: []))
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue(configuration.apiKey, forHTTPHeaderField: "X-API-KEY")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        return try await send(request, deadline: deadline ?? configuration.timeout)
    }

    private func url(_ path: String, query: [(String, String)]) throws(UpstreamError) -> URL {
        guard var components = URLComponents(url: configuration.baseURL, resolvingAgainstBaseURL: false) else {
            throw .invalidResponse("cannot build a URL for \(path)")
        }
        let basePath = components.percentEncodedPath.trimmingSuffix("/")
        components.percentEncodedPath = basePath + path
        if !query.isEmpty {
            components.percentEncodedQuery = query.map { "\($0.0)=\(StiggClient.encodeQueryValue($0.1))" }.joined(separator: "&")
        }
        guard let url = components.url else { throw .invalidResponse("cannot build a URL for \(path)") }
        return url
    }

    private func send(_ request: URLRequest, deadline: Duration) async throws(UpstreamError) -> [UInt8] {
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

    private func exchange(_ request: URLRequest, deadline: Duration) async throws(UpstreamError) -> [UInt8] {
        let (data, response) = try await StiggClient.race(session: session, request: request, deadline: deadline)
        guard let http = response as? HTTPURLResponse else { throw .invalidResponse("not an HTTP response") }
        if data.count > configuration.maxBodyBytes {
            throw .invalidResponse("body of \(data.count) bytes exceeds the \(configuration.maxBodyBytes)-byte limit")
        }
        let body = [UInt8](data)
        guard (200..<300).contains(http.statusCode) else {
            throw .status(
                code: http.statusCode, message: ErrorMessage.extract(body),
                retryAfter: RetryAfter.parse(http.value(forHTTPHeaderField: "Retry-After"), now: Date()))
        }
        return body
    }

    /// The transfer against the deadline. Returns the moment the deadline passes: the
    /// transfer is cancelled but not waited for, because URLSession on Linux can take seconds
    /// to notice. Both sides run on Dispatch, not on Swift's cooperative pool, so a busy pool
    /// cannot delay the transfer past its own deadline.
    private static func race(session: URLSession, request: URLRequest, deadline: Duration) async throws(UpstreamError) -> (Data, URLResponse) {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<(Data, URLResponse), UpstreamError>, Never>) in
            let once = ResumeOnce(continuation)
            let transfer = session.dataTask(with: request) { data, response, error in
                if let data, let response {
                    once.resume(.success((data, response)))
                } else {
                    once.resume(.failure(classify(error ?? URLError(.badServerResponse))))
                }
            }
            let (seconds, attoseconds) = deadline.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) {
                once.resume(.failure(.timeout))
                transfer.cancel()
            }
            transfer.resume()
        }
        return try outcome.get()
    }

    static func classify(_ error: any Error) -> UpstreamError {
        if error is CancellationError { return .timeout }
        guard let urlError = error as? URLError else { return .transport(String(describing: type(of: error))) }
        switch urlError.code {
        case .timedOut: return .timeout
        case .cancelled: return .timeout
        default: return .transport(urlError.localizedDescription)
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

/// Resumes a continuation with whichever outcome comes first.
final class ResumeOnce<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ value: Value) {
        continuation.withLock { pending in
            pending?.resume(returning: value)
            pending = nil
        }
    }
}
