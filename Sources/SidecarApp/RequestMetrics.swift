import Atomics

/// Request counts and durations per route and status, lock-free: the per-request path is an
/// array index, one relaxed atomic add for the count and three for the latency histogram.
/// Only (route, status) pairs that happened are exposed, so `/metrics` carries no zero series
/// for pairs no request produced (a 413 on `/livez`).
final class RequestMetrics: Sendable {
    /// The route label of requests no route matched.
    static let unmatched = "unmatched"
    static let requestsName = "sidecar_http_requests_total"
    static let durationName = "sidecar_http_request_duration_seconds"
    /// Every status the server can answer falls in here; one counter slot each per route.
    private static let statuses = 100...599

    private let routeLabels: [String]
    private let counts: AtomicCounters
    private let durations: [LatencyHistogram]

    init(routes: [String]) {
        let labels = routes + [Self.unmatched]
        routeLabels = labels
        counts = AtomicCounters(count: labels.count * Self.statuses.count)
        durations = labels.map { _ in LatencyHistogram() }
    }

    /// For a second router sharing these series (the webhook-only listener's): each of its
    /// patterns' slot here, so its route numbers count under their own labels; a pattern not
    /// among `routes` counts as unmatched.
    func slots(for patterns: [String]) -> [Int?] {
        patterns.map { pattern in routeLabels.dropLast().firstIndex(of: pattern) }
    }

    /// `route` indexes the `routes` this was made with (the router's `patterns`, whose
    /// `handleReportingRoute` reports it), so no pattern is hashed per request; nil or out of
    /// range counts as unmatched.
    func record(route: Int?, status: Int, nanoseconds: UInt64) {
        let unmatched = routeLabels.count - 1
        let index = route.map { $0 >= 0 && $0 < unmatched ? $0 : unmatched } ?? unmatched
        if Self.statuses.contains(status) {
            counts.increment(index * Self.statuses.count + status - Self.statuses.lowerBound)
        }
        durations[index].record(nanoseconds: nanoseconds)
    }

    func render(into out: inout PrometheusText) {
        out.family(Self.requestsName, .counter, help: "HTTP requests answered, by route pattern and status code.")
        for (index, route) in routeLabels.enumerated() {
            let base = index * Self.statuses.count
            for status in Self.statuses {
                let count = counts.load(base + status - Self.statuses.lowerBound)
                if count > 0 { out.sample(Self.requestsName, count, labels: ["route": route, "status": String(status)]) }
            }
        }
        out.family(Self.durationName, .histogram, help: "Time from a request's parse to its response, by route pattern.")
        for (index, route) in routeLabels.enumerated() {
            durations[index].render(name: Self.durationName, route: route, into: &out)
        }
    }
}

/// A fixed block of atomic counters in one allocation (a `ManagedAtomic` per slot would be
/// thousands of objects for the route × status table).
final class AtomicCounters: @unchecked Sendable {
    // @unchecked: the storage is allocated and zeroed in init, freed in deinit, and between
    // the two only ever read or written through atomic operations.
    private let storage: UnsafeMutablePointer<UnsafeAtomic<Int>.Storage>
    private let count: Int

    init(count: Int) {
        self.count = count
        storage = UnsafeMutablePointer<UnsafeAtomic<Int>.Storage>.allocate(capacity: count)
        storage.initialize(repeating: UnsafeAtomic<Int>.Storage(0), count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func increment(_ slot: Int) {
        UnsafeAtomic<Int>(at: storage + slot).wrappingIncrement(ordering: .relaxed)
    }

    func load(_ slot: Int) -> Int {
        UnsafeAtomic<Int>(at: storage + slot).load(ordering: .relaxed)
    }
}
