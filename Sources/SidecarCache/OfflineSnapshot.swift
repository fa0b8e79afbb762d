import SidecarModel
// The offline snapshot (DESIGN.md §5): Stigg entitlement states for demo or air-gapped use,
// one element per (customer, resource). Loaded once at start-up; lookups are pure.

public struct OfflineSnapshot: Sendable {
    public struct Entry: Sendable, Equatable {
        public var customerId: String
        public var resourceId: String?
        public var state: EntitlementsState

        public init(customerId: String, resourceId: String?, state: EntitlementsState) {
            self.customerId = customerId
            self.resourceId = resourceId
            self.state = state
        }

        public var key: StateKey { StateKey(customerId: customerId, resourceId: resourceId) }
    }

    /// How a snapshot answers for one (customer, resource), per DESIGN.md §11.
    public enum Resolution: Sendable, Equatable {
        case state(EntitlementsState)
        /// The customer is in the snapshot but not with this resource: checks deny with
        /// `CustomerResourceNotFound` (pass a nil state to `decide`), listings answer 404.
        case resourceNotFound
        /// The customer is not in the snapshot at all: the fallback path answers.
        case customerNotFound
    }

    /// In file order.
    public let entries: [Entry]
    private let index: [StateKey: Int]
    private let customers: Set<String>

    /// Fails on two entries for the same (customer, resource): which one should win is not
    /// something to guess about.
    public init(entries: [Entry]) throws(OfflineSnapshotError) {
        var index: [StateKey: Int] = [:]
        for (position, entry) in entries.enumerated() {
            if let first = index.updateValue(position, forKey: entry.key) {
                throw OfflineSnapshotError(
                    reason: "customers[\(position)]: duplicate state for \(entry.key), first given at customers[\(first)]")
            }
        }
        self.entries = entries
        self.index = index
        self.customers = Set(entries.map(\.customerId))
    }

    public func state(for key: StateKey) -> EntitlementsState? {
        index[key].map { entries[$0].state }
    }

    public func resolve(_ key: StateKey) -> Resolution {
        if let state = state(for: key) { return .state(state) }
        return customers.contains(key.customerId) ? .resourceNotFound : .customerNotFound
    }
}

/// Why a snapshot could not be loaded. `description` reads like a compiler diagnostic,
/// `file:line:column: reason`, so editors and terminals can jump to it.
public struct OfflineSnapshotError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var reason: String

    public init(file: String? = nil, line: Int? = nil, column: Int? = nil, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        var prefix = file.map { "\($0):" } ?? ""
        if let line, let column {
            prefix += file == nil ? "line \(line), column \(column): " : "\(line):\(column): "
        } else if !prefix.isEmpty {
            prefix += " "
        }
        return prefix + reason
    }
}
