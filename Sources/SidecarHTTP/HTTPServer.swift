#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// A socket-level HTTP/1.1 server: non-blocking sockets, Dispatch sources, a few serial event
/// loops, no thread per connection.
public final class HTTPServer: Sendable {
    public let settings: HTTPServerSettings
    let host: String
    let requestedPort: Int?
    let handler: HTTPHandler
    let loops: [EventLoop]
    /// Why the loops could not be made (the process is out of descriptors); thrown by `start`.
    let loopError: SocketError?
    let acceptQueue = DispatchQueue(label: "sidecar.http.accept", qos: .userInteractive)
    let state = Mutex(State())
    let openConnections = Atomic<Int>(0)
    let shutdownFlag = ShutdownFlag()
    let counters = ServerCounters()

    struct State {
        var port = 0
        /// TCP and/or Unix-domain listeners, watched by the first loop, which closes them.
        var listeners: [Int32] = []
        var nextLoop = 0
        var shuttingDown = false
        var onDrained: [@Sendable () -> Void] = []
    }

    /// Where to listen: TCP on `host:port` unless `port` is nil, and a Unix-domain socket at
    /// `unixSocket` when given.
    let unixSocket: String?

    public init(host: String, port: Int?, unixSocket: String? = nil, settings: HTTPServerSettings, handler: @escaping HTTPHandler) {
        self.host = host
        self.requestedPort = port
        self.unixSocket = unixSocket
        self.settings = settings
        self.handler = handler
        let flag = shutdownFlag
        let counters = counters
        do throws(SocketError) {
            loops = try (0..<max(1, settings.eventLoops)).map { index throws(SocketError) in
                try EventLoop(index: index, settings: settings, shutdown: flag, counters: counters)
            }
            loopError = nil
        } catch {
            loops = []
            loopError = error
        }
    }

    /// The bound port (useful after listening on port 0).
    public var port: Int { state.withLock { $0.port } }

    public var connectionCount: Int { openConnections.load(ordering: .relaxed) }

    /// Requests the server answered 503 `timeout` because their handler did not answer within
    /// `settings.handlerTimeout`. The application's own request metrics see the handler's late
    /// status (or none), so this is where timeouts are counted.
    public var handlerTimeoutCount: Int { counters.handlerTimeouts.load(ordering: .relaxed) }

    /// Binds, listens and starts accepting. Returns the bound TCP port (0 without TCP).
    @discardableResult
    public func start() throws -> Int {
        if let loopError { throw loopError }
        var listeners: [Int32] = []
        var port = 0
        do {
            if let requestedPort {
                let tcp = try Socket.listenTCP(host: host, port: requestedPort)
                listeners.append(tcp.fd)
                port = tcp.port
            }
            if let unixSocket {
                listeners.append(try Socket.listenUnix(path: unixSocket))
            }
        } catch {
            listeners.forEach { _ = Glibc.close($0) }
            throw error
        }
        // Listeners go into the first loop's epoll, watched before `start` returns; the loops
        // start only once they all are.
        let acceptLoop = loops[0]
        let refused: Int32 = acceptLoop.queue.sync {
            for fd in listeners {
                let code = acceptLoop.addListener(fd) { [weak self] in self?.acceptPending(fd) ?? .serverGone }
                if code != 0 { return code }
            }
            return 0
        }
        guard refused == 0 else {
            acceptLoop.queue.sync {
                for fd in listeners where !acceptLoop.closeListener(fd) { _ = Glibc.close(fd) }
            }
            throw SocketError.system(call: "epoll_ctl", address: nil, errno: refused)
        }
        loops.forEach { $0.start() }
        state.withLock { state in
            state.listeners = listeners
            state.port = port
        }
        return port
    }

    /// Takes the connections waiting on `listener`, on the first loop's queue: at most
    /// `acceptsPerRound`, so a burst of new connections does not hold up that loop's requests.
    private func acceptPending(_ listener: Int32) -> AcceptRound {
        for _ in 0..<Self.acceptsPerRound {
            switch Socket.accept(listener) {
            case .success(let fd):
                admit(fd)
            case .failure(.system(_, _, let code)) where code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM:
                return .outOfResources
            case .failure:
                return .done
            }
        }
        return .done
    }

    static let acceptsPerRound = 64

    private func admit(_ fd: Int32) {
        let admitted = openConnections.wrappingAdd(1, ordering: .relaxed).newValue
        guard admitted <= settings.maxConnections else {
            openConnections.wrappingSubtract(1, ordering: .relaxed)
            _ = Glibc.close(fd)
            return
        }
        let loop = state.withLock { state -> EventLoop in
            state.nextLoop = (state.nextLoop + 1) % loops.count
            return loops[state.nextLoop]
        }
        loop.queue.async { [self] in
            let connection = HTTPConnection(fd: fd, loop: loop, handler: handler) { [self] in connectionClosed() }
            loop.register(connection)
            if !connection.isClosed { connection.start() }
        }
    }

    private func connectionClosed() {
        let remaining = openConnections.wrappingSubtract(1, ordering: .relaxed).newValue
        if remaining == 0 { fireDrainedIfShuttingDown() }
    }

    func fireDrainedIfShuttingDown() {
        let callbacks = state.withLock { state -> [@Sendable () -> Void] in
            guard state.shuttingDown, openConnections.load(ordering: .relaxed) == 0 else { return [] }
            defer { state.onDrained = [] }
            return state.onDrained
        }
        guard !callbacks.isEmpty else { return }
        // Lingering connections need the sweep until the very end.
        loops.forEach { $0.stop() }
        callbacks.forEach { $0() }
    }
}
