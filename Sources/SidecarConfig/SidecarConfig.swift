/// Every setting of the sidecar with its default (DESIGN.md §8, §11).
public struct SidecarConfig: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8787
    public var headerTimeout: Duration = .seconds(10)
    public var idleTimeout: Duration = .seconds(15)
    public var bodyTimeout: Duration = .seconds(10)
    public var maxConnections = 4096
    public var shutdownGrace: Duration = .seconds(10)
    public var logLevel = "info"
    /// Stigg server API key; nil means offline mode. Never logged or echoed.
    public var apiKey: String?
    public var stiggBaseURL = "https://api.stigg.io"
    public var dbPath = "./sidecar.sqlite"
    public var offline = false
    public var offlineFile = "config/offline-entitlements.json"
    /// `ENTITLEMENTS_FALLBACK`, raw JSON; parsed (and validated) by the app at start-up.
    public var fallbackJSON: String?
    public var refreshInterval: Duration = .seconds(30)
    /// Read-through deadline for a cache miss.
    public var missTimeout: Duration = .seconds(1)
    /// Upstream calls per second (token bucket, burst = one second's worth).
    public var upstreamRPS = 50
    public var upstreamConcurrency = 4
    /// False with `SIDECAR_PORT=off`: serve on the Unix socket only.
    public var listenTCP = true
    /// `SIDECAR_UNIX_SOCKET`: a Unix-domain socket to listen on, beside or instead of TCP.
    public var unixSocket: String?
    public var logFormat: LogFormat = .text
    /// One log line per request; off by default (it costs a write per request).
    public var accessLog = false
    /// Usage records and events waiting for upstream; intake answers 503 past it.
    public var outboxLimit = 100_000
    /// Data older than this is answered per `stalePolicy`; nil = no limit.
    public var maxStaleness: Duration?
    public var stalePolicy: StalePolicy = .serve
    public var preload: Preload = .none
    public var backoffMax: Duration = .seconds(60)
    /// When set, every route but `/livez` and `/readyz` needs it. Never logged or echoed.
    public var authToken: String?
    /// `SIDECAR_WEBHOOK_SECRET`: enables `POST /webhooks/stigg` (DESIGN.md §12). Never logged or echoed.
    public var webhookSecret: String?
    /// `SIDECAR_WEBHOOK_HOST` / `SIDECAR_WEBHOOK_PORT`: the optional webhook-only listener.
    public var webhookHost = "0.0.0.0"
    public var webhookPort: Int?

    /// Offline when asked to be, or when there is no key to talk to Stigg with.
    public var isOffline: Bool { offline || (apiKey ?? "").isEmpty }
    /// Benchmark only: serve a fixed JSON body of this many bytes on `GET /bench/fixed`, so
    /// `scripts/bench` can compare the bare server with nginx serving a file of the same size.
    public var benchFixedBytes: Int?

    public init() {}
}

/// `SIDECAR_LOG_FORMAT`.
public enum LogFormat: String, Sendable, Equatable {
    case text
    case json
}

/// What to do with data older than `SIDECAR_MAX_STALENESS`.
public enum StalePolicy: String, Sendable, Equatable {
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

/// A setting that could not be used; the message names the key and the accepted form and
/// never echoes a secret.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public let key: String
    public let value: String?
    public let expected: String

    public init(key: String, value: String?, expected: String) {
        self.key = key
        self.value = value
        self.expected = expected
    }

    public var description: String {
        if let value { return "invalid \(key)=\"\(value)\": expected \(expected)" }
        return "invalid \(key): expected \(expected)"
    }
}
