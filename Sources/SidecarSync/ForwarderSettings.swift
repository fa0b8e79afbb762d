import Foundation

/// How the usage forwarder delivers the outbox (DESIGN.md §7), as named values so tests can
/// shrink them.
public struct ForwarderSettings: Sendable {
    public var backoffBase: Duration = .seconds(1)
    public var backoffMax: Duration = .seconds(60)
    /// Stigg's batch limits (STIGG-API.md §5).
    public var usageBatch = 100
    /// How long a wake-up waits for more records before a pass: under steady intake a batch
    /// then carries what arrived meanwhile instead of each request's few records, so there are
    /// fewer upstream calls and fewer outbox transactions on the sidecar's core. Not a delay
    /// anyone waits on: records are acknowledged before they are forwarded. 100 ms: at
    /// 2,000 records/s a pass carries two full batches, and each upstream call costs the core
    /// more than many records' intake.
    public var coalesce: Duration = .milliseconds(100)
    public var eventBatch = 1000
    /// Delivered records are remembered this long, like upstream's deduplication window.
    public var retention: Duration = .seconds(7 * 24 * 3600)
    /// Most records the queue holds before intake answers 503 (`SIDECAR_OUTBOX_LIMIT`).
    public var outboxLimit = 100_000

    public init() {}
}

/// What `/status` shows about deliveries besides the counts.
public struct ForwarderStatus: Sendable, Equatable {
    public var lastDeliveryAt: Date?
    public var lastErrorAt: Date?
    public var lastError: String?
    public var consecutiveFailures = 0
    public var nextAttemptAt: Date?

    public init() {}
}
