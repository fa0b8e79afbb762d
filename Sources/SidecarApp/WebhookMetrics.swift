import Prometheus
import SidecarModel
import Synchronization

/// `sidecar_webhooks_total{type,outcome}` (DESIGN.md §12). The type label is the event's type
/// only for the families the cache acts on, else `other`; a label set is made once and kept.
final class WebhookMetrics: Sendable {
    enum Outcome: String, CaseIterable {
        case applied, duplicate, ignored
        /// 400 (not a usable event) or 413 (over the body limit).
        case rejected
    }

    static let name = "sidecar_webhooks_total"
    /// Distinct type labels kept; past it, new types count as `other`. Stigg's vocabulary is a
    /// few dozen names, so this only guards against a sender inventing them.
    static let maxTypes = 200

    private let registry: PrometheusCollectorRegistry
    private let counters = Mutex<[String: Prometheus.Counter]>([:])

    init(metrics: SidecarMetrics) {
        registry = metrics.registry
        // The family shows on /metrics from the start, at zero.
        for outcome in Outcome.allCases { _ = counter(type: "other", outcome: outcome) }
    }

    func record(type: String?, _ outcome: Outcome) {
        let label = type.flatMap(WebhookEvent.family(of:)) ?? "other"
        counter(type: label, outcome: outcome).increment()
    }

    private func counter(type: String, outcome: Outcome) -> Prometheus.Counter {
        counters.withLock { counters in
            let type = counters.count >= Self.maxTypes * Outcome.allCases.count && counters["\(type) \(outcome.rawValue)"] == nil ? "other" : type
            let key = "\(type) \(outcome.rawValue)"
            if let existing = counters[key] { return existing }
            // Registered with its help text, so /metrics carries # HELP for the family.
            let made = registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "sidecar", metricName: "webhooks", unitName: "total",
                    helpText: "Stigg webhook deliveries, by event type (its family, else other) and outcome."),
                labels: [("type", type), ("outcome", outcome.rawValue)])
            counters[key] = made
            return made
        }
    }
}
