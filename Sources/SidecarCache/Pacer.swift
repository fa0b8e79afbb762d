import Foundation

/// How usage bookkeeping shares a core with the HTTP event loops: after `slice` of work it
/// sleeps for `pause`, at the next point where stopping is safe (between records, states or
/// statements of one transaction).
///
/// Why: marking a batch of ~75 records sent took 0.7 ms of CPU (median; up to 2.9 ms) and a
/// 10-record intake request 0.3 ms. On the kernel this was measured on (EEVDF, `HZ=250`, no
/// high-resolution tick) a thread the scheduler picks ahead of a runnable event loop keeps the
/// core until it blocks or the next tick, and under the §9 mixed load those waits made the
/// check p99 (docs/benchmarks.md, "sixth session"). A sleep hands the core back at once.
/// Lower priorities did not do this: nice 5 or 10 changed nothing, SCHED_IDLE starved intake.
/// SQLite's own pieces (a commit, a WAL checkpoint) cannot be split and are not paced.
///
/// What it costs: usage answers wait for the pauses (`POST /api/v1/usage` p50 ≈ 1.5 ms instead
/// of ≈ 1 ms under the mixed load), and on an otherwise idle core each pause is a wake-up of
/// its own (a few µs of CPU per record). The kernel's timer slack stretches a 50 µs pause to
/// ≈ 100–130 µs. `SIDECAR_USAGE_PACING=false` turns it off, e.g. where the store's threads
/// never share a core with the event loops.
///
/// Only two kinds of thread pace: the store's queue (intake groups, entered through
/// `connection.async`) and the usage forwarder's task (`markSent`). No event loop handler calls
/// either path; a handler that needs the store answers later from its queue.
struct Pacing: Sendable {
    let slice: Duration
    let pause: Duration
    /// The clock and the sleep, injected by tests.
    let now: @Sendable () -> ContinuousClock.Instant
    let sleep: @Sendable (Duration) -> Void

    static let standard = Pacing(slice: .microseconds(200), pause: .microseconds(50))
    /// Never pauses (`SIDECAR_USAGE_PACING=false`).
    static let off = Pacing(slice: .zero, pause: .zero)

    var isOff: Bool { pause == .zero }

    /// Sleeps for the pause now, unless pacing is off: for work that starts right after other
    /// work on the same thread, which no pacer saw.
    func pauseNow() {
        if !isOff { sleep(pause) }
    }

    init(slice: Duration, pause: Duration) {
        self.init(slice: slice, pause: pause, now: { ContinuousClock.now }, sleep: { pause in
            usleep(UInt32(clamping: Int((pause.seconds * 1_000_000).rounded())))
        })
    }

    init(slice: Duration, pause: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant,
         sleep: @escaping @Sendable (Duration) -> Void) {
        self.slice = slice
        self.pause = pause
        self.now = now
        self.sleep = sleep
    }
}

/// One piece of background work, paced by `Pacing`: call `pace()` wherever a pause is safe.
struct Pacer {
    private let pacing: Pacing
    private var since: ContinuousClock.Instant

    init(_ pacing: Pacing) {
        self.pacing = pacing
        since = pacing.now()
    }

    /// Sleeps for the pause when a slice has passed since the start or the last pause.
    mutating func pace() {
        guard !pacing.isOff, pacing.now() - since >= pacing.slice else { return }
        pacing.pauseNow()
        since = pacing.now()
    }
}
