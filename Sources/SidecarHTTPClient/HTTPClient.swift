import CCurl
import Dispatch
import Synchronization

/// A small HTTP/1.1 client on libcurl's easy interface: each transfer runs on one of a few
/// threads of our own, each keeping its connection open for the next.
///
/// Why not URLSession: on Linux, FoundationNetworking registers libcurl's sockets with
/// Dispatch and libcurl closes them before those registrations are cancelled
/// (swift-corelibs-foundation #4791). A reused fd number then leaves Dispatch's epoll holding
/// a freed record, and its manager thread crashes in `_dispatch_event_loop_drain`: about one
/// run in sixty of our upstream client suite did. Here libcurl polls its own sockets on our
/// threads and nothing of it is registered with Dispatch. It is also cheaper: no run loop, no
/// Dispatch timers, no Foundation request and response objects per call.
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    private let workers: TransferWorkers

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        CurlGlobal.initialize()
        self.configuration = configuration
        workers = TransferWorkers(limit: max(1, configuration.maxConnections), idleTimeout: configuration.idleTimeout)
    }

    deinit { workers.close() }

    /// Sends `request` and waits for the whole answer, whatever its status. Throws `.timeout`
    /// when there is none within `timeout`, time spent waiting for a free connection included.
    public func send(_ request: HTTPClientRequest, timeout: Duration) async throws(HTTPClientError) -> HTTPClientResponse {
        let deadline = ContinuousClock.now + timeout
        let maxBodyBytes = configuration.maxBodyBytes
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>) in
            let pending = PendingTransfer(continuation)
            let waits = workers.submit { handle in
                guard let continuation = pending.take() else { return }
                let remaining = deadline - ContinuousClock.now
                guard let handle, remaining > .zero else {
                    continuation.resume(returning: .failure(handle == nil ? .transport("could not start a transfer") : .timeout))
                    return
                }
                continuation.resume(returning: CurlTransfer.perform(request, on: handle, timeout: remaining, maxBodyBytes: maxBodyBytes))
            }
            // Every worker is busy: the deadline may pass before one is free.
            if waits {
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(timeout.nanoseconds))) {
                    pending.take()?.resume(returning: .failure(.timeout))
                }
            }
        }
        return try result.get()
    }
}

/// A caller waiting for its transfer: answered by whichever comes first, a worker starting
/// the transfer or the deadline passing while it is still queued.
private final class PendingTransfer: Sendable {
    private let continuation: Mutex<CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>?>

    init(_ continuation: CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>) {
        self.continuation = Mutex(continuation)
    }

    func take() -> CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>? {
        continuation.withLock { pending in
            defer { pending = nil }
            return pending
        }
    }
}

/// How many connections, how large an answer, how long an unused connection stays open.
public struct HTTPClientConfiguration: Sendable {
    /// Transfers at once, each on its own connection; more wait their turn.
    public var maxConnections: Int
    /// Larger answers are refused (`bodyTooLarge`) without being read to the end.
    public var maxBodyBytes: Int
    /// A connection unused this long is closed, and its thread ends.
    public var idleTimeout: Duration

    public init(maxConnections: Int = 4, maxBodyBytes: Int = 8 * 1024 * 1024, idleTimeout: Duration = .seconds(50)) {
        self.maxConnections = maxConnections
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
    }
}

/// libcurl's process-wide set-up, done once before the first handle: done lazily by
/// `curl_easy_init` it would race between threads.
enum CurlGlobal {
    private static let done: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

    static func initialize() { _ = done }
}

extension Duration {
    /// The whole duration in nanoseconds: the unit Dispatch and libcurl's millisecond options
    /// are computed from.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
