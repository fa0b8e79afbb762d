import SidecarModel

/// Every Redis key of one namespace. Ids are escaped (`%` → `%25`, `:` → `%3A`) so a customer
/// id with a colon cannot collide with another customer's resource key.
struct FleetKeys: Sendable {
    let namespace: String

    var changes: String { "\(namespace):changes" }

    func state(_ key: StateKey) -> String { "\(namespace):state:\(Self.segment(key))" }

    /// Upstream said the key does not exist: its time in ms, for the not-found TTL.
    func notFound(_ key: StateKey) -> String { "\(namespace):notfound:\(Self.segment(key))" }

    func lease(_ key: StateKey) -> String { "\(namespace):lease:\(Self.segment(key))" }

    /// The resources of one customer shared so far ('' for the customer's own state).
    func resources(_ customerId: String) -> String { "\(namespace):resources:\(Self.escape(customerId))" }

    func bucket(_ budget: FleetBudget) -> String { "\(namespace):budget:\(budget.rawValue)" }

    func webhook(_ messageId: String) -> String { "\(namespace):webhook:\(Self.escape(messageId))" }

    /// `customer:resource`, the resource empty when there is none (resource ids are 1–255 chars).
    static func segment(_ key: StateKey) -> String {
        escape(key.customerId) + ":" + escape(key.resourceId ?? "")
    }

    /// The key a `state(_:)` name stands for; nil for any other name.
    func stateKey(fromName name: String) -> StateKey? {
        let prefix = "\(namespace):state:"
        guard name.hasPrefix(prefix) else { return nil }
        let parts = name.dropFirst(prefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return nil }
        let resource = Self.unescape(parts[1])
        return StateKey(customerId: Self.unescape(parts[0]), resourceId: resource.isEmpty ? nil : resource)
    }

    static func unescape(_ segment: Substring) -> String {
        guard segment.contains("%") else { return String(segment) }
        return String(segment).replacing("%3A", with: ":").replacing("%25", with: "%")
    }

    static func escape(_ id: String) -> String {
        guard id.contains(where: { $0 == "%" || $0 == ":" }) else { return id }
        return id.replacing("%", with: "%25").replacing(":", with: "%3A")
    }
}
