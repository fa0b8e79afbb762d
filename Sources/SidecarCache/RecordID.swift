import SidecarSQLite

/// Random (version 4) UUIDs in lowercase, the form of the ids usage and events are answered
/// with. Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` for each one, and
/// the system generator makes a `getrandom(2)` call per 64 bits: at 2,000 records a second
/// (the §9 mixed load) either showed in the profile. SQLite's generator, seeded once from the
/// operating system, makes none.
enum RecordID {
    static func random() -> String {
        let (high, low) = Randomness.next128()
        return format(high: high, low: low)
    }

    /// The 128 bits `high` then `low`, with the version (4) and variant (10xx) bits set,
    /// written 8-4-4-4-12.
    static func format(high: UInt64, low: UInt64) -> String {
        let high = (high & ~0xF000) | 0x4000  // version nibble: bits 12-15 of the third group
        let low = (low & ~(0xC << 60)) | (0x8 << 60)  // variant: the top two bits of the fourth group
        let hex = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var at = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[at] = hex[Int((value >> UInt64(shift)) & 0xF)]
                    at += 1
                }
            }
            func dash() {
                buffer[at] = UInt8(ascii: "-")
                at += 1
            }
            put(high >> 32, nibbles: 8); dash()
            put((high >> 16) & 0xFFFF, nibbles: 4); dash()
            put(high & 0xFFFF, nibbles: 4); dash()
            put(low >> 48, nibbles: 4); dash()
            put(low & 0xFFFF_FFFF_FFFF, nibbles: 12)
            return at
        }
    }
}
