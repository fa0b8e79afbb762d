import SidecarModel

/// Every Redis key of one namespace. Ids are escaped (`%` → `%25`, `:` → `%3A`) so a customer
/// id with a colon cannot collide with another customer's resource key.
struct FleetKeys: Sendable {
    let namespace: String

    var changes: String { "\(namespace):changes" }

    func state(_ key: StateKey) -> String { "\(namespace):state:\(Self.segment(key))" }

    func lease(_ key: StateKey) -> String { "\(namespace):lease:\(Self.segment(key))" }

    /// The resources of one customer shared so far ('' for the customer's own state).
    func resources(_ customerId: String) -> String { "\(namespace):resources:\(Self.escape(customerId))" }

    func bucket(_ budget: FleetBudget) -> String { "\(namespace):budget:\(budget.rawValue)" }

    func webhook(_ messageId: String) -> String { "\(namespace):webhook:\(Self.escape(messageId))" }

    /// `customer:resource`, the resource empty when there is none (resource ids are 1–255 chars).
    static func segment(_ key: StateKey) -> String {
        escape(key.customerId) + ":" + escape(key.resourceId ?? "")
    }

    static func escape(_ id: String) -> String {
        guard id.contains(where: { $0 == "%" || $0 == ":" }) else { return id }
        return id.replacing("%", with: "%25").replacing(":", with: "%3A")
    }
}
