import CSQLite

/// SQLite's own generator (ChaCha20 since 3.40, seeded once from the operating system and
/// guarded by SQLite's PRNG mutex): random bytes without a system call each. Record ids drew
/// two `getrandom(2)` calls apiece, about 4% of the sidecar's CPU per usage record.
public enum Randomness {
    /// Drawn once per process from the operating system and mixed into every draw: were SQLite
    /// ever to seed itself from time and pid (it does when `/dev/urandom` cannot be opened),
    /// two sidecars started together would otherwise share a sequence, and record ids become
    /// upstream idempotency keys.
    private static let processKey = fromSystem()

    /// `sqlite3_randomness` writes nothing when SQLite cannot initialise; the system generator
    /// is used then.
    private static let sqliteReady = sqlite3_initialize() == SQLITE_OK

    /// Two random 64-bit words.
    public static func next128() -> (UInt64, UInt64) {
        guard sqliteReady else { return fromSystem() }
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { sqlite3_randomness(Int32($0.count), $0.baseAddress) }
        return (words.0 ^ processKey.0, words.1 ^ processKey.1)
    }

    private static func fromSystem() -> (UInt64, UInt64) {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }
}
