#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSidecarShims
import Dispatch
import Synchronization

/// One serial queue that owns a set of connections, and the epoll instance they are
/// registered with. A single Dispatch read source watches that epoll fd, so one wakeup drains
/// every ready socket: libdispatch on Linux re-arms a fired source through its manager thread,
/// and with a source per socket that thread hop would be paid on every request.
///
/// The server's listening sockets are in the first loop's epoll too, not behind Dispatch
/// sources of their own. libdispatch's Linux epoll layer loses track of its records when fd
/// sources come and go while their fds are reused and hung up (swift-corelibs-libdispatch #833,
/// #949): a listener is shut down (which hangs it up) at every server stop, its number is
/// reused by the next server's, and test runs that start and stop servers by the hundred
/// crashed in Dispatch's manager thread (`_dispatch_event_loop_drain`) that way. The loop's
/// own source is cancelled only once its epoll instance is empty, so it never has an event
/// in flight then.
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
    let poller: Int32
    @exclusivity(unchecked) var connections: [Int32: HTTPConnection] = [:]
    @exclusivity(unchecked) var dateCache = HTTPDateCache()
    /// Listening sockets in this loop's epoll, with what accepts on each.
    private var listeners: [Int32: () -> AcceptRound] = [:]
    /// Shared by every loop of a server and set before any loop is told to drain, so a
    /// response produced anywhere after shutdown began says `Connection: close`.
    let shutdown: ShutdownFlag
    var draining: Bool { shutdown.isSet }
    let counters: ServerCounters
    /// One receive buffer shared by the loop's connections: they never read at the same time.
    let readBuffer: UnsafeMutableRawBufferPointer
    private let readyFDs: UnsafeMutablePointer<Int32>
    private let readyEvents: UnsafeMutablePointer<UInt32>
    private static let batch: Int32 = 256
    private var pollerSource: DispatchSourceRead?
    /// Whether `start` registered `poller` with Dispatch (whose cancel handler then closes it).
    private var started = false
    private var sweepTimer: DispatchSourceTimer?

    init(index: Int, settings: HTTPServerSettings, shutdown: ShutdownFlag, counters: ServerCounters) throws(SocketError) {
        self.settings = settings
        self.shutdown = shutdown
        self.counters = counters
        queue = DispatchQueue(label: "sidecar.http.loop\(index)", qos: .userInteractive)
        EventLoopGuard.mark(queue)
        timeouts = EventLoop.timeouts(settings)
        coarseNow = DispatchTime.now().uptimeNanoseconds
        poller = sidecar_poller_create()
        guard poller >= 0 else { throw SocketError.last("epoll_create1") }
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        readyFDs = .allocate(capacity: Int(EventLoop.batch))
        readyEvents = .allocate(capacity: Int(EventLoop.batch))
    }

    deinit {
        readBuffer.deallocate()
        readyFDs.deallocate()
        readyEvents.deallocate()
        // The fd may close only once Dispatch has let go of it: a source still registered when
        // its fd number is reused (tests open sockets by the thousand) crashed Dispatch's manager
        // thread. A started loop closes it in the source's cancel handler.
        // A server released without a shutdown leaves its listeners here: closed now, so the
        // port is not left accepting with nobody to answer, and epoll is empty at the cancel.
        for listener in Array(listeners.keys) { closeListener(listener) }
        if let pollerSource { pollerSource.cancel() } else if !started { _ = Glibc.close(poller) }
        sweepTimer?.cancel()
    }

    func start() {
        started = true
        let source = DispatchSource.makeReadSource(fileDescriptor: poller, queue: queue)
        source.setEventHandler { [weak self] in self?.drainReady() }
        let poller = self.poller
        source.setCancelHandler { _ = Glibc.close(poller) }
        source.resume()
        pollerSource = source

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
        queue.async { [self] in
            pollerSource?.cancel()
            pollerSource = nil
            sweepTimer?.cancel()
            sweepTimer = nil
        }
    }

    /// Handles every socket epoll reports ready, without blocking (level-triggered: what is
    /// not consumed now is reported again).
    private func drainReady() {
        let count = Int(sidecar_poller_wait(poller, readyFDs, readyEvents, EventLoop.batch, 0))
        for i in 0..<max(count, 0) {
            guard let connection = connections[readyFDs[i]] else {
                if let accept = listeners[readyFDs[i]] { acceptRound(readyFDs[i], accept) }
                continue
            }
            let ready = readyEvents[i]
            if ready & 1 != 0 { connection.readable() }
            if ready & 2 != 0 && !connection.isClosed { connection.writable() }
        }
    }

    /// Watches `listener` from now on; `accept` takes waiting connections. 0, or the errno of
    /// epoll's refusal. On the loop's queue.
    func addListener(_ listener: Int32, accept: @escaping () -> AcceptRound) -> Int32 {
        guard watch(listener, interest: 1) else { return errno }
        listeners[listener] = accept
        return 0
    }

    /// Stops watching `listener` and closes it; false if it was not watched here. On the
    /// loop's queue.
    @discardableResult
    func closeListener(_ listener: Int32) -> Bool {
        guard listeners.removeValue(forKey: listener) != nil else { return false }
        unwatch(listener)
        _ = Glibc.close(listener)
        return true
    }

    /// Out of descriptors or memory, a listener stays readable: it is left out of epoll for
    /// 100 ms instead of waking the loop over and over.
    private func acceptRound(_ listener: Int32, _ accept: () -> AcceptRound) {
        switch accept() {
        case .done:
            break
        case .outOfResources:
            unwatch(listener)
            queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in
                if listeners[listener] != nil { _ = watch(listener, interest: 1) }
            }
        case .serverGone:
            closeListener(listener)
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

/// How a round of accepting on a listener ended.
enum AcceptRound {
    /// Nothing more waiting, the listener failed, or the round took its share: epoll reports
    /// the listener again while connections wait.
    case done
    /// EMFILE, ENFILE, ENOBUFS or ENOMEM: connections wait in the backlog meanwhile.
    case outOfResources
    /// The server was released without a shutdown: nobody will accept here again.
    case serverGone
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
