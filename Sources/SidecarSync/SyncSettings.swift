/// What the sync engine needs from the configuration, plus the fixed rules of DESIGN.md §11
/// as named values so tests can shrink them.
public struct SyncSettings: Sendable {
    public var refreshInterval: Duration = .seconds(30)
    public var missTimeout: Duration = .seconds(1)
    public var upstreamRPS = 50
    public var upstreamConcurrency = 4
    public var backoffBase: Duration = .seconds(1)
    public var backoffMax: Duration = .seconds(60)
    public var preload: Preload = .none
    /// How long `CustomerNotFound` is repeated without asking again.
    public var notFoundTTL: Duration = .seconds(60)
    /// Consecutive failures that open the circuit.
    public var circuitThreshold = 5
    /// Entries nobody asked about for this long stop being refreshed (preloaded ones excepted).
    public var idleAfter: Duration = .seconds(3600)
    /// How often the poller looks for due entries; nil = only when `tick()` is called (tests).
    /// One second meets "due refreshes start within 1 s of becoming due".
    public var pollInterval: Duration? = .seconds(1)
    /// How often the preload list is walked again to pick up new customers.
    public var preloadInterval: Duration = .seconds(300)

    public init() {}
}

/// Which customers to warm at start and keep warm whether or not anyone asks about them.
public enum Preload: Sendable, Equatable {
    case none
    /// Every customer upstream, paging through `GET /api/v1/customers`.
    case all
    case customers([String])
}
