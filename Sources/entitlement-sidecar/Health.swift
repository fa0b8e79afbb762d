import ArgumentParser
import Foundation
import SidecarConfig

/// `entitlement-sidecar health`: asks a running sidecar's `/readyz` and exits 0 when it says
/// `ready` or `degraded` (answers come from real data), 1 otherwise, so a container health
/// check needs no curl. It reads the same settings as `serve` (environment, config file,
/// flags), so it asks wherever that sidecar listens.
struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 if the sidecar is ready or degraded, 1 otherwise.",
        discussion: """
            Reads the same settings as serve and asks GET /readyz where that sidecar listens: \
            SIDECAR_HOST:SIDECAR_PORT (IPv4, IPv6 or a name; a wildcard 0.0.0.0 or :: is asked \
            on loopback), or SIDECAR_UNIX_SOCKET when SIDECAR_PORT is off. Takes serve's \
            setting flags too, e.g. --host ::1 --port 9000.
            """)

    @Option(help: "Give up after this long.")
    var timeout: String = "2s"

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("serve's setting flags (--host, --port, --unix-socket, --config, ...).", valueName: "setting"))
    var settings: [String] = []

    func run() async throws {
        let config: SidecarConfig
        let deadline: Duration
        do {
            config = try SidecarConfig.resolve(environment: ProcessInfo.processInfo.environment, flags: SidecarConfig.flagValues(settings))
            deadline = try ValueParsing.duration(timeout, key: "--timeout")
        } catch {
            FileHandle.standardError.write(Data("entitlement-sidecar health: \(error)\n".utf8))
            throw ExitCode(64)
        }
        let targets = Self.targets(config)
        let verdict: (ok: Bool, text: String)
        do {
            let answer = try HealthProbe.readyz(targets: targets, within: deadline)
            let serving = answer.status == 200
                && (answer.body.contains(#""status":"ready""#) || answer.body.contains(#""status":"degraded""#))
            verdict = (serving, "\(answer.status) \(answer.body)")
        } catch {
            verdict = (false, "no answer from \(targets.map(\.description).joined(separator: " or ")): \(error)")
        }
        print(verdict.text)
        if !verdict.ok { throw ExitCode(1) }
    }

    /// Where to ask, in order: TCP when the sidecar listens on it, else its Unix socket.
    static func targets(_ config: SidecarConfig) -> [HealthProbe.Target] {
        guard config.listenTCP else { return config.unixSocket.map { [.unix(path: $0)] } ?? [] }
        return loopbackHosts(for: config.host).map { .tcp(host: $0, port: config.port) }
    }

    /// A wildcard bind is reachable on loopback. `::` also takes IPv4 unless the host made
    /// it IPv6-only, so 127.0.0.1 is the second try when ::1 does not answer.
    static func loopbackHosts(for host: String) -> [String] {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        switch bare {
        case "0.0.0.0", "": return ["127.0.0.1"]
        case "::": return ["::1", "127.0.0.1"]
        default: return [bare]
        }
    }
}
