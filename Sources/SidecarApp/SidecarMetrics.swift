import CoreMetrics
import Foundation
import Prometheus
import SidecarCache
import SidecarModel
import SidecarSync
import SidecarUpstream
import Synchronization

/// The metrics of DESIGN.md §11. Counters and histograms updated off the request path live in
/// a Prometheus registry owned by this application (not the process-wide bootstrap, so tests
/// can run several apps); what is read at scrape time, the per-request counters and the
/// `process_*` families are written by `render` itself. Every family has `# HELP` and
/// `# TYPE`, so `promtool check metrics` passes without a warning.
final class SidecarMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// For swift-metrics handles. Families made through it have no `# HELP` line: prefer
    /// `registry.makeCounter(name:labels:help:)`.
    let factory: PrometheusMetricsFactory
    /// At `slot(source)`: counted on every answer, so an array read, not a hash.
    private let decisions: [Prometheus.Counter?]
    private let upstreamRequests: [UpstreamOutcome: Prometheus.Counter]
    private let upstreamDuration: DurationHistogram
    /// Set once the routes are known (after the router is built); read at scrape time only.
    let requests = Mutex<RequestMetrics?>(nil)

    /// What `/metrics` reads at scrape time rather than counting on the hot path.
    struct Snapshot {
        var cacheStates: Int
        var oldestSyncedAt: Date?
        var lastSyncAt: Date?
        var now: Date
        var consecutiveFailures: Int
        var readiness: Readiness.Status
        var outbox: OutboxCounts

        init(service: EntitlementService, usage: UsageService, cache: EntitlementService.CacheStatus) {
            let upstream = service.upstreamStatus
            cacheStates = cache.states
            oldestSyncedAt = cache.oldestSyncedAt
            lastSyncAt = upstream.lastSuccessAt
            now = service.now()
            consecutiveFailures = upstream.consecutiveFailures
            readiness = service.readiness.status
            outbox = usage.counts()
        }
    }

    init() {
        factory = PrometheusMetricsFactory(registry: registry)
        let decisionsBySource: [Provenance.Source: Prometheus.Counter] = registry.counters(
            "decisions", label: "source",
            help: "Entitlement answers, by where their data came from (cache, stale, upstream, fallback).")
        var decisions = [Prometheus.Counter?](repeating: nil, count: Provenance.Source.allCases.count)
        for (source, counter) in decisionsBySource { decisions[Self.slot(source)] = counter }
        self.decisions = decisions
        upstreamRequests = registry.counters("upstream_requests", label: "outcome", help: "Calls to the Stigg API, by outcome.")
        upstreamDuration = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "sidecar", metricName: "upstream_request_duration", unitName: "seconds",
                helpText: "Duration of calls to the Stigg API, successful or not."),
            buckets: [
                .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
            ])
    }

    func recordDecision(_ source: Provenance.Source) {
        decisions[Self.slot(source)]?.increment()
    }

    /// A switch, not `allCases.firstIndex`, which would build the array of cases per call.
    private static func slot(_ source: Provenance.Source) -> Int {
        switch source {
        case .cache: 0
        case .stale: 1
        case .upstream: 2
        case .fallback: 3
        }
    }

    func recordUpstream(_ outcome: UpstreamOutcome, _ duration: Duration) {
        upstreamRequests[outcome]?.increment()
        upstreamDuration.record(duration)
    }

    /// The Prometheus text exposition: the registry's families, then ours.
    func render(_ snapshot: Snapshot) -> [UInt8] {
        var out = PrometheusText()
        out.family("sidecar_build_info", .gauge, help: "Always 1; the version label says which build is running.")
        out.sample("sidecar_build_info", 1, labels: ["version": StatusReport.version])
        out.family("sidecar_cache_states", .gauge, help: "Cached (customer, resource) entitlement states.")
        out.sample("sidecar_cache_states", snapshot.cacheStates)
        // No sample until something happened: "never" is an absent series, not a sentinel value.
        out.family("sidecar_last_sync_timestamp_seconds", .gauge, help: "Unix time of the last successful call to the Stigg API.")
        if let last = snapshot.lastSyncAt { out.sample("sidecar_last_sync_timestamp_seconds", last.timeIntervalSince1970) }
        // The name DESIGN.md §11 gives; the timestamp above is what alerts should use (it needs
        // no clock agreement), this one reads directly on a dashboard or in a probe.
        out.family("sidecar_seconds_since_last_sync", .gauge, help: "Seconds since the last successful call to the Stigg API.")
        if let last = snapshot.lastSyncAt {
            out.sample("sidecar_seconds_since_last_sync", max(0, snapshot.now.timeIntervalSince(last)))
        }
        out.family("sidecar_cache_oldest_sync_timestamp_seconds", .gauge, help: "Unix time of the oldest cached state's last sync (offline: when the snapshot was loaded).")
        if let oldest = snapshot.oldestSyncedAt { out.sample("sidecar_cache_oldest_sync_timestamp_seconds", oldest.timeIntervalSince1970) }
        out.family("sidecar_upstream_consecutive_failures", .gauge, help: "Failed calls to the Stigg API since the last success; the circuit opens at 5.")
        out.sample("sidecar_upstream_consecutive_failures", snapshot.consecutiveFailures)
        out.family("sidecar_readiness_status", .gauge, help: "1 for the readiness /readyz reports (ready, degraded, not_ready), 0 for the others.")
        for status in [Readiness.Status.ready, .degraded, .notReady] {
            out.sample("sidecar_readiness_status", snapshot.readiness == status ? 1 : 0, labels: ["status": status.rawValue])
        }
        out.family("sidecar_outbox_pending", .gauge, help: "Usage records and events waiting to be delivered to Stigg.")
        out.sample("sidecar_outbox_pending", snapshot.outbox.pending)
        out.family("sidecar_outbox_dead_letters", .gauge, help: "Usage records and events Stigg refused for good (see /status).")
        out.sample("sidecar_outbox_dead_letters", snapshot.outbox.deadLetters)
        requests.withLock { $0 }?.render(into: &out)
        ProcessMetrics.read().render(into: &out)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192 + out.text.utf8.count)
        registry.emit(into: &buffer)
        buffer.append(contentsOf: out.text.utf8)
        return buffer
    }
}

extension PrometheusCollectorRegistry {
    /// `sidecar_<name>_total{<label>}`, one counter per case made up front (so each shows at 0
    /// from the start and the hot path only looks one up), with its help text for `# HELP`.
    func counters<Case: CaseIterable & Hashable & RawRepresentable>(
        _ name: String, label: String, help: String
    ) -> [Case: Prometheus.Counter] where Case.RawValue == String {
        Dictionary(uniqueKeysWithValues: Case.allCases.map { value in
            (value, makeCounter(
                descriptor: MetricNameDescriptor(namespace: "sidecar", metricName: name, unitName: "total", helpText: help),
                labels: [(label, value.rawValue)]))
        })
    }
}
