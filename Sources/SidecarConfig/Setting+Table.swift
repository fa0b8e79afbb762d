extension Setting {
    /// Every setting, in the order `--help` lists them.
    public static let all: [Setting] = [
        Setting("SIDECAR_HOST", help: "address to listen on (IPv4, IPv6 or a name)", default: "127.0.0.1") { config, raw throws(ConfigError) in
            guard !raw.isEmpty else { throw ConfigError(key: "SIDECAR_HOST", value: raw, expected: "a non-empty address") }
            config.host = raw
        },
        Setting("SIDECAR_PORT", help: "TCP port (0 picks a free one)", default: "8787") { config, raw throws(ConfigError) in
            config.port = try ValueParsing.integer(raw, in: 0...65_535, key: "SIDECAR_PORT", expected: "a port number 0-65535")
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
        Setting("SIDECAR_BENCH_FIXED_BYTES", help: "benchmark only: serve a fixed JSON body of this size on /bench/fixed", default: "off") { config, raw throws(ConfigError) in
            config.benchFixedBytes = try ValueParsing.integer(raw, in: 2...1_048_576, key: "SIDECAR_BENCH_FIXED_BYTES", expected: "a byte count 2-1048576")
        },
    ]
}
