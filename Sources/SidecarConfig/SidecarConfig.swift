/// Every setting of the sidecar. Each field starts at the default its row in `Setting.all`
/// declares; help, defaults and validation live there, not here.
public struct SidecarConfig: Sendable, Equatable {
    public var configFile: String? = Setting.defaultValue(\.configFile)
    public var host: String = Setting.defaultValue(\.host)
    /// `SIDECAR_PORT`; nil with `off` (serve on the Unix socket only).
    public var tcpPort: Int? = Setting.defaultValue(\.tcpPort)
    public var unixSocket: String? = Setting.defaultValue(\.unixSocket)
    public var headerTimeout: Duration = Setting.defaultValue(\.headerTimeout)
    public var idleTimeout: Duration = Setting.defaultValue(\.idleTimeout)
    public var bodyTimeout: Duration = Setting.defaultValue(\.bodyTimeout)
    public var handlerTimeout: Duration = Setting.defaultValue(\.handlerTimeout)
    public var maxConnections: Int = Setting.defaultValue(\.maxConnections)
    public var shutdownGrace: Duration = Setting.defaultValue(\.shutdownGrace)
    public var logLevel: String = Setting.defaultValue(\.logLevel)
    public var logFormat: LogFormat = Setting.defaultValue(\.logFormat)
    public var accessLog: Bool = Setting.defaultValue(\.accessLog)
    /// nil means offline mode. A secret: never logged or echoed.
    public var apiKey: String? = Setting.defaultValue(\.apiKey)
    public var stiggBaseURL: String = Setting.defaultValue(\.stiggBaseURL)
    public var dbPath: String = Setting.defaultValue(\.dbPath)
    public var offline: Bool = Setting.defaultValue(\.offline)
    public var offlineFile: String = Setting.defaultValue(\.offlineFile)
    /// `ENTITLEMENTS_FALLBACK`, raw JSON; parsed (and validated) by the app at start-up.
    public var fallbackJSON: String? = Setting.defaultValue(\.fallbackJSON)
    public var refreshInterval: Duration = Setting.defaultValue(\.refreshInterval)
    public var missTimeout: Duration = Setting.defaultValue(\.missTimeout)
    public var upstreamRPS: Int = Setting.defaultValue(\.upstreamRPS)
    public var upstreamConcurrency: Int = Setting.defaultValue(\.upstreamConcurrency)
    public var outboxLimit: Int = Setting.defaultValue(\.outboxLimit)
    public var usagePacing: Bool = Setting.defaultValue(\.usagePacing)
    /// nil: no limit.
    public var maxStaleness: Duration? = Setting.defaultValue(\.maxStaleness)
    public var stalePolicy: StalePolicy = Setting.defaultValue(\.stalePolicy)
    public var preload: Preload = Setting.defaultValue(\.preload)
    public var backoffMax: Duration = Setting.defaultValue(\.backoffMax)
    /// A secret: never logged or echoed.
    public var authToken: String? = Setting.defaultValue(\.authToken)
    /// Enables `POST /webhooks/stigg` (DESIGN.md §12). A secret: never logged or echoed.
    public var webhookSecret: String? = Setting.defaultValue(\.webhookSecret)
    public var webhookHost: String = Setting.defaultValue(\.webhookHost)
    /// nil: no webhook-only listener.
    public var webhookPort: Int? = Setting.defaultValue(\.webhookPort)
    /// Enables fleet mode (DESIGN.md §13); its description hides the password.
    public var redisURL: RedisURL? = Setting.defaultValue(\.redisURL)
    public var fleetNamespace: String = Setting.defaultValue(\.fleetNamespace)
    public var fleetUpstreamRPS: Int = Setting.defaultValue(\.fleetUpstreamRPS)
    public var fleetUsageRPS: Int = Setting.defaultValue(\.fleetUsageRPS)
    /// Benchmark only: serve a fixed JSON body of this many bytes on `GET /bench/fixed`, so
    /// `scripts/bench` can compare the bare server with nginx serving a file of the same size.
    public var benchFixedBytes: Int? = Setting.defaultValue(\.benchFixedBytes)

    public init() {}

    /// The TCP port (`SIDECAR_PORT`); 0 when the TCP listener is off.
    public var port: Int {
        get { tcpPort ?? 0 }
        set { tcpPort = newValue }
    }

    /// False with `SIDECAR_PORT=off`: serve on the Unix socket only.
    public var listenTCP: Bool { tcpPort != nil }

    /// Offline when asked to be, or when there is no key to talk to Stigg with.
    public var isOffline: Bool { offline || (apiKey ?? "").isEmpty }
}

extension SidecarConfig: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `KEY=value` for every setting, secrets as `<redacted>`, so logging a configuration
    /// (or a test failure printing one) cannot leak a key.
    public var description: String {
        Setting.all.map { "\($0.key)=\($0.describe(self) ?? "none")" }.joined(separator: " ")
    }

    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: Setting.all.map { (label: $0.key, value: $0.describe(self) ?? "none") })
    }
}

/// `SIDECAR_LOG_FORMAT`.
public enum LogFormat: String, Sendable, Equatable, CaseIterable {
    case text
    case json
}

/// What to do with data older than `SIDECAR_MAX_STALENESS`.
public enum StalePolicy: String, Sendable, Equatable, CaseIterable {
    /// Keep answering from it (`source` says `stale` or `cache`).
    case serve
    /// Answer from the fallback rules instead.
    case fallback
}

/// Which customers to warm at start and keep warm (`SIDECAR_PRELOAD`).
public enum Preload: Sendable, Equatable {
    case none
    /// Page through every customer upstream.
    case all
    case customers([String])
}
