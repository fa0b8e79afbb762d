import ArgumentParser
import Foundation
import Logging
import SidecarApp
import SidecarConfig

/// The sidecar itself: what runs when no subcommand is named.
///
/// Why one catch-all argument instead of an `@Option` per setting: the settings table in
/// SidecarConfig is the one declaration of every setting, and swift-argument-parser builds
/// options only from properties declared in code. An `@Option` per setting would copy each
/// flag's name, help and default here again (as it once did, and they drifted). So the
/// setting flags are collected as given, read against the table (`SidecarConfig.flagValues`,
/// which refuses unknown ones naming the closest), and the table writes their help.
struct Serve: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "serve", abstract: "Run the sidecar (the default).", discussion: Setting.helpText())
    }

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Settings as --flag value pairs, listed under SETTINGS.", valueName: "setting"))
    var settings: [String] = []

    @Option(help: ArgumentHelp("File holding the Stigg API key, instead of env STIGG_API_KEY (blank is refused).", valueName: "path"))
    var apiKeyFile: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let config: SidecarConfig
        do {
            var flags = try SidecarConfig.flagValues(settings)
            if let apiKeyFile { flags["STIGG_API_KEY"] = try SidecarConfig.apiKey(fromFile: apiKeyFile) }
            config = try SidecarConfig.resolve(environment: environment, flags: flags)
        } catch {
            // A typo among the variables may be why a setting looks wrong: say so first.
            for (name, closest) in SidecarConfig.unknownSettings(in: environment) {
                printError("warning: \(name) is no setting and is ignored (did you mean \(closest)?)")
            }
            printError("\(error)")
            throw ExitCode(64) // EX_USAGE: the operator must fix a setting.
        }
        bootstrapLogging(config)
        let logger = Logger(label: "entitlement-sidecar")
        for (name, closest) in SidecarConfig.unknownSettings(in: environment) {
            logger.warning("unknown setting in the environment is ignored", metadata: ["variable": "\(name)", "closest": "\(closest)"])
        }
        let app: Application
        do {
            app = try buildApplication(config: try config.preflighted(executablePath: Self.executablePath), logger: logger)
        } catch let error as ConfigError {
            printError("\(error)")
            throw ExitCode(64)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            printError("\(error)")
            throw ExitCode(1)
        }
        do {
            try await app.run()
        } catch {
            // `run` throws only while setting up its listeners, so the settings that chose
            // them are what the operator needs to see beside the OS's reason.
            logger.critical("cannot listen", metadata: ["error": "\(error)"])
            printError("cannot listen (\(Self.listenerSettings(config))): \(error)")
            throw ExitCode(1)
        }
    }

    static func listenerSettings(_ config: SidecarConfig) -> String {
        var keys = ["SIDECAR_HOST", "SIDECAR_PORT", "SIDECAR_UNIX_SOCKET"]
        if config.webhookPort != nil { keys += ["SIDECAR_WEBHOOK_HOST", "SIDECAR_WEBHOOK_PORT"] }
        return keys.compactMap { key in Setting.named(key)?.describe(config).map { "\(key)=\($0)" } }.joined(separator: " ")
    }

    /// The running binary, symlinks resolved, for the files shipped beside it.
    static var executablePath: String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("entitlement-sidecar: \(message)\n".utf8))
}
