import Foundation
import Logging
import SidecarModel
import SidecarRedis
import Synchronization

/// The fleet tier (DESIGN.md §13): shared states, per-key leases, the change stream and the
/// fleet-wide budgets, all through one Redis. Redis is a shared cache and a coordinator, never
/// the source of truth: every call here answers at once or within the 50 ms command timeout,
/// and every failure is a value the caller treats as "go on standalone".
public final class Fleet: Sendable {
    public let settings: FleetSettings
    /// Tells this sidecar's own stream entries and leases from the others'.
    public let instanceId: String
    let client: RedisClient
    let keys: FleetKeys
    let logger: Logger
    /// Called once per shared-state read, for `sidecar_fleet_reads_total`.
    let onRead: @Sendable (FleetReadOutcome) -> Void
    /// Monotonic-free wall time of the last successful stream read, for `streamLagSeconds`.
    let lastStreamReadAt = Mutex<Date?>(nil)

    /// `onRead` counts shared-state reads and `onConnection` follows the connection, for
    /// metrics; both are called on the Redis client's thread and must not block.
    public init(
        settings: FleetSettings, logger: Logger,
        onRead: @escaping @Sendable (FleetReadOutcome) -> Void = { _ in },
        onConnection: @escaping @Sendable (Bool) -> Void = { _ in }
    ) {
        self.settings = settings
        self.logger = logger
        self.onRead = onRead
        instanceId = UUID().uuidString.lowercased()
        keys = FleetKeys(namespace: settings.namespace)
        let endpoint: RedisConfiguration.Endpoint = switch settings.endpoint {
        case .tcp(let host, let port): .tcp(host: host, port: port)
        case .unix(let path): .unix(path: path)
        }
        var configuration = RedisConfiguration(
            endpoint: endpoint, username: settings.user, password: settings.password, database: settings.database,
            commandTimeout: settings.commandTimeout)
        let described = configuration.description
        // RedisError values are built without the password (the client redacts server text).
        configuration.onStatusChange = { status in
            onConnection(status.state == .connected)
            switch status.state {
            case .connected:
                logger.info("fleet: connected to Redis", metadata: ["redis": "\(described)"])
            case .disconnected:
                logger.warning("fleet: Redis unavailable, answering standalone", metadata: [
                    "redis": "\(described)", "error": "\(status.lastError.map { "\($0)" } ?? "unknown")",
                ])
            case .connecting, .closed:
                break
            }
        }
        client = RedisClient(configuration: configuration)
    }

    /// Closes the connection; later calls fail at once.
    public func shutdown() { client.shutdown() }

    public var status: FleetStatus {
        let redis = client.status
        let lag = lastStreamReadAt.withLock { $0 }.map { max(0, Date().timeIntervalSince($0)) }
        return FleetStatus(
            state: redis.state == .connected ? .connected : .disconnected,
            lastError: redis.lastError.map { "\($0)" },
            streamLagSeconds: lag)
    }

    public var isConnected: Bool { client.status.state == .connected }
}
