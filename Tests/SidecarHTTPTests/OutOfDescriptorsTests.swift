#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Dispatch
import SidecarHTTP
import SidecarTestSupport
import Testing

@Suite("HTTP server out of descriptors")
struct OutOfDescriptorsTests {
    /// In a child process, whose descriptor limit is lowered until the server can hold one
    /// more connection: three clients connect, the first is served, the others wait in the
    /// backlog, and each is served once the one before it closes.
    @Test("connections past the descriptor limit wait in the backlog and are served as descriptors free up")
    func backlogIsServedLater() async {
        await #expect(processExitsWith: .success) {
            let server = try makeServer()
            // Whatever the server and Dispatch open lazily (the loops' first wakeups, the
            // timerfd behind asyncAfter) is opened now, while descriptors are plentiful.
            do {
                let warmUp = try RawClient(port: server.port)
                try warmUp.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                guard try warmUp.readResponse()?.status == 200 else { exit(7) }
            }
            guard waitUntil({ server.connectionCount == 0 }) else { exit(8) }
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(1)) { continuation.resume() }
            }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(server.port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            // The clients' sockets exist before the limit is lowered; connecting needs no more.
            let clients = (0..<3).map { _ in socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            for fd in clients { setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) }
            var limit = rlimit()
            getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
            limit.rlim_cur = rlim_t(highestOpenDescriptor() + 8)
            guard setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { exit(2) }
            // Every free number taken but one: room for exactly one accepted connection.
            var fillers: [Int32] = []
            while case let fd = open("/dev/null", O_RDONLY), fd >= 0 { fillers.append(fd) }
            guard let spare = fillers.popLast() else { exit(6) }
            close(spare)
            for fd in clients {
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard connected == 0 else { exit(3) }
                let request = Array("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
                guard send(fd, request, request.count, 0) == request.count else { exit(4) }
            }
            for fd in clients {
                guard answered(fd) else { exit(5) }
                close(fd)
            }
            await server.shutdown(grace: .seconds(1))
        }
    }
}

@Suite("HTTP server released without a shutdown")
struct ReleasedServerTests {
    @Test("its listener is closed: connecting is refused, not left hanging")
    func listenerCloses() throws {
        var server: HTTPServer? = try makeServer()
        let port = try #require(server?.port)
        #expect(port > 0)
        server = nil
        #expect(waitUntil { Self.refused(port) })
    }

    /// Refused outright; a listener nobody accepts on would take the connection into its backlog.
    private static func refused(_ port: Int) -> Bool {
        do {
            _ = try RawClient(port: port, timeoutSeconds: 1)
            return false
        } catch {
            return "\(error)".contains("errno \(ECONNREFUSED)")
        }
    }
}

/// The highest descriptor number in use.
private func highestOpenDescriptor() -> Int {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return names.compactMap(Int.init).max() ?? 0
}

/// Whether a whole `{"hello":"world"}` answer arrives within the receive timeout.
private func answered(_ fd: Int32) -> Bool {
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while !String(decoding: received, as: UTF8.self).contains(#"{"hello":"world"}"#) {
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        received += chunk[0..<count]
    }
    return true
}
