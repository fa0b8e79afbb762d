import Foundation
import SidecarTestSupport
import Testing

/// `entitlement-sidecar health` against a real sidecar for every kind of bind it accepts.
@Suite("health for every bind (issue 14)")
struct HealthCommandBindTests {
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory() }

    @Test("health answers 0 for IPv4, IPv6 and wildcard binds", arguments: ["127.0.0.1", "0.0.0.0", "::1", "::", "localhost"])
    func tcpBinds(host: String) throws {
        let sidecar = try SidecarProcess(arguments: ["--host", host], environment: ["SIDECAR_DB_PATH": scratch.path("db.sqlite")])
        defer { sidecar.terminate(); _ = sidecar.waitForExit() }
        // Once through flags, once through the environment, as a container's HEALTHCHECK does.
        let byFlags = try runBinary(["health", "--host", host, "--port", String(sidecar.port)])
        #expect(byFlags.status == 0, "\(byFlags.output) \(byFlags.error)")
        #expect(byFlags.output.contains(#""status":"ready""#))
        let byEnvironment = try runBinary(["health"], environment: ["SIDECAR_HOST": host, "SIDECAR_PORT": String(sidecar.port)])
        #expect(byEnvironment.status == 0, "\(byEnvironment.output) \(byEnvironment.error)")
    }

    @Test("health asks the Unix socket when the sidecar has no TCP port")
    func unixSocketOnly() throws {
        let socket = scratch.path("s.sock")
        let environment = ["SIDECAR_PORT": "off", "SIDECAR_UNIX_SOCKET": socket]
        let sidecar = try BackgroundProcess(
            binaryPath, [], environment: BackgroundProcess.cleanEnvironment(environment.merging([
                "SIDECAR_DB_PATH": scratch.path("db.sqlite"),
                "SIDECAR_OFFLINE_FILE": repositoryRoot.appendingPathComponent("config/offline-entitlements.json").path,
            ]) { $1 }))
        defer { sidecar.terminate(); _ = sidecar.waitForExit() }
        #expect(sidecar.waitForLog("unixSocket="), "\(sidecar.logText)")
        let result = try runBinary(["health"], environment: environment)
        #expect(result.status == 0, "\(result.output) \(result.error)")
        let gone = try runBinary(["health"], environment: ["SIDECAR_PORT": "off", "SIDECAR_UNIX_SOCKET": scratch.path("other.sock")])
        #expect(gone.status == 1)
        #expect(gone.output.contains("no answer from \(scratch.path("other.sock"))"), "\(gone.output)")
    }

    @Test("health gives up after --timeout when the listener never answers")
    func timeout() throws {
        let listener = try SilentListener()
        let started = ContinuousClock.now
        let result = try runBinary(["health", "--port", String(listener.port), "--timeout", "300ms"])
        #expect(result.status == 1)
        #expect(result.output.contains("timed out"), "\(result.output)")
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}

/// A TCP listener that accepts (the kernel completes the handshake) and never answers.
final class SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { throw RawClient.ClientError(description: "listen: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
