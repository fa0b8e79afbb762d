import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File access in POSIX terms, so a message carries the OS's own reason ("Permission
/// denied", "Is a directory") instead of Foundation's "NSCocoaErrorDomain error 256".
enum FileReading {
    struct Failure: Error {
        let reason: String
    }

    /// The OS's words for an errno value.
    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Reads a whole regular file of at most `limit` bytes (a device or a FIFO would never end).
    static func read(_ path: String, limit: Int) throws(Failure) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(reason: reason(errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(reason: reason(errno)) }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw Failure(reason: reason(EISDIR)) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw Failure(reason: "not a regular file") }
        guard Int(info.st_size) <= limit else { throw Failure(reason: "larger than \(limit) bytes") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw Failure(reason: reason(errno)) }
            if n == 0 { break }
            count += n
        }
        return Data(bytes[..<count])
    }

    /// nil when `path` names an existing directory this process may create files in;
    /// otherwise why not, in the OS's words.
    static func writableDirectoryProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            return code == ENOENT ? "directory \(path) does not exist (\(reason(code)))" : "directory \(path): \(reason(code))"
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { return "\(path) is not a directory (\(reason(ENOTDIR)))" }
        guard access(path, W_OK | X_OK) == 0 else { return "directory \(path) is not writable (\(reason(errno)))" }
        return nil
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}
