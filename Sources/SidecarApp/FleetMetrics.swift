import Prometheus
import SidecarFleet

/// `sidecar_fleet_connected` and `sidecar_fleet_reads_total{outcome}` (DESIGN.md §13), both
/// shown from the start (0 when fleet mode is off). Labels never carry the Redis URL.
final class FleetMetrics: Sendable {
    private let reads: [FleetReadOutcome: Prometheus.Counter]
    private let connected: Prometheus.Gauge

    init(metrics: SidecarMetrics) {
        let registry = metrics.registry
        reads = registry.counters(
            "fleet_reads", label: "outcome",
            help: "Reads of a shared state in Redis on a local miss or refresh: hit (fresh or newer data), miss (none or unusable), error (Redis did not answer).")
        connected = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "sidecar", metricName: "fleet_connected", unitName: "",
                helpText: "1 while the fleet's Redis is connected, else 0 (also 0 when fleet mode is off)."))
        connected.set(to: 0)
    }

    func record(_ outcome: FleetReadOutcome) { reads[outcome]?.increment() }

    func setConnected(_ up: Bool) { connected.set(to: up ? 1 : 0) }
}
