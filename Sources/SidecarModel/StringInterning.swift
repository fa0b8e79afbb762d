import Synchronization

/// One shared copy of the strings that many decoded states repeat: feature ids, display
/// names and period timestamps are the same for every customer on a plan, and each heap
/// string costs ~64 bytes per state (DESIGN.md §9: 100,000 hot customers in 96 MiB).
/// Strings of up to 15 UTF-8 bytes are stored inline and need no sharing. The table is bounded:
/// past `limit` distinct strings it starts over, which only stops sharing for a while.
enum StringInterning {
    private static let interner = Interner<String>(limit: 1 << 16)

    static func shared(_ string: String) -> String {
        guard string.utf8.count > 15 else { return string }
        return interner.shared(string)
    }
}

/// A bounded table of shared values: `shared` answers the copy stored first for an equal
/// value. Past `limit` distinct values the table starts over, which only stops sharing for a
/// while; what the table holds stays alive, so `limit` bounds that cost too.
final class Interner<Element: Hashable & Sendable>: Sendable {
    private let table = Mutex<Set<Element>>([])
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func shared(_ value: Element) -> Element {
        table.withLock { table in
            if table.count >= limit, !table.contains(value) { table.removeAll(keepingCapacity: true) }
            return table.insert(value).memberAfterInsert
        }
    }
}

extension FieldReader {
    /// `string`, sharing storage with equal strings decoded before (entitlement fields that
    /// repeat across customers; not for ids or values that differ per customer).
    func sharedString(_ key: String) throws(EntitlementDecodingError) -> String? {
        try string(key).map(StringInterning.shared)
    }

    /// `timestamp`, its text shared as `sharedString` does.
    func sharedTimestamp(_ key: String) throws(EntitlementDecodingError) -> Timestamp? {
        try timestamp(key).map { Timestamp(sharing: $0) }
    }
}

extension Timestamp {
    init(sharing timestamp: Timestamp) {
        self.init(text: StringInterning.shared(timestamp.text), date: timestamp.date)
    }
}
