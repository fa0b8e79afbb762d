#if canImport(Glibc)
import Glibc
#endif

/// A socket address resolved ahead of connecting, so trying the next one needs no lookup.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t = 0
    var family: Int32 = 0
}

/// The syscalls the client needs, each turning errno into a `RedisError` that names the
/// endpoint (never the password).
enum RedisSocket {
    /// Resolves the endpoint. Host names are looked up with getaddrinfo, which may block on
    /// DNS: it runs on the client's own thread, never on a caller's.
    static func resolve(_ endpoint: RedisConfiguration.Endpoint) -> Result<[SocketAddress], RedisError> {
        switch endpoint {
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                return .failure(.connectFailed(endpoint: endpoint.description, reason: "socket path too long"))
            }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            var result = SocketAddress()
            result.family = AF_UNIX
            result.length = socklen_t(MemoryLayout<sockaddr_un>.size)
            withUnsafeMutableBytes(of: &result.storage) { $0.copyBytes(from: withUnsafeBytes(of: &address) { Array($0) }) }
            return .success([result])
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_NUMERICSERV
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let first = list else {
                let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
                return .failure(.connectFailed(endpoint: endpoint.description, reason: "cannot resolve host: \(reason)"))
            }
            defer { freeaddrinfo(first) }
            var addresses: [SocketAddress] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let info = cursor {
                var address = SocketAddress()
                address.family = info.pointee.ai_family
                address.length = info.pointee.ai_addrlen
                withUnsafeMutableBytes(of: &address.storage) { raw in
                    raw.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
                }
                addresses.append(address)
                cursor = info.pointee.ai_next
            }
            return .success(addresses)
        }
    }

    enum ConnectStart {
        case connected(Int32)
        case inProgress(Int32)
        case failed(Int32)  // errno
    }

    static func startConnect(_ address: SocketAddress) -> ConnectStart {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(errno) }
        if address.family != AF_UNIX {
            // Commands are small and latency is the point; Nagle would hold the second of
            // two writes until the first is acknowledged.
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var storage = address.storage
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, address.length) }
        }
        if result == 0 { return .connected(fd) }
        let code = errno
        if code == EINPROGRESS || code == EAGAIN { return .inProgress(fd) }
        close(fd)
        return .failed(code)
    }

    /// The outcome of a non-blocking connect once the socket is writable: 0 or an errno.
    static func pendingError(_ fd: Int32) -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else { return errno }
        return code
    }

    static func connectError(_ code: Int32, endpoint: RedisConfiguration.Endpoint) -> RedisError {
        switch code {
        case ECONNREFUSED: .connectionRefused(endpoint: endpoint.description)
        case ENOENT: .connectFailed(endpoint: endpoint.description, reason: "no such socket file")
        default: .connectFailed(endpoint: endpoint.description, reason: String(cString: strerror(code)))
        }
    }
}

/// Monotonic nanoseconds, for deadlines.
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Wall-clock seconds since 1970, for the status's timestamps.
func wallClockSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
