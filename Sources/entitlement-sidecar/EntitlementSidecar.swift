import ArgumentParser
import Logging
import SidecarApp
import SidecarConfig

import Foundation

@main
struct EntitlementSidecar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entitlement-sidecar",
        abstract: "Answers Stigg entitlement checks from a local cache.",
        discussion: "With no subcommand it serves. `entitlement-sidecar serve --help` lists every setting; each flag --foo-bar is also the environment variable SIDECAR_FOO_BAR.",
        subcommands: [Serve.self, Health.self],
        defaultSubcommand: Serve.self
    )
}

/// The sidecar itself: what runs when no subcommand is named.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the sidecar (the default).",
        discussion: "Every flag is also an environment variable (--foo-bar is SIDECAR_FOO_BAR). Flags win over the environment."
    )

    @Option(help: "Also listen on this Unix-domain socket, mode 0600 (env SIDECAR_UNIX_SOCKET); --port off serves on it alone.")
    var unixSocket: String?

    @Option(help: "JSON config file whose keys are the env names; env and flags win over it (env SIDECAR_CONFIG).")
    var config: String?

    @Option(help: "text or json (env SIDECAR_LOG_FORMAT, default text).")
    var logFormat: String?

    @Option(help: "true: one log line per request (env SIDECAR_ACCESS_LOG, default false).")
    var accessLog: String?

    @Option(help: "Address to listen on (env SIDECAR_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "TCP port, 0 for any free one (env SIDECAR_PORT, default 8787).")
    var port: String?

    @Option(help: "Time to receive a request's headers (env SIDECAR_HEADER_TIMEOUT, default 10s).")
    var headerTimeout: String?

    @Option(help: "Time an idle keep-alive connection stays open (env SIDECAR_IDLE_TIMEOUT, default 15s).")
    var idleTimeout: String?

    @Option(help: "Time to receive a request's body (env SIDECAR_BODY_TIMEOUT, default 10s).")
    var bodyTimeout: String?

    @Option(help: "Open connections past which new ones are closed (env SIDECAR_MAX_CONNECTIONS, default 4096).")
    var maxConnections: String?

    @Option(help: "Time in-flight requests get on SIGTERM (env SIDECAR_SHUTDOWN_GRACE, default 10s).")
    var shutdownGrace: String?

    @Option(help: "Log level (env SIDECAR_LOG_LEVEL, default info).")
    var logLevel: String?

    @Option(help: "Stigg REST base URL (env STIGG_BASE_URL, default https://api.stigg.io).")
    var stiggBaseUrl: String?

    @Option(help: ArgumentHelp("File holding the Stigg API key (instead of env STIGG_API_KEY).", valueName: "path"))
    var apiKeyFile: String?

    @Option(help: "SQLite database file (env SIDECAR_DB_PATH, default ./sidecar.sqlite).")
    var dbPath: String?

    @Option(help: "true: answer from the offline snapshot only (env SIDECAR_OFFLINE; default false, or true without an API key).")
    var offline: String?

    @Option(help: "Offline snapshot file (env SIDECAR_OFFLINE_FILE, default config/offline-entitlements.json).")
    var offlineFile: String?

    @Option(help: "Fallback rules JSON for when there is no data (env ENTITLEMENTS_FALLBACK).")
    var entitlementsFallback: String?

    @Option(help: "Age after which cached data is refreshed (env SIDECAR_REFRESH_INTERVAL, default 30s).")
    var refreshInterval: String?

    @Option(help: "Deadline for fetching a customer missing from the cache (env SIDECAR_MISS_TIMEOUT, default 1s).")
    var missTimeout: String?

    @Option(help: "Upstream calls per second (env SIDECAR_UPSTREAM_RPS, default 50).")
    var upstreamRps: String?

    @Option(help: "Upstream calls in flight at once (env SIDECAR_UPSTREAM_CONCURRENCY, default 4).")
    var upstreamConcurrency: String?

    @Option(help: "Usage records waiting for upstream past which intake answers 503 (env SIDECAR_OUTBOX_LIMIT, default 100000).")
    var outboxLimit: String?

    @Option(help: "Age past which data is answered per the stale policy (env SIDECAR_MAX_STALENESS, default none).")
    var maxStaleness: String?

    @Option(help: "serve or fallback (env SIDECAR_STALE_POLICY, default serve).")
    var stalePolicy: String?

    @Option(help: "all, or comma-separated customer ids to keep warm (env SIDECAR_PRELOAD).")
    var preload: String?

    @Option(help: "Longest wait between attempts while upstream fails (env SIDECAR_BACKOFF_MAX, default 60s).")
    var backoffMax: String?

    @Option(help: "Token every route but /livez and /readyz requires (env SIDECAR_AUTH_TOKEN; the env keeps it out of ps).")
    var authToken: String?

    @Option(help: "Enables POST /webhooks/stigg, checked against Stigg-Webhooks-Secret (env SIDECAR_WEBHOOK_SECRET; the env keeps it out of ps).")
    var webhookSecret: String?

    @Option(help: "Address of the webhook-only listener (env SIDECAR_WEBHOOK_HOST, default 0.0.0.0).")
    var webhookHost: String?

    @Option(help: "Port of a second listener serving only /webhooks/stigg, /livez, /readyz (env SIDECAR_WEBHOOK_PORT).")
    var webhookPort: String?

    @Option(help: .hidden)
    var benchFixedBytes: String?

    var flagValues: [String: String] {
        let pairs: [(String, String?)] = [
            ("SIDECAR_CONFIG", config), ("SIDECAR_UNIX_SOCKET", unixSocket), ("SIDECAR_LOG_FORMAT", logFormat), ("SIDECAR_ACCESS_LOG", accessLog),
            ("SIDECAR_HOST", host), ("SIDECAR_PORT", port),
            ("SIDECAR_HEADER_TIMEOUT", headerTimeout), ("SIDECAR_IDLE_TIMEOUT", idleTimeout),
            ("SIDECAR_BODY_TIMEOUT", bodyTimeout), ("SIDECAR_MAX_CONNECTIONS", maxConnections),
            ("SIDECAR_SHUTDOWN_GRACE", shutdownGrace), ("SIDECAR_LOG_LEVEL", logLevel),
            ("STIGG_BASE_URL", stiggBaseUrl), ("SIDECAR_DB_PATH", dbPath), ("SIDECAR_OFFLINE", offline),
            ("SIDECAR_OFFLINE_FILE", offlineFile), ("ENTITLEMENTS_FALLBACK", entitlementsFallback),
            ("SIDECAR_REFRESH_INTERVAL", refreshInterval), ("SIDECAR_MISS_TIMEOUT", missTimeout),
            ("SIDECAR_UPSTREAM_RPS", upstreamRps), ("SIDECAR_UPSTREAM_CONCURRENCY", upstreamConcurrency),
            ("SIDECAR_OUTBOX_LIMIT", outboxLimit),
            ("SIDECAR_MAX_STALENESS", maxStaleness), ("SIDECAR_STALE_POLICY", stalePolicy),
            ("SIDECAR_PRELOAD", preload), ("SIDECAR_BACKOFF_MAX", backoffMax), ("SIDECAR_AUTH_TOKEN", authToken),
            ("SIDECAR_WEBHOOK_SECRET", webhookSecret), ("SIDECAR_WEBHOOK_HOST", webhookHost), ("SIDECAR_WEBHOOK_PORT", webhookPort),
            ("SIDECAR_BENCH_FIXED_BYTES", benchFixedBytes),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { key, value in value.map { (key, $0) } })
    }

    func run() async throws {
        let settings: SidecarConfig
        do {
            var flags = flagValues
            if let apiKeyFile {
                flags["STIGG_API_KEY"] = try readKeyFile(apiKeyFile)
            }
            settings = try SidecarConfig.resolve(environment: ProcessInfo.processInfo.environment, flags: flags)
        } catch {
            // EX_USAGE: the operator must fix a setting.
            FileHandle.standardError.write(Data("entitlement-sidecar: \(error)\n".utf8))
            throw ExitCode(64)
        }
        bootstrapLogging(settings)
        let logger = Logger(label: "entitlement-sidecar")
        do {
            let app = try buildApplication(config: settings, logger: logger)
            try await app.run()
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("entitlement-sidecar: \(error)\n".utf8))
            throw ExitCode(64)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("entitlement-sidecar: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func readKeyFile(_ path: String) throws(ConfigError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: "--api-key-file", value: path, expected: "a readable file holding the API key")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
