extension Setting {
    /// Every setting, in the order `--help` lists them.
    public static let all: [Setting] = [
        Setting("SIDECAR_CONFIG", help: "JSON config file whose keys are these env names (lower precedence than env and flags)", default: "none") { _, _ throws(ConfigError) in
            // Read by SidecarConfig.resolve before the layers are applied.
        },
        Setting("SIDECAR_HOST", help: "address to listen on (IPv4, IPv6 or a name)", default: "127.0.0.1") { config, raw throws(ConfigError) in
            guard !raw.isEmpty else { throw ConfigError(key: "SIDECAR_HOST", value: raw, expected: "a non-empty address") }
            config.host = raw
        },
        Setting("SIDECAR_PORT", help: "TCP port (0 picks a free one; off: only the Unix socket)", default: "8787") { config, raw throws(ConfigError) in
            if raw.lowercased() == "off" {
                config.listenTCP = false
                return
            }
            config.listenTCP = true
            config.port = try ValueParsing.integer(raw, in: 0...65_535, key: "SIDECAR_PORT", expected: "a port number 0-65535, or off (with SIDECAR_UNIX_SOCKET)")
        },
        Setting("SIDECAR_UNIX_SOCKET", help: "also listen on this Unix-domain socket path (file mode 0600)", default: "none") { config, raw throws(ConfigError) in
            guard !raw.isEmpty, raw.utf8.count < 108 else {
                throw ConfigError(key: "SIDECAR_UNIX_SOCKET", value: raw, expected: "a file path shorter than 108 bytes")
            }
            config.unixSocket = raw
        },
        Setting("SIDECAR_HEADER_TIMEOUT", help: "time to receive a request's headers", default: "10s") { config, raw throws(ConfigError) in
            config.headerTimeout = try ValueParsing.duration(raw, key: "SIDECAR_HEADER_TIMEOUT")
        },
        Setting("SIDECAR_IDLE_TIMEOUT", help: "time an idle keep-alive connection stays open", default: "15s") { config, raw throws(ConfigError) in
            config.idleTimeout = try ValueParsing.duration(raw, key: "SIDECAR_IDLE_TIMEOUT")
        },
        Setting("SIDECAR_BODY_TIMEOUT", help: "time to receive a request's body", default: "10s") { config, raw throws(ConfigError) in
            config.bodyTimeout = try ValueParsing.duration(raw, key: "SIDECAR_BODY_TIMEOUT")
        },
        Setting("SIDECAR_MAX_CONNECTIONS", help: "open connections past which new ones are closed", default: "4096") { config, raw throws(ConfigError) in
            config.maxConnections = try ValueParsing.integer(raw, in: 1...1_000_000, key: "SIDECAR_MAX_CONNECTIONS", expected: "a count >= 1")
        },
        Setting("SIDECAR_SHUTDOWN_GRACE", help: "time in-flight requests get to finish on SIGTERM", default: "10s") { config, raw throws(ConfigError) in
            config.shutdownGrace = try ValueParsing.duration(raw, key: "SIDECAR_SHUTDOWN_GRACE")
        },
        Setting("SIDECAR_LOG_LEVEL", help: "trace, debug, info, notice, warning, error or critical", default: "info") { config, raw throws(ConfigError) in
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(raw.lowercased()) else {
                throw ConfigError(key: "SIDECAR_LOG_LEVEL", value: raw, expected: "one of " + levels.joined(separator: ", "))
            }
            config.logLevel = raw.lowercased()
        },
        Setting("SIDECAR_LOG_FORMAT", help: "text (one readable line per event) or json (one JSON object per line)", default: "text") { config, raw throws(ConfigError) in
            guard let format = LogFormat(rawValue: raw.lowercased()) else {
                throw ConfigError(key: "SIDECAR_LOG_FORMAT", value: raw, expected: "text or json")
            }
            config.logFormat = format
        },
        Setting("SIDECAR_ACCESS_LOG", help: "log one line per request (method, path, status, duration) at info", default: "false") { config, raw throws(ConfigError) in
            config.accessLog = try ValueParsing.boolean(raw, key: "SIDECAR_ACCESS_LOG")
        },
        Setting("STIGG_API_KEY", help: "Stigg server API key (no flag: use --api-key-file); without it the sidecar runs offline", default: "none", secret: true) { config, raw throws(ConfigError) in
            config.apiKey = raw.trimmingCharacters(in: " ").isEmpty ? nil : raw.trimmingCharacters(in: " ")
        },
        Setting("STIGG_BASE_URL", help: "Stigg REST base URL", default: "https://api.stigg.io") { config, raw throws(ConfigError) in
            guard raw.hasPrefix("http://") || raw.hasPrefix("https://"), raw.count > 8 else {
                throw ConfigError(key: "STIGG_BASE_URL", value: raw, expected: "an http:// or https:// URL")
            }
            config.stiggBaseURL = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
        },
        Setting("SIDECAR_DB_PATH", help: "SQLite database file", default: "./sidecar.sqlite") { config, raw throws(ConfigError) in
            guard !raw.isEmpty else { throw ConfigError(key: "SIDECAR_DB_PATH", value: raw, expected: "a file path") }
            config.dbPath = raw
        },
        Setting("SIDECAR_OFFLINE", help: "answer from the offline snapshot file only", default: "false") { config, raw throws(ConfigError) in
            config.offline = try ValueParsing.boolean(raw, key: "SIDECAR_OFFLINE")
        },
        Setting("SIDECAR_OFFLINE_FILE", help: "snapshot of Stigg entitlement states for offline mode", default: "config/offline-entitlements.json") { config, raw throws(ConfigError) in
            guard !raw.isEmpty else { throw ConfigError(key: "SIDECAR_OFFLINE_FILE", value: raw, expected: "a file path") }
            config.offlineFile = raw
        },
        Setting("ENTITLEMENTS_FALLBACK", help: "JSON rules answering when there is no data, e.g. {\"feature-x\":{\"hasAccess\":true}}", default: "none") { config, raw throws(ConfigError) in
            config.fallbackJSON = raw.isEmpty ? nil : raw
        },
        Setting("SIDECAR_REFRESH_INTERVAL", help: "age after which cached data is refreshed (and counts as stale if upstream fails)", default: "30s") { config, raw throws(ConfigError) in
            config.refreshInterval = try ValueParsing.duration(raw, key: "SIDECAR_REFRESH_INTERVAL")
        },
        Setting("SIDECAR_MISS_TIMEOUT", help: "deadline for fetching a customer missing from the cache", default: "1s") { config, raw throws(ConfigError) in
            config.missTimeout = try ValueParsing.duration(raw, key: "SIDECAR_MISS_TIMEOUT")
        },
        Setting("SIDECAR_UPSTREAM_RPS", help: "upstream calls per second, all kinds together", default: "50") { config, raw throws(ConfigError) in
            config.upstreamRPS = try ValueParsing.integer(raw, in: 1...100_000, key: "SIDECAR_UPSTREAM_RPS", expected: "a count >= 1")
        },
        Setting("SIDECAR_UPSTREAM_CONCURRENCY", help: "upstream calls in flight at once", default: "4") { config, raw throws(ConfigError) in
            config.upstreamConcurrency = try ValueParsing.integer(raw, in: 1...1_000, key: "SIDECAR_UPSTREAM_CONCURRENCY", expected: "a count >= 1")
        },
        Setting("SIDECAR_OUTBOX_LIMIT", help: "usage records waiting for upstream past which intake answers 503", default: "100000") { config, raw throws(ConfigError) in
            config.outboxLimit = try ValueParsing.integer(raw, in: 1...100_000_000, key: "SIDECAR_OUTBOX_LIMIT", expected: "a count >= 1")
        },
        Setting("SIDECAR_MAX_STALENESS", help: "age past which data is answered per SIDECAR_STALE_POLICY", default: "none") { config, raw throws(ConfigError) in
            config.maxStaleness = raw.lowercased() == "none" ? nil : try ValueParsing.duration(raw, key: "SIDECAR_MAX_STALENESS", extraForms: "none")
        },
        Setting("SIDECAR_STALE_POLICY", help: "serve or fallback: what to do with data older than SIDECAR_MAX_STALENESS", default: "serve") { config, raw throws(ConfigError) in
            guard let policy = StalePolicy(rawValue: raw.lowercased()) else {
                throw ConfigError(key: "SIDECAR_STALE_POLICY", value: raw, expected: "serve or fallback")
            }
            config.stalePolicy = policy
        },
        Setting("SIDECAR_PRELOAD", help: "all, or comma-separated customer ids, to fetch at start and keep fresh", default: "none") { config, raw throws(ConfigError) in
            config.preload = try ValueParsing.preload(raw, key: "SIDECAR_PRELOAD")
        },
        Setting("SIDECAR_BACKOFF_MAX", help: "longest wait between attempts while upstream fails", default: "60s") { config, raw throws(ConfigError) in
            config.backoffMax = try ValueParsing.duration(raw, key: "SIDECAR_BACKOFF_MAX")
        },
        Setting("SIDECAR_AUTH_TOKEN", help: "if set, every route but /livez and /readyz needs Authorization: Bearer <token> (or X-API-KEY: <token>)", default: "none", secret: true) { config, raw throws(ConfigError) in
            let token = raw.trimmingCharacters(in: " ")
            guard token.isEmpty || token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ConfigError(key: "SIDECAR_AUTH_TOKEN", value: nil, expected: "printable ASCII with no spaces")
            }
            config.authToken = token.isEmpty ? nil : token
        },
        Setting("SIDECAR_WEBHOOK_SECRET", help: "enables POST /webhooks/stigg; Stigg sends it in the Stigg-Webhooks-Secret header", default: "none", secret: true) { config, raw throws(ConfigError) in
            let secret = raw.trimmingCharacters(in: " ")
            guard secret.isEmpty || secret.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ConfigError(key: "SIDECAR_WEBHOOK_SECRET", value: nil, expected: "printable ASCII with no spaces")
            }
            config.webhookSecret = secret.isEmpty ? nil : secret
        },
        Setting("SIDECAR_WEBHOOK_HOST", help: "address of the webhook-only listener (with SIDECAR_WEBHOOK_PORT)", default: "0.0.0.0") { config, raw throws(ConfigError) in
            guard !raw.isEmpty else { throw ConfigError(key: "SIDECAR_WEBHOOK_HOST", value: raw, expected: "a non-empty address") }
            config.webhookHost = raw
        },
        Setting("SIDECAR_WEBHOOK_PORT", help: "port of a second listener serving only /webhooks/stigg, /livez and /readyz", default: "none") { config, raw throws(ConfigError) in
            config.webhookPort = raw.lowercased() == "none" ? nil : try ValueParsing.integer(raw, in: 0...65_535, key: "SIDECAR_WEBHOOK_PORT", expected: "a port number 0-65535, or none")
        },
        Setting("SIDECAR_BENCH_FIXED_BYTES", help: "benchmark only: serve a fixed JSON body of this size on /bench/fixed", default: "off") { config, raw throws(ConfigError) in
            config.benchFixedBytes = try ValueParsing.integer(raw, in: 2...1_048_576, key: "SIDECAR_BENCH_FIXED_BYTES", expected: "a byte count 2-1048576")
        },
    ]
}
