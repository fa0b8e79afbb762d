import SidecarHTTP
import Synchronization

/// Per-path request counts for `/api/...` requests (faulted and rejected ones included).
struct CallCounters {
    private(set) var byPath: [String: Int] = [:]
    private(set) var total = 0
    /// The last paths in arrival order, for tests of what goes first.
    private(set) var recent: [String] = []
    static let recentLimit = 10_000

    mutating func count(_ path: String) {
        byPath[path, default: 0] += 1
        total += 1
        if recent.count >= Self.recentLimit { recent.removeFirst(recent.count / 2) }
        recent.append(path)
    }

    func calls(_ prefix: String) -> Int {
        byPath.reduce(0) { $0 + ($1.key.hasPrefix(prefix) ? $1.value : 0) }
    }
}

/// Everything the fake knows, behind one lock. Handlers hold it only to read or change data,
/// never while waiting: the event loop must not block.
struct FakeState {
    var configuration: FakeStiggConfiguration
    var store = CustomerStore()
    var ledger = UsageLedger()
    var counters = CallCounters()
    var faults = FaultBook()
}

/// The state shared by the public `FakeStigg` and its route closures. The closures capture
/// this rather than the fake, so the fake does not keep itself alive through its own server.
final class SharedState: Sendable {
    let mutex: Mutex<FakeState>
    /// Posts webhook events to the sidecar under test (ControlAPI+Webhooks.swift).
    let webhooks = WebhookSender()

    init(configuration: FakeStiggConfiguration) {
        mutex = Mutex(FakeState(configuration: configuration))
    }

    var errorShape: ErrorShape { mutex.withLock { $0.configuration.errorShape } }

    func error(_ error: FakeError, headers: HTTPHeaders = [:]) -> HTTPResponse {
        error.response(errorShape, headers: headers)
    }

    /// Clears fault rules (all, or one) and answers the requests that a hang was holding.
    func clearFaults(id: Int? = nil) {
        let released = mutex.withLock { $0.faults.clear(id: id) }
        let answer = hangReleased()
        released.forEach { $0(answer) }
    }

    /// What a hung request gets when its hang is cleared: a 500, as a gateway timing out would.
    func hangReleased() -> HTTPResponse {
        error(FakeError(status: 500, nestedCode: "INTERNAL", flatCode: "InternalServerError", message: "hang released"))
    }
}

extension HTTPRequest {
    /// Query parameters by name (the last one wins), or a 400 for a badly encoded query.
    func queryValues() -> Result<[String: String], FakeError> {
        do {
            var values: [String: String] = [:]
            for (name, value) in try queryParameters() { values[name] = value }
            return .success(values)
        } catch {
            return .failure(.badRequest("query parameter \(error.parameter) is badly encoded"))
        }
    }
}
