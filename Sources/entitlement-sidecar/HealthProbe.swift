import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One `GET /readyz` over a plain socket. Not the upstream HTTP client: libcurl honours `http_proxy` from a container's environment and needs URL syntax for every
/// address; a socket reaches IPv4, IPv6 and Unix-domain listeners alike, within a deadline.
enum HealthProbe {
    enum Target: CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unix(path: String)

        var description: String {
            switch self {
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unix(let path): path
            }
        }
    }

    struct Answer {
        let status: Int
        let body: String
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Asks each target in turn until one connects; its answer (or failure) is the result.
    static func readyz(targets: [Target], within timeout: Duration) throws(Failure) -> Answer {
        let deadline = ContinuousClock.now + timeout
        var failure = Failure(description: "nowhere to ask: no TCP port and no Unix socket")
        for target in targets {
            let fd: Int32
            do {
                fd = try connect(target, deadline: deadline)
            } catch {
                failure = error
                continue
            }
            defer { close(fd) }
            let host = if case .tcp = target { target.description } else { "localhost" }
            try send(fd, Array("GET /readyz HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8), deadline: deadline)
            return try parse(receive(fd, deadline: deadline))
        }
        throw failure
    }

    private static func connect(_ target: Target, deadline: ContinuousClock.Instant) throws(Failure) -> Int32 {
        switch target {
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            guard path.utf8.count < capacity else { throw Failure(description: "\(path): path too long for a Unix socket") }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8 + [0]) }
            return try withUnsafeBytes(of: &address) { raw throws(Failure) in
                try connect(family: AF_UNIX, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(MemoryLayout<sockaddr_un>.size), target, deadline)
            }
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_NUMERICSERV
            var list: UnsafeMutablePointer<addrinfo>?
            let rc = getaddrinfo(host, String(port), &hints, &list)
            guard rc == 0, let first = list else { throw Failure(description: "\(target): \(String(cString: gai_strerror(rc)))") }
            defer { freeaddrinfo(first) }
            var failure = Failure(description: "\(target): no address")
            var next: UnsafeMutablePointer<addrinfo>? = first
            while let info = next {
                next = info.pointee.ai_next
                do {
                    return try connect(family: info.pointee.ai_family, info.pointee.ai_addr, info.pointee.ai_addrlen, target, deadline)
                } catch {
                    failure = error
                }
            }
            throw failure
        }
    }

    private static func connect(
        family: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t, _ target: Target, _ deadline: ContinuousClock.Instant
    ) throws(Failure) -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "\(target): socket: \(String(cString: strerror(errno)))") }
        if Glibc.connect(fd, address, length) != 0 {
            guard errno == EINPROGRESS else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw Failure(description: "\(target): \(reason)")
            }
            var code: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard wait(fd, for: Int16(POLLOUT), until: deadline), getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size) == 0, code == 0 else {
                close(fd)
                throw Failure(description: "\(target): \(code == 0 ? "timed out connecting" : String(cString: strerror(code)))")
            }
        }
        return fd
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8], deadline: ContinuousClock.Instant) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            guard n < 0, errno == EAGAIN || errno == EINTR, wait(fd, for: Int16(POLLOUT), until: deadline) else {
                throw Failure(description: "sending the request: \(n < 0 ? String(cString: strerror(errno)) : "timed out")")
            }
        }
    }

    /// Reads until the server closes (the request said `Connection: close`), at most 64 KiB.
    private static func receive(_ fd: Int32, deadline: ContinuousClock.Instant) throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while bytes.count < 64 << 10 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { bytes += chunk[..<n]; continue }
            if n == 0 { break }
            guard errno == EAGAIN || errno == EINTR else { throw Failure(description: "reading the answer: \(String(cString: strerror(errno)))") }
            guard wait(fd, for: Int16(POLLIN), until: deadline) else { throw Failure(description: "timed out waiting for the answer") }
        }
        return bytes
    }

    /// Waits for `events` on `fd`; false when the deadline passes first.
    private static func wait(_ fd: Int32, for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return false }
            var poller = pollfd(fd: fd, events: events, revents: 0)
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let rc = poll(&poller, 1, milliseconds)
            if rc > 0 { return true }
            if rc < 0, errno != EINTR { return false }
        }
    }

    private static func parse(_ bytes: [UInt8]) throws(Failure) -> Answer {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { throw Failure(description: "no complete HTTP answer (\(bytes.count) bytes)") }
        let statusLine = text[..<headEnd.lowerBound].prefix { $0 != "\r" }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw Failure(description: "not an HTTP answer: \(statusLine)")
        }
        return Answer(status: status, body: String(text[headEnd.upperBound...]))
    }
}
