import CoreMetrics
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

    private let factory: PrometheusMetricsFactory
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])

    init(metrics: SidecarMetrics) {
        factory = metrics.factory
        // The family shows on /metrics from the start, at zero.
        for outcome in Outcome.allCases { _ = counter(type: "other", outcome: outcome) }
    }

    func record(type: String?, _ outcome: Outcome) {
        let label = type.flatMap(WebhookEvent.family(of:)) ?? "other"
        counter(type: label, outcome: outcome).increment()
    }

    private func counter(type: String, outcome: Outcome) -> CoreMetrics.Counter {
        counters.withLock { counters in
            let type = counters.count >= Self.maxTypes * Outcome.allCases.count && counters["\(type) \(outcome.rawValue)"] == nil ? "other" : type
            let key = "\(type) \(outcome.rawValue)"
            if let existing = counters[key] { return existing }
            let made = CoreMetrics.Counter(label: Self.name, dimensions: [("type", type), ("outcome", outcome.rawValue)], factory: factory)
            counters[key] = made
            return made
        }
    }
}
