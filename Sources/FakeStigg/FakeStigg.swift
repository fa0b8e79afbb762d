import SidecarModel
import SidecarHTTP
import Synchronization

/// An in-process fake of the Stigg REST API (STIGG-API.md) for tests, built on SidecarHTTP.
///
/// ```swift
/// let stigg = FakeStigg()
/// try stigg.setEntitlements(customerId: "acme", json: #"{"accessDeniedReason":null,"entitlements":[]}"#)
/// stigg.inject(.status(429, retryAfter: 2), pathPrefix: "/api/v1/customers/acme", count: 1)
/// let port = try stigg.start()          // http://127.0.0.1:<port>, header X-API-KEY: server-fake-key
/// ...
/// #expect(stigg.calls("/api/v1/customers/acme/entitlements") == 2)
/// await stigg.stop()
/// ```
///
/// Routes: `GET /api/v1/customers` (cursor pages), `GET /api/v1/customers/{id}`,
/// `GET /api/v1/customers/{id}/entitlements[?resourceId=]`, `.../entitlements/check`,
/// `GET /api/v1/customers/{id}/resources`, `POST /api/v1/usage`, `POST /api/v1/events`, and
/// the control API under `/_fake/` (ControlAPI.swift). Thread-safe: all state sits behind one
/// Mutex, and every method may be called from any thread while the server runs.
public final class FakeStigg: Sendable {
    let shared: SharedState
    private let pipeline: RequestPipeline
    private let server = Mutex<HTTPServer?>(nil)

    public init(configuration: FakeStiggConfiguration = FakeStiggConfiguration()) {
        shared = SharedState(configuration: configuration)
        pipeline = RequestPipeline(shared: shared)
    }

    // MARK: Lifecycle

    /// Listens on `host:port` (port 0 picks a free one) and returns the bound port.
    @discardableResult
    public func start(host: String = "127.0.0.1", port: Int = 0) throws -> Int {
        var settings = HTTPServerSettings(errorRenderer: FakeError.renderer)
        // Two loops are plenty for a fake, and the machine is shared.
        settings.eventLoops = 2
        // A hung request must stay hung until the test clears it, as a hung upstream would.
        settings.handlerTimeout = .seconds(24 * 3600)
        // Control calls may carry large states.
        settings.limits.maxBodyBytes = 16 * 1024 * 1024
        let pipeline = self.pipeline
        let newServer = HTTPServer(host: host, port: port, settings: settings) { pipeline.handle($0) }
        let bound = try newServer.start()
        server.withLock { $0 = newServer }
        return bound
    }

    /// The bound port; 0 before `start`.
    public var port: Int { server.withLock { $0?.port ?? 0 } }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Answers hung requests (500), then shuts the server down.
    public func stop() async {
        shared.clearFaults()
        guard let running = server.withLock({ current -> HTTPServer? in defer { current = nil }; return current }) else { return }
        await running.shutdown(grace: .seconds(1))
    }

    // MARK: Configuration

    public var configuration: FakeStiggConfiguration { shared.mutex.withLock { $0.configuration } }

    public func configure(_ change: (inout FakeStiggConfiguration) -> Void) {
        shared.mutex.withLock { state in change(&state.configuration) }
    }

    // MARK: Data

    /// Sets a customer's (or a customer resource's) state from JSON: `{"data": state}`, a bare
    /// state `{"accessDeniedReason":...,"entitlements":[...]}`, or a bare entitlements array.
    /// Stored as parsed JSON, so unknown fields and odd values are served back as given.
    public func setEntitlements(customerId: String, resourceId: String? = nil, json: String) throws(FakeStiggInputError) {
        try shared.setEntitlements(customerId: customerId, resourceId: resourceId, json: Array(json.utf8))
    }

    /// Sets a state from the sidecar's own model, encoded by SidecarCache's JSONWriter.
    public func setEntitlements(customerId: String, resourceId: String? = nil, state: EntitlementsState) {
        var writer = JSONWriter()
        writer.entitlementsState(state)
        // The writer's output always parses; a failure here would be a JSONWriter bug.
        try? shared.setEntitlements(customerId: customerId, resourceId: resourceId, json: writer.bytes)
    }

    /// Removes a customer with all its states and enum values.
    public func removeCustomer(_ customerId: String) {
        shared.mutex.withLock { $0.store.remove(customerId) }
    }

    /// Adds `count` customers `synthetic-000001`, ... that share one template state (a
    /// metered `feature-api-calls` with limit 1000 and a boolean `feature-sso`). Cheap: one
    /// small row each, so 100,000 take a few milliseconds.
    public func addSyntheticCustomers(count: Int) {
        shared.mutex.withLock { $0.store.addSynthetic(count: count) }
    }

    /// Replaces the state synthetic customers share (same JSON forms as `setEntitlements`).
    public func setSyntheticTemplate(json: String) throws(FakeStiggInputError) {
        try shared.setSyntheticTemplate(json: Array(json.utf8))
    }

    /// The values `/check` grants for an ENUM feature: granted iff every requested value is
    /// in the set, else `RequestedValuesMismatch` (none set: every request mismatches).
    public func setEnumValues(customerId: String, featureId: String, _ values: [String]) {
        shared.mutex.withLock { $0.store.setEnumValues(customerId: customerId, featureId: featureId, values: values) }
    }

    /// Adds a few realistic customers: `demo-pro` (metered, boolean, ENUM, credits),
    /// `demo-free` (at its limit), `demo-unlimited`, `demo-lapsed` (NoActiveSubscription) and
    /// `demo-team` (with resource `workspace-1`).
    public func seedDemo() { shared.seedDemo() }

    /// Customer ids in list order.
    public var customerIds: [String] { shared.mutex.withLock { $0.store.rows.map(\.id) } }

    public var customerCount: Int { shared.mutex.withLock { $0.store.count } }

    /// The state as served now (usage applied), as `{"data": state}` JSON; nil if unknown.
    public func entitlementsJSON(customerId: String, resourceId: String? = nil) -> String? {
        shared.entitlementsJSON(customerId: customerId, resourceId: resourceId)
    }

    /// A FEATURE entitlement's `currentUsage` as served now.
    public func currentUsage(customerId: String, resourceId: String? = nil, featureId: String) -> Double? {
        shared.currentUsage(customerId: customerId, resourceId: resourceId, featureId: featureId)
    }

    /// Forgets records, counters and faults; `includingData` also removes every customer.
    public func reset(includingData: Bool = false) { shared.reset(data: includingData) }
}
