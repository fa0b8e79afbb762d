#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SidecarApp
import SidecarConfig
import Testing
import SidecarTestSupport

/// One request over a Unix-domain socket with `Connection: close`; returns the raw response.
func requestOverUnixSocket(_ path: String, _ request: String) throws -> String {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EBADF) }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
        buffer.copyBytes(from: path.utf8)
        buffer[path.utf8.count] = 0
    }
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard connected == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    _ = Array(request.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count <= 0 { break }
        received.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: received, as: UTF8.self)
}

@Suite("Unix-domain socket listener (SIDECAR_UNIX_SOCKET)")
struct UnixSocketTests {
    @Test("serves beside TCP, with file mode 0600, and the file is removed at shutdown")
    func besideTCP() async throws {
        let path = try makeTempDirectory().appendingPathComponent("sidecar.sock").path
        let app = try makeApp { $0.unixSocket = path }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let response = try requestOverUnixSocket(path, "GET /entitlements/check?customerId=demo-pro&featureId=feature-sso HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(response.hasPrefix("HTTP/1.1 200 OK"))
        #expect(response.contains(#""isGranted":true"#))
        #expect(try app.get("/livez").status == 200)
        await app.shutdown()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("SIDECAR_PORT=off serves on the socket alone; a stale socket file is replaced")
    func socketOnly() async throws {
        let path = try makeTempDirectory().appendingPathComponent("sidecar.sock").path
        // A socket file left behind by a crashed run.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(stale)
        #expect(FileManager.default.fileExists(atPath: path))

        let config = try SidecarConfig.load(environment: [
            "SIDECAR_PORT": "off", "SIDECAR_UNIX_SOCKET": path, "SIDECAR_OFFLINE": "true",
            "SIDECAR_OFFLINE_FILE": demoSnapshotPath,
            "SIDECAR_DB_PATH": try makeTempDirectory().appendingPathComponent("s.sqlite").path,
        ])
        let app = try startApp(config)
        #expect(app.port == 0)
        let response = try requestOverUnixSocket(path, "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(response.hasPrefix("HTTP/1.1 200 OK") && response.contains(#""status":"ready""#))
        await app.shutdown()
    }

    @Test("off without a socket, and a path that is not a socket, are refused")
    func refusals() throws {
        #expect(throws: ConfigError.self) { try SidecarConfig.load(environment: ["SIDECAR_PORT": "off"]) }
        let file = try makeTempDirectory().appendingPathComponent("not-a-socket")
        try Data("x".utf8).write(to: file)
        #expect(throws: (any Error).self) { _ = try makeApp { $0.unixSocket = file.path } }
        #expect(FileManager.default.fileExists(atPath: file.path))
    }
}
