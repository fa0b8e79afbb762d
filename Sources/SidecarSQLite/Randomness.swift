import CSQLite

/// SQLite's own generator (ChaCha20 since 3.40, seeded once from the operating system and
/// guarded by SQLite's PRNG mutex): random bytes without a system call each. Record ids drew
/// two `getrandom(2)` calls apiece, about 4% of the sidecar's CPU per usage record.
public enum Randomness {
    /// Two random 64-bit words.
    public static func next128() -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { sqlite3_randomness(Int32($0.count), $0.baseAddress) }
        return words
    }
}
