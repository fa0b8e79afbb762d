/// The upstream rate cap (DESIGN.md §11): `rate` tokens a second, a burst of one second's
/// worth. Pure: the caller passes the time (monotonic seconds), so tests need no clock.
struct TokenBucket: Sendable {
    let rate: Double
    let capacity: Double
    private var tokens: Double
    private var updatedAt: Double

    init(perSecond rate: Int, now: Double) {
        self.rate = Double(max(rate, 1))
        self.capacity = self.rate
        self.tokens = self.capacity
        self.updatedAt = now
    }

    /// Takes a token if one is there (nil); otherwise the seconds until one will be.
    mutating func take(now: Double) -> Double? {
        if now > updatedAt {
            tokens = min(capacity, tokens + (now - updatedAt) * rate)
            updatedAt = now
        }
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / rate
    }
}
