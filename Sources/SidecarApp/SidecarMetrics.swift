import CoreMetrics
import Foundation
import Prometheus
import SidecarCache
import SidecarModel
import SidecarUpstream
import Synchronization

/// The metrics of DESIGN.md §11, through swift-metrics into a Prometheus registry owned by
/// this application (not the process-wide bootstrap, so tests can run several apps).
///
/// The per-request path is in `RequestMetrics`, made once the routes are known.
final class SidecarMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    private let decisions: [Provenance.Source: CoreMetrics.Counter]
    private let upstreamRequests: [UpstreamOutcome: CoreMetrics.Counter]
    private let upstreamDuration: CoreMetrics.Timer
    private let cacheStates: CoreMetrics.Gauge
    private let secondsSinceSync: CoreMetrics.Gauge
    private let outboxPending: CoreMetrics.Gauge
    private let outboxDeadLetters: CoreMetrics.Gauge
    /// Set once the routes are known (after the router is built); read at scrape time only.
    let requests = Mutex<RequestMetrics?>(nil)

    /// What `/metrics` reads at scrape time rather than counting on the hot path.
    struct Snapshot {
        var cacheStates: Int
        var lastSyncAt: Date?
        var now: Date
        var outbox: OutboxCounts
    }

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["sidecar_upstream_request_duration_seconds"] = [
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
        decisions = Dictionary(uniqueKeysWithValues: Provenance.Source.allCases.map { source in
            (source, CoreMetrics.Counter(label: "sidecar_decisions_total", dimensions: [("source", source.rawValue)], factory: factory))
        })
        upstreamRequests = Dictionary(uniqueKeysWithValues: UpstreamOutcome.allCases.map { outcome in
            (outcome, CoreMetrics.Counter(label: "sidecar_upstream_requests_total", dimensions: [("outcome", outcome.rawValue)], factory: factory))
        })
        upstreamDuration = CoreMetrics.Timer(label: "sidecar_upstream_request_duration_seconds", factory: factory)
        cacheStates = CoreMetrics.Gauge(label: "sidecar_cache_states", factory: factory)
        secondsSinceSync = CoreMetrics.Gauge(label: "sidecar_seconds_since_last_sync", factory: factory)
        outboxPending = CoreMetrics.Gauge(label: "sidecar_outbox_pending", factory: factory)
        outboxDeadLetters = CoreMetrics.Gauge(label: "sidecar_outbox_dead_letters", factory: factory)
    }

    func recordDecision(_ source: Provenance.Source) {
        decisions[source]?.increment()
    }

    func recordUpstream(_ outcome: UpstreamOutcome, _ duration: Duration) {
        upstreamRequests[outcome]?.increment()
        let (seconds, attoseconds) = duration.components
        upstreamDuration.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// The Prometheus text exposition, with the scrape-time gauges set first, and the
    /// request-latency histograms (kept outside the registry, see `LatencyHistogram`).
    func render(_ snapshot: Snapshot) -> [UInt8] {
        cacheStates.record(snapshot.cacheStates)
        // -1 until the first successful sync (offline: never), so an alert on "too old"
        // can tell "never" apart.
        secondsSinceSync.record(snapshot.lastSyncAt.map { max(0, snapshot.now.timeIntervalSince($0)) } ?? -1)
        outboxPending.record(snapshot.outbox.pending)
        outboxDeadLetters.record(snapshot.outbox.deadLetters)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        registry.emit(into: &buffer)
        if let requests = requests.withLock({ $0 }) { buffer.append(contentsOf: requests.renderDurations().utf8) }
        return buffer
    }
}

/// Request counts and durations per route (and status). The per-request path does two
/// dictionary reads and a counter and histogram update: every handle for the known routes and
/// common statuses is made at start-up, and only an unusual status takes a lock to make its
/// counter once.
final class RequestMetrics: Sendable {
    private let factory: PrometheusMetricsFactory
    private let requests: [String: [Int: CoreMetrics.Counter]]
    private let otherRequests = Mutex<[String: CoreMetrics.Counter]>([:])
    private let durations: [String: LatencyHistogram]
    private let routeLabels: [String]

    /// The route label of requests no route matched.
    static let unmatched = "unmatched"
    static let commonStatuses = [200, 201, 400, 401, 404, 405, 413, 500, 503]

    /// Makes the handles for `routes` and registers them with `metrics` for `/metrics`.
    init(routes: [String], metrics: SidecarMetrics) {
        let factory = metrics.factory
        self.factory = factory
        let labels = routes + [Self.unmatched]
        requests = Dictionary(uniqueKeysWithValues: labels.map { route in
            (route, Dictionary(uniqueKeysWithValues: Self.commonStatuses.map { status in
                (status, CoreMetrics.Counter(label: "sidecar_http_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory))
            }))
        })
        routeLabels = labels
        durations = Dictionary(uniqueKeysWithValues: labels.map { ($0, LatencyHistogram()) })
    }

    func record(route: String?, status: Int, nanoseconds: UInt64) {
        let route = route ?? Self.unmatched
        if let counter = requests[route]?[status] {
            counter.increment()
        } else {
            let key = "\(route) \(status)"
            let counter = otherRequests.withLock { counters in
                if let existing = counters[key] { return existing }
                let made = CoreMetrics.Counter(label: "sidecar_http_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory)
                counters[key] = made
                return made
            }
            counter.increment()
        }
        durations[route]?.record(nanoseconds: nanoseconds)
    }

    static let durationName = "sidecar_http_request_duration_seconds"

    func renderDurations() -> String {
        var out = "# HELP \(Self.durationName) Time from a request's parse to its response, per route.\n# TYPE \(Self.durationName) histogram\n"
        for route in routeLabels {
            durations[route]?.render(name: Self.durationName, labels: "route=\"\(route)\"", into: &out)
        }
        return out
    }
}
