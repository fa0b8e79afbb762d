#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization
import SidecarRedis
import SidecarTestSupport

func elapsed<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try await body()
    return (value, clock.now - start)
}

extension RedisConfiguration {
    static func local(_ server: RedisServer, timeout: Duration = .milliseconds(50)) -> RedisConfiguration {
        RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: server.port), commandTimeout: timeout)
    }
}

extension Result where Failure == RedisError {
    var error: RedisError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// A TCP listener on a free loopback port that plays a misbehaving server: it answers the
/// n-th read from a client with `replies[n]`, then keeps the connection open so the client,
/// not the server, must decide the stream is broken.
final class FakeServer: Sendable {
    let port: Int
    private let listener: Int32
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    convenience init(reply: String) throws { try self.init(replies: [Array(reply.utf8)]) }

    init(replies: [[UInt8]]) throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = listener
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard ok else { throw RedisError.connectFailed(endpoint: "fake", reason: "bind: errno \(errno)") }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { break }
                var buffer = [UInt8](repeating: 0, count: 4096)
                var next = 0
                while recv(client, &buffer, buffer.count, 0) > 0 {
                    guard next < replies.count else { continue }
                    _ = replies[next].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    next += 1
                }
                close(client)
                if stopped.withLock({ $0 }) { break }
            }
            done.signal()
        }
    }

    func stop() {
        stopped.withLock { $0 = true }
        shutdown(listener, Int32(SHUT_RDWR))
        done.wait()
        close(listener)
    }
}
