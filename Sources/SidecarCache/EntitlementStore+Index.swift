import SidecarModel

extension EntitlementStore {
    /// The decoded states in memory, by customer. Keyed by customer id rather than by
    /// `StateKey`: almost every customer has one state, so an entry is the id (sharing the
    /// state's own string) and one reference, and "is this customer known at all" (to tell an
    /// unknown customer from an unknown resource, DESIGN.md §11) needs no second table.
    /// 100,000 hot customers must fit in 96 MiB (§9).
    struct Index {
        private enum Entry {
            case one(CachedState)
            /// Resource-scoped customers: a handful of states, found by a scan.
            case several([CachedState])

            var states: [CachedState] {
                switch self {
                case .one(let state): [state]
                case .several(let states): states
                }
            }
        }

        private var customers: [String: Entry] = [:]
        private(set) var count = 0

        subscript(key: StateKey) -> CachedState? {
            switch customers[key.customerId] {
            case .one(let state): state.key.resourceId == key.resourceId ? state : nil
            case .several(let states): states.first { $0.key.resourceId == key.resourceId }
            case nil: nil
            }
        }

        func hasCustomer(_ customerId: String) -> Bool { customers[customerId] != nil }

        /// The customer's states in memory, every resource.
        func states(of customerId: String) -> [CachedState] { customers[customerId]?.states ?? [] }

        /// Every state in memory (a copy of the references).
        var values: [CachedState] {
            var all: [CachedState] = []
            all.reserveCapacity(count)
            for entry in customers.values {
                switch entry {
                case .one(let state): all.append(state)
                case .several(let states): all.append(contentsOf: states)
                }
            }
            return all
        }

        mutating func insert(_ cached: CachedState) {
            let key = cached.key
            guard let entry = customers[key.customerId] else {
                customers[key.customerId] = .one(cached)
                count += 1
                return
            }
            var states = entry.states
            if let at = states.firstIndex(where: { $0.key.resourceId == key.resourceId }) {
                states[at] = cached
            } else {
                states.append(cached)
                count += 1
            }
            customers[key.customerId] = states.count == 1 ? .one(states[0]) : .several(states)
        }

        mutating func remove(_ key: StateKey) {
            guard let entry = customers[key.customerId] else { return }
            var states = entry.states
            guard let at = states.firstIndex(where: { $0.key.resourceId == key.resourceId }) else { return }
            states.remove(at: at)
            count -= 1
            switch states.count {
            case 0: customers[key.customerId] = nil
            case 1: customers[key.customerId] = .one(states[0])
            default: customers[key.customerId] = .several(states)
            }
        }
    }
}
