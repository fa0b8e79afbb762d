#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A real `redis-server` for one test: a free loopback port (picked by binding port 0, and
/// picked again if another process took it first), no persistence, a private temp dir, and
/// stopped by its PID. Debian's `redis-server` must be installed (scripts/test.sh does it).
public final class RedisServer: Sendable {
    public let port: Int
    public let directory: URL
    /// Set when started with `unixSocket: true`.
    public let unixSocketPath: String?
    private let process: Process

    public struct User: Sendable {
        public let name: String
        public let password: String
        public init(_ name: String, password: String) {
            self.name = name
            self.password = password
        }
    }

    /// `port` reuses a port (to restart a server where clients expect it); otherwise a
    /// free one is picked.
    public init(password: String? = nil, users: [User] = [], unixSocket: Bool = false, port: Int? = nil) throws {
        guard let binary = RedisServer.findBinary() else {
            throw RawClient.ClientError(description: "redis-server is not installed (scripts/test.sh installs Debian's redis-server)")
        }
        var lastLog = ""
        for _ in 0..<(port == nil ? 5 : 1) {
            let chosen = try port ?? RedisServer.freePort()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let socketPath = unixSocket ? directory.appendingPathComponent("redis.sock").path : nil
            var arguments = [
                "--port", String(chosen), "--bind", "127.0.0.1 -::1", "--save", "", "--appendonly", "no",
                "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
                "--daemonize", "no", "--enable-debug-command", "local",
            ]
            if let socketPath { arguments += ["--unixsocket", socketPath, "--unixsocketperm", "700"] }
            if let password { arguments += ["--requirepass", password] }
            // One argument per ACL rule: redis-server joins them into one config line.
            for user in users { arguments += ["--user", user.name, "on", ">\(user.password)", "~*", "&*", "+@all"] }
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if RedisServer.waitUntilAnswering(port: chosen, process: process) {
                self.port = chosen
                self.directory = directory
                self.unixSocketPath = socketPath
                self.process = process
                return
            }
            lastLog = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
            RedisServer.stop(process)
            try? FileManager.default.removeItem(at: directory)
            // Only a port taken between our probe and the server's bind is worth a retry.
            guard lastLog.contains("Address already in use") else { break }
        }
        throw RawClient.ClientError(description: "redis-server did not start: \(lastLog.suffix(600))")
    }

    deinit { stop() }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { !RedisServer.exited(process.processIdentifier) }

    /// SIGKILL, as a crash; the temp dir stays until `stop()` or deinit.
    public func kill() { RedisServer.stop(process) }

    /// SIGSTOP: the kernel still accepts connections, but nothing is answered.
    public func pause() { _ = Glibc.kill(process.processIdentifier, SIGSTOP) }
    public func resume() { _ = Glibc.kill(process.processIdentifier, SIGCONT) }

    /// Stops the server by its PID (SIGKILL, see below) and removes its temp dir.
    public func stop() {
        RedisServer.stop(process)
        try? FileManager.default.removeItem(at: directory)
    }

    private static func stop(_ process: Process) {
        let pid = process.processIdentifier
        // SIGKILL rather than SIGTERM: a child started from a test thread inherits that
        // thread's blocked-signal mask (SIGTERM included), so SIGTERM would sit pending. The
        // server keeps nothing on disk, so there is nothing a graceful stop would save.
        _ = Glibc.kill(pid, SIGKILL)
        while !exited(pid) { usleep(1000) }
        // Not waitUntilExit: Foundation reaps the zombie on its own, and waiting for that
        // can take seconds outside a run loop.
    }

    /// Whether the process is gone or a zombie: Foundation's `isRunning` only changes once
    /// its own monitor reaps the child, which can lag by seconds outside a run loop.
    private static func exited(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    private static func findBinary() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin"] {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent("redis-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// A port nobody listens on right now (the kernel's pick for port 0).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawClient.ClientError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw RawClient.ClientError(description: "bind to port 0: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Polls (every 5 ms, for at most 10 s) until the server answers PING with any RESP reply
    /// (-NOAUTH counts: it is up); false when the process exits first.
    private static func waitUntilAnswering(port: Int, process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !exited(process.processIdentifier) {
            if let client = try? RawClient(port: port, timeoutSeconds: 1) {
                try? client.send("PING\r\n")
                var first: UInt8 = 0
                if recv(client.fd, &first, 1, 0) == 1, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { return true }
            }
            usleep(5000)
        }
        return false
    }
}
