#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSidecarShims
import Dispatch
import Synchronization

/// One serial queue that owns a set of connections, and the epoll instance they are
/// registered with. A thread of the loop's own waits on that epoll fd (`LoopWaiter`) and
/// handles every ready socket of a wakeup inside the queue, on itself.
final class EventLoop: @unchecked Sendable {
    // @unchecked: every mutable field below is touched only on `queue`.
    let queue: DispatchQueue
    let settings: HTTPServerSettings
    let timeouts: ConnectionStateMachine.Timeouts
    /// The uptime clock as the last sweep read it. Connections time their states by it, so no
    /// request pays for a clock read; deadlines are kept within one sweep interval.
    // @exclusivity(unchecked) on these three: read or changed on every request, only on
    // `queue`, and never inside another access to the same field (the sweep iterates a copy
    // of `connections`), so the runtime check per access is skipped.
    @exclusivity(unchecked) private(set) var coarseNow: UInt64
    var poller: Int32 { waiter.poller }
    private let waiter: LoopWaiter
    private let index: Int
    @exclusivity(unchecked) var connections: [Int32: HTTPConnection] = [:]
    @exclusivity(unchecked) var dateCache = HTTPDateCache()
    /// Shared by every loop of a server and set before any loop is told to drain, so a
    /// response produced anywhere after shutdown began says `Connection: close`.
    let shutdown: ShutdownFlag
    var draining: Bool { shutdown.isSet }
    let counters: ServerCounters
    /// One receive buffer shared by the loop's connections: they never read at the same time.
    let readBuffer: UnsafeMutableRawBufferPointer
    private var sweepTimer: DispatchSourceTimer?

    init(index: Int, settings: HTTPServerSettings, shutdown: ShutdownFlag, counters: ServerCounters) throws(SocketError) {
        self.settings = settings
        self.shutdown = shutdown
        self.counters = counters
        self.index = index
        queue = DispatchQueue(label: "sidecar.http.loop\(index)", qos: .userInteractive)
        EventLoopGuard.mark(queue)
        timeouts = EventLoop.timeouts(settings)
        coarseNow = DispatchTime.now().uptimeNanoseconds
        waiter = try LoopWaiter()
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit {
        // The waiting thread ends, and the waiter closes the epoll fd once it has.
        waiter.stop()
        sweepTimer?.cancel()
        readBuffer.deallocate()
    }

    func start() {
        waiter.start(name: "http-loop\(index)") { [weak self] fds, events, count in
            guard let self else { return false }
            queue.sync { handleReady(fds, events, count) }
            return true
        }

        let timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = EventLoop.sweepNanoseconds(settings)
        timer.schedule(
            deadline: .now() + .nanoseconds(interval), repeating: .nanoseconds(interval),
            leeway: .nanoseconds(interval / 4))
        timer.setEventHandler { [weak self] in self?.sweep() }
        timer.resume()
        sweepTimer = timer
    }

    func stop() {
        waiter.stop()
        queue.async { [self] in
            sweepTimer?.cancel()
            sweepTimer = nil
        }
    }

    /// Handles every socket epoll reported ready, without blocking (level-triggered: what is
    /// not consumed now is reported again). The waiter's own wake fd is no connection.
    private func handleReady(_ fds: UnsafePointer<Int32>, _ events: UnsafePointer<UInt32>, _ count: Int) {
        for i in 0..<count {
            guard let connection = connections[fds[i]] else { continue }
            let ready = events[i]
            if ready & 1 != 0 { connection.readable() }
            if ready & 2 != 0 && !connection.isClosed { connection.writable() }
        }
    }

    /// Interest bits: 1 readable, 2 writable.
    func watch(_ fd: Int32, interest: UInt32) -> Bool {
        sidecar_poller_add(poller, fd, interest) == 0
    }

    func changeInterest(_ fd: Int32, to interest: UInt32) {
        _ = sidecar_poller_modify(poller, fd, interest)
    }

    func unwatch(_ fd: Int32) {
        _ = sidecar_poller_remove(poller, fd)
    }

    /// A quarter of the shortest timeout (between 5 and 250 ms); one pass over the loop's
    /// connections replaces a timer per connection.
    static func sweepNanoseconds(_ settings: HTTPServerSettings) -> Int {
        let shortest = min(settings.headerTimeout, settings.idleTimeout, settings.bodyTimeout, settings.handlerTimeout)
        return Int(min(max(shortest.nanoseconds / 4, 5_000_000), 250_000_000))
    }

    /// A state is timed from the coarse clock, which may be one sweep old when the state
    /// begins; the sweep interval as slack keeps a deadline from firing early, so it fires
    /// between its time and two sweep intervals later.
    static func timeouts(_ settings: HTTPServerSettings) -> ConnectionStateMachine.Timeouts {
        func ns(_ duration: Duration) -> UInt64 { UInt64(max(duration.nanoseconds, 0)) }
        return ConnectionStateMachine.Timeouts(
            idle: ns(settings.idleTimeout), head: ns(settings.headerTimeout), body: ns(settings.bodyTimeout),
            handler: ns(settings.handlerTimeout), linger: ns(min(settings.idleTimeout, .seconds(2))),
            slack: UInt64(sweepNanoseconds(settings)))
    }

    private func sweep() {
        coarseNow = DispatchTime.now().uptimeNanoseconds
        for connection in connections.values {
            connection.checkDeadline(now: coarseNow)
        }
    }

    /// The 503 for a handler that did not answer in time; rendered only when that happens.
    func handlerTimeoutResponse() -> HTTPResponse {
        settings.errorRenderer(
            .serviceUnavailable, "timeout",
            "the request was not answered within \(settings.handlerTimeout.compactDescription)")
    }

    func register(_ connection: HTTPConnection) {
        connections[connection.fd] = connection
        if draining { connection.drain() }
    }

    func remove(_ connection: HTTPConnection) {
        if connections[connection.fd] === connection {
            connections[connection.fd] = nil
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// `5s`, `1500ms`: the form the settings are written in.
    var compactDescription: String {
        let ns = nanoseconds
        return ns % 1_000_000_000 == 0 ? "\(ns / 1_000_000_000)s" : "\(ns / 1_000_000)ms"
    }
}

/// What the loops count for the server's owner, readable from any thread.
final class ServerCounters: Sendable {
    let handlerTimeouts = Atomic<Int>(0)
}

/// A one-way flag readable from any loop without a queue hop.
final class ShutdownFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
