import ArgumentParser
import Foundation
import SidecarConfig
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `entitlement-sidecar health`: asks a running sidecar's `/readyz` and exits 0 when it says
/// `ready` or `degraded` (answers come from real data), 1 otherwise, so a container health
/// check needs no curl. Reads the same SIDECAR_HOST / SIDECAR_PORT as the server.
struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 if the sidecar on SIDECAR_HOST:SIDECAR_PORT is ready or degraded, 1 otherwise.")

    @Option(help: "Address the sidecar listens on (env SIDECAR_HOST; 0.0.0.0 and :: are asked on loopback).")
    var host: String?

    @Option(help: "Port the sidecar listens on (env SIDECAR_PORT, default 8787).")
    var port: String?

    @Option(help: "Give up after this long (default 2s).")
    var timeout: String = "2s"

    func run() async throws {
        let config: SidecarConfig
        let deadline: Duration
        do {
            var flags: [String: String] = [:]
            flags["SIDECAR_HOST"] = host
            flags["SIDECAR_PORT"] = port
            config = try SidecarConfig.resolve(environment: ProcessInfo.processInfo.environment, flags: flags)
            deadline = try ValueParsing.duration(timeout, key: "--timeout")
        } catch {
            FileHandle.standardError.write(Data("entitlement-sidecar health: \(error)\n".utf8))
            throw ExitCode(64)
        }
        let url = URL(string: "http://\(Self.loopbackHost(for: config.host)):\(config.port)/readyz")!
        var request = URLRequest(url: url)
        // URLSession on Linux counts whole seconds.
        request.timeoutInterval = max(1, Double(deadline.components.seconds))
        let verdict: (ok: Bool, text: String)
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            let body = String(decoding: data, as: UTF8.self)
            let serving = status == 200 && (body.contains(#""status":"ready""#) || body.contains(#""status":"degraded""#))
            verdict = (serving, "\(status) \(body)")
        } catch {
            verdict = (false, "no answer from \(url): \(error.localizedDescription)")
        }
        print(verdict.text)
        if !verdict.ok { throw ExitCode(1) }
    }

    /// A wildcard bind address is reachable on loopback; a bracketed form is needed for IPv6.
    static func loopbackHost(for host: String) -> String {
        switch host {
        case "0.0.0.0", "": return "127.0.0.1"
        case "::", "[::]": return "[::1]"
        default: return host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        }
    }
}
