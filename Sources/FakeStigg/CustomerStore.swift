import Foundation
import SidecarModel

/// One customer in `GET /api/v1/customers` order. `seq` only grows, so a cursor (which encodes
/// a seq) stays meaningful after the customer it names is removed.
struct CustomerRow: Sendable {
    let seq: Int
    let id: String
    /// Synthetic customers have no state of their own until usage changes it; they read the
    /// shared template. That keeps `addSyntheticCustomers(count: 100_000)` to one row each.
    let synthetic: Bool
}

/// What a (customer, resource) lookup found.
enum StateLookup {
    case state(JSONValue)
    case unknownCustomer
    case unknownResource
}

/// Customers, their entitlement states and per-feature enum values. Not thread-safe: it lives
/// inside the fake's Mutex.
struct CustomerStore {
    private(set) var rows: [CustomerRow] = []
    private var seqById: [String: Int] = [:]
    private var nextSeq = 1
    private var states: [StateKey: JSONValue] = [:]
    /// Resource ids per customer, in the order they were first set.
    private(set) var resources: [String: [String]] = [:]
    private var enumValues: [String: [String: Set<String>]] = [:]
    var syntheticTemplate: JSONValue = DemoData.syntheticTemplate()
    private var syntheticCount = 0

    static let emptyState: JSONValue = .object(["accessDeniedReason": .null, "entitlements": .array([])])

    var count: Int { rows.count }

    func contains(_ customerId: String) -> Bool { seqById[customerId] != nil }

    func seq(of customerId: String) -> Int? { seqById[customerId] }

    mutating func setState(customerId: String, resourceId: String?, state: JSONValue) {
        addRow(customerId, synthetic: false)
        states[StateKey(customerId: customerId, resourceId: resourceId)] = state
        if let resourceId, !(resources[customerId] ?? []).contains(resourceId) {
            resources[customerId, default: []].append(resourceId)
        }
    }

    mutating func remove(_ customerId: String) {
        guard let seq = seqById.removeValue(forKey: customerId) else { return }
        rows.remove(at: firstIndex(afterOrAt: seq))
        states[StateKey(customerId: customerId)] = nil
        for resourceId in resources.removeValue(forKey: customerId) ?? [] {
            states[StateKey(customerId: customerId, resourceId: resourceId)] = nil
        }
        enumValues[customerId] = nil
    }

    /// Adds `count` customers named `synthetic-000001`, ... (numbering continues across calls).
    mutating func addSynthetic(count: Int) {
        rows.reserveCapacity(rows.count + count)
        for _ in 0..<max(0, count) {
            syntheticCount += 1
            let digits = String(syntheticCount)
            addRow("synthetic-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits, synthetic: true)
        }
    }

    func lookup(customerId: String, resourceId: String?) -> StateLookup {
        guard let seq = seqById[customerId] else { return .unknownCustomer }
        if let state = states[StateKey(customerId: customerId, resourceId: resourceId)] { return .state(state) }
        if resourceId != nil { return .unknownResource }
        // A customer created through a resource-level state alone has an empty top level.
        return .state(rows[firstIndex(afterOrAt: seq)].synthetic ? syntheticTemplate : Self.emptyState)
    }

    /// Applies one usage report to the FEATURE entitlement's `currentUsage` (DELTA adds, SET
    /// replaces) and returns the updated entitlement; nil when the state has no such feature.
    mutating func applyUsage(customerId: String, resourceId: String?, featureId: String, value: Double, set: Bool) -> JSONValue? {
        let key = StateKey(customerId: customerId, resourceId: resourceId)
        guard case .state(var state) = lookup(customerId: customerId, resourceId: resourceId),
              var list = state["entitlements"]?.arrayValue,
              let index = list.firstIndex(where: {
                  $0["type"]?.stringValue == "FEATURE" && $0["feature"]?["id"]?.stringValue == featureId
              }) else { return nil }
        // Each level is taken out of its parent before it changes, so nothing is shared and
        // nothing is copied: the whole state was copied per record before.
        states[key] = nil
        state.set("entitlements", .null)
        var entitlement = list[index]
        list[index] = .null
        let current = entitlement["currentUsage"]?.numberValue ?? 0
        entitlement.set("currentUsage", .number(set ? value : current + value))
        list[index] = entitlement
        state.set("entitlements", .array(list))
        states[key] = state
        return entitlement
    }

    mutating func setEnumValues(customerId: String, featureId: String, values: [String]) {
        enumValues[customerId, default: [:]][featureId] = Set(values)
    }

    func enumValues(customerId: String, featureId: String) -> Set<String> {
        enumValues[customerId]?[featureId] ?? []
    }

    mutating func removeAll() {
        let template = syntheticTemplate
        self = CustomerStore()
        syntheticTemplate = template
    }

    private mutating func addRow(_ id: String, synthetic: Bool) {
        guard seqById[id] == nil else { return }
        seqById[id] = nextSeq
        rows.append(CustomerRow(seq: nextSeq, id: id, synthetic: synthetic))
        nextSeq += 1
    }

    /// Index of the first row whose seq is >= `seq` (binary search; rows are sorted by seq).
    func firstIndex(afterOrAt seq: Int) -> Int {
        var low = 0
        var high = rows.count
        while low < high {
            let mid = (low + high) / 2
            if rows[mid].seq < seq { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
