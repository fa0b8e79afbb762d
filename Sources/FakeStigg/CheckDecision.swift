import SidecarModel

/// The query of `GET /api/v1/customers/{id}/entitlements/check` (STIGG-API.md §3.1).
struct CheckQuery {
    var featureId: String?
    var currencyId: String?
    var requestedUsage: Double?
    var requestedValues: [String] = []
    var resourceId: String?

    /// Stigg's behaviour for bad combinations is unconfirmed (§9 item 4); the fake answers 400,
    /// as the sidecar does (DESIGN.md §11).
    init(_ parameters: [String: String]) throws(FakeError) {
        for name in ["featureId", "currencyId", "resourceId", "requestedUsage"] where parameters[name] == "" {
            throw .badRequest("\(name) must not be empty")
        }
        featureId = parameters["featureId"]
        currencyId = parameters["currencyId"]
        resourceId = parameters["resourceId"]
        guard (featureId == nil) != (currencyId == nil) else {
            throw .badRequest("exactly one of featureId and currencyId is required")
        }
        if let text = parameters["requestedUsage"] {
            guard let value = Double(text), value.isFinite, value >= 0 else {
                throw .badRequest("requestedUsage must be a number >= 0")
            }
            requestedUsage = value
        }
        // The SDKs join arrays with commas (STIGG-API.md §1.5).
        requestedValues = (parameters["requestedValues"] ?? "").split(separator: ",").map(String.init)
    }
}

/// A deliberately simple stand-in for Stigg's decision, on the stored JSON: enough for a
/// sidecar test to see grants and the usual denial reasons, not a model of Stigg's engine.
enum CheckDecision {
    static func decide(state: JSONValue, query: CheckQuery, enumValues: Set<String>, now: String) -> JSONValue {
        let stateReason = state["accessDeniedReason"]?.stringValue
        guard var found = find(in: state["entitlements"]?.arrayValue ?? [], query) else {
            return notFound(query, reason: stateReason, now: now)
        }
        if let stateReason { return denied(found, stateReason) }
        guard found["isGranted"]?.boolValue == true else { return found }
        let requested = query.requestedUsage
        if query.currencyId != nil {
            let limit = found["usageLimit"]?.numberValue ?? 0
            let current = found["currentUsage"]?.numberValue ?? 0
            return fits(current, requested, limit) ? found : denied(found, "InsufficientCredits")
        }
        if found["feature"]?["featureType"]?.stringValue == "ENUM", !query.requestedValues.isEmpty {
            let granted = query.requestedValues.allSatisfy(enumValues.contains)
            return granted ? found : denied(found, "RequestedValuesMismatch")
        }
        guard found["hasUnlimitedUsage"]?.boolValue != true,
              let limit = found["usageLimit"]?.numberValue else { return found }
        let current = found["currentUsage"]?.numberValue ?? 0
        if !fits(current, requested, limit) { found = denied(found, "RequestedUsageExceedingLimit") }
        return found
    }

    /// DESIGN.md §11's rule, so fake and sidecar agree: `requestedUsage=0` reads the state
    /// (`<=`), an omitted one asks for "one more" (`<`).
    static func fits(_ current: Double, _ requested: Double?, _ limit: Double) -> Bool {
        guard let requested else { return current < limit }
        return current + requested <= limit
    }

    /// The answer when the customer, resource or entitlement is missing, with `reason` or the
    /// usual one for a missing entitlement.
    static func notFound(_ query: CheckQuery, reason: String?, now: String) -> JSONValue {
        guard let currencyId = query.currencyId else {
            return .object([
                "type": .string("FEATURE"), "isGranted": .bool(false),
                "accessDeniedReason": .string(reason ?? "NoFeatureEntitlementInSubscription"),
            ])
        }
        // CREDIT requires currency, currentUsage, usageLimit and usageUpdatedAt (§2).
        return .object([
            "type": .string("CREDIT"), "isGranted": .bool(false),
            "accessDeniedReason": .string(reason ?? "EntitlementNotFound"),
            "currency": .object(["currencyId": .string(currencyId), "displayName": .string(currencyId)]),
            "currentUsage": .number(0), "usageLimit": .number(0), "usageUpdatedAt": .string(now),
        ])
    }

    private static func find(in entitlements: [JSONValue], _ query: CheckQuery) -> JSONValue? {
        entitlements.first { entitlement in
            if let featureId = query.featureId {
                // Older docs spell the feature id `refId` (STIGG-API.md §2 notes).
                let feature = entitlement["feature"]
                return entitlement["type"]?.stringValue == "FEATURE"
                    && (feature?["id"]?.stringValue ?? feature?["refId"]?.stringValue) == featureId
            }
            return entitlement["type"]?.stringValue == "CREDIT"
                && entitlement["currency"]?["currencyId"]?.stringValue == query.currencyId
        }
    }

    private static func denied(_ entitlement: JSONValue, _ reason: String) -> JSONValue {
        var result = entitlement
        result.set("isGranted", .bool(false))
        result.set("accessDeniedReason", .string(reason))
        return result
    }
}
