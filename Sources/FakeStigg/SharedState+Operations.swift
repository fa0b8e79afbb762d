import SidecarModel

// The operations behind both the Swift API (`FakeStigg`) and the HTTP control API, so the
// two cannot drift apart.

/// Why a state given to the fake was refused.
public struct FakeStiggInputError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

extension SharedState {
    func setEntitlements(customerId: String, resourceId: String?, json: [UInt8]) throws(FakeStiggInputError) {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(json)
        } catch {
            throw FakeStiggInputError(description: "entitlements state is not JSON: \(error)")
        }
        guard let state = JSONValue.entitlementsState(from: parsed) else {
            throw FakeStiggInputError(description: #"expected {"data":{...}}, {"entitlements":[...]} or [...]"#)
        }
        mutex.withLock { $0.store.setState(customerId: customerId, resourceId: resourceId, state: state) }
        announceChange(customerId: customerId, resourceId: resourceId)
    }

    func setSyntheticTemplate(json: [UInt8]) throws(FakeStiggInputError) {
        guard let parsed = try? JSONParser.parse(json), let state = JSONValue.entitlementsState(from: parsed) else {
            throw FakeStiggInputError(description: "synthetic template is not an entitlements state")
        }
        mutex.withLock { $0.store.syntheticTemplate = state }
    }

    /// The stored state as `{"data": state}` JSON (after any usage applied to it).
    func entitlementsJSON(customerId: String, resourceId: String?) -> String? {
        mutex.withLock { state in
            guard case .state(let value) = state.store.lookup(customerId: customerId, resourceId: resourceId) else { return nil }
            return JSONValue.data(value).jsonText
        }
    }

    func currentUsage(customerId: String, resourceId: String?, featureId: String) -> Double? {
        mutex.withLock { state in
            guard case .state(let value) = state.store.lookup(customerId: customerId, resourceId: resourceId) else { return nil }
            let entitlement = value["entitlements"]?.arrayValue?.first { $0["feature"]?["id"]?.stringValue == featureId }
            return entitlement?["currentUsage"]?.numberValue
        }
    }

    func seedDemo() {
        let demo = DemoData.customers()
        mutex.withLock { state in
            for customer in demo {
                state.store.setState(customerId: customer.id, resourceId: customer.resourceId, state: customer.state)
            }
            for (customerId, featureId, values) in DemoData.enumValues {
                state.store.setEnumValues(customerId: customerId, featureId: featureId, values: values)
            }
        }
    }

    /// Forgets records, counters and faults (releasing hung requests); with `data`, also every
    /// customer. The configuration stays.
    func reset(data: Bool) {
        clearFaults()
        mutex.withLock { state in
            state.ledger = UsageLedger()
            state.counters = CallCounters()
            if data { state.store.removeAll() }
        }
    }
}
