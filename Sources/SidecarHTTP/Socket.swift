#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSidecarShims

/// The errors SidecarHTTP throws: starting a server, listening, accepting. A system call's
/// errno is captured at the call, and the address it was for is named.
public enum SocketError: Error, CustomStringConvertible, Equatable, Sendable {
    case resolve(host: String, reason: String)
    /// `address` is what the call was for (`127.0.0.1:8787`, `[::1]:8787`, a socket path).
    case system(call: String, address: String?, errno: Int32)
    case unixSocket(path: String, reason: String)

    public var description: String {
        switch self {
        case .resolve(let host, let reason):
            return "cannot resolve listen address \(host): \(reason)"
        case .system(let call, let address, let code):
            let failure = "\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
            return address.map { "cannot listen on \($0): \(failure)" } ?? failure
        case .unixSocket(let path, let reason):
            return "cannot listen on unix socket \(path): \(reason)"
        }
    }

    /// Reads errno now: call it right after the failing call, before anything can change it.
    static func last(_ call: String, address: String? = nil) -> SocketError {
        .system(call: call, address: address, errno: errno)
    }
}

enum Socket {
    /// Binds and listens on host:port (port 0 picks a free one); returns the fd and the bound port.
    static func listenTCP(host: String, port: Int, backlog: Int32 = 1024) throws -> (fd: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw SocketError.resolve(host: host, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(first) }
        var lastError = SocketError.resolve(host: host, reason: "no usable address")
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            do {
                let fd = try bindAndListen(info.pointee, backlog: backlog)
                return (fd, try boundPort(fd))
            } catch let error as SocketError {
                lastError = error
            }
        }
        throw lastError
    }

    private static func bindAndListen(_ info: addrinfo, backlog: Int32) throws -> Int32 {
        let address = numericAddress(info)
        // Close-on-exec like every other descriptor of ours: a program started meanwhile must
        // not keep the port bound after the server is gone.
        let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
        guard fd >= 0 else { throw SocketError.last("socket", address: address) }
        do {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            guard bind(fd, info.ai_addr, info.ai_addrlen) == 0 else { throw SocketError.last("bind", address: address) }
            guard listen(fd, backlog) == 0 else { throw SocketError.last("listen", address: address) }
            try setNonBlocking(fd)
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// `127.0.0.1:8787` or `[::1]:8787`: the address as bound, whatever name it was given as.
    private static func numericAddress(_ info: addrinfo) -> String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        guard getnameinfo(info.ai_addr, info.ai_addrlen, &host, socklen_t(host.count), &service, socklen_t(service.count),
                          NI_NUMERICHOST | NI_NUMERICSERV) == 0 else { return "(unprintable address)" }
        let name = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let port = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return info.ai_family == AF_INET6 ? "[\(name)]:\(port)" : "\(name):\(port)"
    }

    /// Binds and listens on a Unix-domain socket at `path`, file mode `mode` (0600: only the
    /// owner's processes may connect). A stale socket file left by a crash is replaced; any
    /// other kind of file there is refused.
    static func listenUnix(path: String, mode: mode_t = 0o600, backlog: Int32 = 1024) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw SocketError.unixSocket(path: path, reason: "the path must be shorter than \(capacity) bytes")
        }
        var existing = stat()
        if lstat(path, &existing) == 0 {
            guard (existing.st_mode & S_IFMT) == S_IFSOCK else {
                throw SocketError.unixSocket(path: path, reason: "the path exists and is not a socket")
            }
            _ = unlink(path)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)
        #endif
        guard fd >= 0 else { throw SocketError.last("socket", address: path) }
        do {
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0 else { throw SocketError.last("bind", address: path) }
            // Before listen(): until then nobody can connect, whatever the umask gave the file.
            guard chmod(path, mode) == 0 else { throw SocketError.last("chmod", address: path) }
            guard listen(fd, backlog) == 0 else { throw SocketError.last("listen", address: path) }
            try setNonBlocking(fd)
            return fd
        } catch {
            close(fd)
            _ = unlink(path)
            throw error
        }
    }

    static func boundPort(_ fd: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { throw SocketError.last("getsockname") }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    static func setNonBlocking(_ fd: Int32) throws {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw SocketError.last("fcntl") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws {
        var v = value
        guard setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError.last("setsockopt")
        }
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec socket.
    static func accept(_ listener: Int32) -> Result<Int32, SocketError> {
        let fd = sidecar_accept_nonblocking(listener)
        guard fd >= 0 else { return .failure(.last("accept")) }
        #if !canImport(Glibc)
        try? setNonBlocking(fd)
        #endif
        // Responses go out in one write; Nagle would hold the tail back for an ACK.
        try? setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        return .success(fd)
    }
}
