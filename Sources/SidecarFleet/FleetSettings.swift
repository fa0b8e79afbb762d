/// Where the fleet's Redis is and what the fleet shares (DESIGN.md §13). Built by the
/// composition root from `SIDECAR_REDIS_URL` and the fleet settings, so no layer above this
/// one needs to know the Redis client's types.
public struct FleetSettings: Sendable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var endpoint: Endpoint
    public var user: String?
    /// Sent with `AUTH` only; never logged, never part of an error or a description.
    public var password: String?
    public var database: Int
    /// Prefix of every key, so environments can share one Redis.
    public var namespace: String
    /// Fleet-wide entitlement reads per second (`SIDECAR_FLEET_UPSTREAM_RPS`).
    public var upstreamRPS: Int
    /// Fleet-wide usage and event calls per second (`SIDECAR_FLEET_USAGE_RPS`).
    public var usageRPS: Int
    /// A command unanswered after this breaks the connection (DESIGN.md §13: 50 ms).
    public var commandTimeout: Duration = .milliseconds(50)
    /// How long one sidecar may hold the right to read a key from upstream (at most 10 s).
    public var leaseDuration: Duration = .seconds(10)
    /// State keys outlive their last write by this much: they are last-known-good.
    public var stateTTL: Duration = .seconds(48 * 3600)
    /// The change stream keeps about this many entries (`XADD MAXLEN ~`).
    public var streamMaxLength = 100_000
    /// How often each sidecar reads the change stream; well under the 1 s fan-out target.
    public var streamPollInterval: Duration = .milliseconds(150)
    /// How long a webhook's `messageId` is remembered fleet-wide.
    public var webhookDedupWindow: Duration = .seconds(86_400)

    public init(
        endpoint: Endpoint, user: String? = nil, password: String? = nil, database: Int = 0,
        namespace: String = "sidecar", upstreamRPS: Int = 90, usageRPS: Int = 40
    ) {
        self.endpoint = endpoint
        self.user = user
        self.password = password
        self.database = database
        self.namespace = namespace
        self.upstreamRPS = upstreamRPS
        self.usageRPS = usageRPS
    }
}

/// Which fleet-wide budget an upstream call draws from.
public enum FleetBudget: String, Sendable {
    /// `.../entitlements` and `.../entitlements/check`.
    case entitlements
    /// `POST /api/v1/usage` and `/api/v1/events`.
    case usage
}

/// `sidecar_fleet_reads_total{outcome}`: what a read of a shared state found.
public enum FleetReadOutcome: String, Sendable, CaseIterable {
    case hit, miss, error
}

/// The `/status` `fleet` block.
public struct FleetStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case connected, disconnected, disabled
    }

    public var state: State
    /// Why the connection last broke or could not be made; never holds the password.
    public var lastError: String?
    /// Seconds since the change stream was last read successfully; nil before the first read.
    public var streamLagSeconds: Double?

    public init(state: State, lastError: String? = nil, streamLagSeconds: Double? = nil) {
        self.state = state
        self.lastError = lastError
        self.streamLagSeconds = streamLagSeconds
    }

    public static let disabled = FleetStatus(state: .disabled)
}
