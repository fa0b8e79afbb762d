import Dispatch

/// One serial queue that owns a set of connections. Every connection's sources target its
/// loop's queue, so a burst of events is drained on one thread without hops between threads.
final class EventLoop: @unchecked Sendable {
    // @unchecked: every mutable field below is touched only on `queue`.
    let queue: DispatchQueue
    let settings: HTTPServerSettings
    var connections: [ObjectIdentifier: HTTPConnection] = [:]
    var dateCache = HTTPDateCache()
    var draining = false
    /// One receive buffer shared by the loop's connections: they never read at the same time.
    let readBuffer: UnsafeMutableRawBufferPointer
    private var sweepTimer: DispatchSourceTimer?

    init(index: Int, settings: HTTPServerSettings) {
        self.settings = settings
        queue = DispatchQueue(label: "sidecar.http.loop\(index)", qos: .userInteractive)
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit { readBuffer.deallocate() }

    func start() {
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
            sweepTimer?.cancel()
            sweepTimer = nil
        }
    }

    /// A quarter of the shortest timeout, so a deadline is late by at most 25 % of it;
    /// one pass over the loop's connections replaces a timer per connection.
    static func sweepNanoseconds(_ settings: HTTPServerSettings) -> Int {
        let shortest = min(settings.headerTimeout, settings.idleTimeout, settings.bodyTimeout)
        return Int(min(max(shortest.nanoseconds / 4, 5_000_000), 250_000_000))
    }

    private func sweep() {
        let now = DispatchTime.now().uptimeNanoseconds
        for connection in connections.values {
            connection.checkDeadline(now: now)
        }
    }

    func register(_ connection: HTTPConnection) {
        connections[ObjectIdentifier(connection)] = connection
        if draining { connection.drain() }
    }

    func remove(_ connection: HTTPConnection) {
        connections[ObjectIdentifier(connection)] = nil
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
