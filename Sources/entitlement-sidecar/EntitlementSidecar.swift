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
        discussion: "Every flag is also an environment variable (--foo-bar is SIDECAR_FOO_BAR). Flags win over the environment."
    )

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

    @Option(help: .hidden)
    var benchFixedBytes: String?

    var flagValues: [String: String] {
        let pairs: [(String, String?)] = [
            ("SIDECAR_HOST", host), ("SIDECAR_PORT", port),
            ("SIDECAR_HEADER_TIMEOUT", headerTimeout), ("SIDECAR_IDLE_TIMEOUT", idleTimeout),
            ("SIDECAR_BODY_TIMEOUT", bodyTimeout), ("SIDECAR_MAX_CONNECTIONS", maxConnections),
            ("SIDECAR_SHUTDOWN_GRACE", shutdownGrace), ("SIDECAR_LOG_LEVEL", logLevel),
            ("SIDECAR_BENCH_FIXED_BYTES", benchFixedBytes),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { key, value in value.map { (key, $0) } })
    }

    func run() async throws {
        let config: SidecarConfig
        do {
            config = try SidecarConfig.load(environment: ProcessInfo.processInfo.environment, flags: flagValues)
        } catch {
            // EX_USAGE: the operator must fix a setting.
            FileHandle.standardError.write(Data("entitlement-sidecar: \(error)\n".utf8))
            throw ExitCode(64)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
            return handler
        }
        let app = try buildApplication(config: config)
        do {
            try await app.run()
        } catch {
            app.logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
