/// Exponential backoff with full jitter (DESIGN.md §11): attempt n waits a uniformly random
/// time in [0, min(cap, base × 2ⁿ)], so many sidecars failing together do not retry in step.
/// The random source is injected so tests can pin it.
public struct Backoff: Sendable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(60)) {
        self.base = base
        self.cap = cap
    }

    /// The ceiling for the attempt after `failures` consecutive failures (1 = first failure).
    public func ceiling(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        let exponent = min(failures - 1, 40)
        let grown = base * Double(1 << UInt64(exponent))
        return min(grown, cap)
    }

    /// `unit` is a random number in [0, 1).
    public func delay(afterFailures failures: Int, unit: Double) -> Duration {
        ceiling(afterFailures: failures) * min(max(unit, 0), 1)
    }

    /// Honours `Retry-After` when upstream gave one: never retry before it, even if the
    /// jittered delay is shorter.
    public func delay(afterFailures failures: Int, unit: Double, retryAfter: Duration?) -> Duration {
        max(delay(afterFailures: failures, unit: unit), retryAfter ?? .zero)
    }
}
