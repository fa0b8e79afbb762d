import Atomics

/// The request-latency histogram, lock-free. swift-prometheus's histogram takes a lock per
/// observation and compares `Duration`s against every bucket; with several event loops on one
/// core a thread preempted while holding it stalls the others, and `scripts/bench` showed the
/// c32 p99 rise from about 0.6 ms to 5 ms. Here an observation is three relaxed atomic adds.
/// Exposed in the Prometheus text format beside the registry's metrics.
final class LatencyHistogram: Sendable {
    /// Upper bounds in nanoseconds: loopback answers take tens of microseconds.
    static let bounds: [UInt64] = [
        50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000,
        25_000_000, 100_000_000, 250_000_000, 1_000_000_000, 2_500_000_000,
    ]
    /// The `le` label of each bound, made once rather than per scrape.
    private static let boundLabels = bounds.map { PrometheusText.format(Double($0) / 1e9) }

    /// Per bucket (not cumulative), plus one past the last bound.
    private let buckets: [ManagedAtomic<Int>]
    private let count = ManagedAtomic<Int>(0)
    private let sumNanoseconds = ManagedAtomic<UInt64>(0)

    init() {
        buckets = (0...Self.bounds.count).map { _ in ManagedAtomic(0) }
    }

    func record(nanoseconds: UInt64) {
        var index = 0
        while index < Self.bounds.count, nanoseconds > Self.bounds[index] { index += 1 }
        buckets[index].wrappingIncrement(ordering: .relaxed)
        sumNanoseconds.wrappingIncrement(by: nanoseconds, ordering: .relaxed)
        count.wrappingIncrement(ordering: .relaxed)
    }

    /// `name_bucket{route=...,le=...}` lines (cumulative), then `_sum` and `_count`; nothing
    /// for a route no request has taken yet.
    func render(name: String, route: String, into out: inout PrometheusText) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        var cumulative = 0
        for (index, le) in Self.boundLabels.enumerated() {
            cumulative += buckets[index].load(ordering: .relaxed)
            out.sample("\(name)_bucket", cumulative, labels: ["route": route, "le": le])
        }
        cumulative += buckets[Self.bounds.count].load(ordering: .relaxed)
        out.sample("\(name)_bucket", cumulative, labels: ["route": route, "le": "+Inf"])
        out.sample("\(name)_sum", Double(sumNanoseconds.load(ordering: .relaxed)) / 1e9, labels: ["route": route])
        // The buckets were read one by one while requests went on; keep _count consistent.
        out.sample("\(name)_count", cumulative, labels: ["route": route])
    }
}
