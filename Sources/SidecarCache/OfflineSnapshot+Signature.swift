import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension OfflineSnapshot {
    /// What identifies one version of a snapshot file: a restart that finds the same size,
    /// modification time and content hash reuses the states imported last time instead of
    /// parsing the file again (DESIGN.md §9). The hash catches an edit that kept both size and
    /// mtime (`touch -r`); it guards against accidents, not against an adversary, who could
    /// as well edit the database.
    public struct Signature: Sendable, Equatable {
        public var size: Int64
        /// Seconds since 1970, with the file system's sub-second part.
        public var modifiedAt: Double
        /// 64-bit hash of the content, as 16 hex digits.
        public var hash: String

        public init(size: Int64, modifiedAt: Double, hash: String) {
            self.size = size
            self.modifiedAt = modifiedAt
            self.hash = hash
        }

        /// Reads `path` once, a megabyte at a time, so a large file costs no memory.
        public static func of(path: String) throws(OfflineSnapshotError) -> Signature {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw OfflineSnapshotError(file: path, reason: "cannot read the offline snapshot: \(String(cString: strerror(errno)))")
            }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else {
                throw OfflineSnapshotError(file: path, reason: "cannot read the offline snapshot: \(String(cString: strerror(errno)))")
            }
            var hasher = ContentHasher()
            let chunk = 1 << 20
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 8)
            defer { buffer.deallocate() }
            while true {
                let n = read(fd, buffer.baseAddress, chunk)
                if n == 0 { break }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OfflineSnapshotError(file: path, reason: "cannot read the offline snapshot: \(String(cString: strerror(errno)))")
                }
                hasher.combine(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            }
            let modifiedAt = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            return Signature(size: Int64(info.st_size), modifiedAt: modifiedAt, hash: hasher.finish())
        }
    }
}

/// A fast 64-bit content hash: eight bytes per step (multiply and xor-shift), so a 71 MiB file
/// hashes in tens of milliseconds. Chunk boundaries do not change the result.
struct ContentHasher {
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var length: UInt64 = 0
    /// Bytes held back until a whole word is there.
    private var pending: UInt64 = 0
    private var pendingCount = 0

    mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        let count = bytes.count
        length &+= UInt64(count)
        while pendingCount != 0 && index < count {
            push(bytes[index])
            index += 1
        }
        while index + 8 <= count {
            mix(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            index += 8
        }
        while index < count {
            push(bytes[index])
            index += 1
        }
    }

    private mutating func push(_ byte: UInt8) {
        pending |= UInt64(byte) << (8 * UInt64(pendingCount))
        pendingCount += 1
        if pendingCount == 8 {
            mix(pending)
            pending = 0
            pendingCount = 0
        }
    }

    private mutating func mix(_ word: UInt64) {
        state = (state ^ word) &* 0xFF51_AFD7_ED55_8CCD
        state ^= state >> 32
    }

    mutating func finish() -> String {
        if pendingCount > 0 { mix(pending ^ 0x80) }
        mix(length)
        var h = state
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
