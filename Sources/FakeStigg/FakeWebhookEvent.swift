import Foundation
import SidecarModel

/// Builds webhook bodies the way Stigg sends them (STIGG-API.md §6.3): one flat JSON object,
/// `type`, `messageId`, `traceId` and `timestamp` next to the event's own fields.
enum FakeWebhookEvent {
    /// `state` is the customer's state as the fake serves it (REST shape), turned into the
    /// GraphQL-style entitlements `entitlements.updated` carries.
    static func body(
        type: String, customerId: String?, resourceId: String?, messageId: String, state: JSONValue?,
        fields: [String: JSONValue], now: Date = Date()
    ) -> JSONValue {
        let timestamp = JSONValue.string(Timestamp.formatRFC3339(now))
        var event: [String: JSONValue] = [
            "type": .string(type), "messageId": .string(messageId),
            "traceId": .string(UUID().uuidString.lowercased()), "timestamp": timestamp,
            "environmentId": .string("fake-environment"),
        ]
        let resource: JSONValue = resourceId.map { .object(["id": .string($0), "entityId": .string($0)]) } ?? .null
        if type == "entitlements.updated" {
            event["trigger"] = .string("subscription_updated")
            event["customer"] = customerId.map(customer) ?? .null
            event["resource"] = resource
            event["entitlements"] = .array((state?["entitlements"]?.arrayValue ?? []).map(graphQLEntitlement))
            event["entitlementsUpdatedAt"] = timestamp
        } else if type.hasPrefix("customer.") {
            // Customer events carry the customer's own fields at the top level.
            if let customerId {
                for (key, value) in customer(customerId).objectValue ?? [:] { event[key] = value }
                event["entityId"] = .string(customerId)
                event["crmId"] = .null
                event["metadata"] = .object([:])
                event["excludeFromExperiment"] = .bool(false)
                event["billingCurrency"] = .null
            }
        } else if let customerId {
            event["customer"] = customer(customerId)
            if resourceId != nil { event["resource"] = resource }
        }
        for (key, value) in fields { event[key] = value }
        return .object(event)
    }

    private static func customer(_ id: String) -> JSONValue {
        .object(["id": .string(id), "name": .string(id), "email": .null, "billingId": .null])
    }

    /// REST v1 entitlement → the webhook's shape (feature with `name`/`status`, credit
    /// balances instead of currencies). Close enough for a receiver that treats the event as
    /// a signal, which is what the sidecar does.
    private static func graphQLEntitlement(_ rest: JSONValue) -> JSONValue {
        var out: [String: JSONValue] = [:]
        for key in ["usageLimit", "hasUnlimitedUsage", "currentUsage", "usagePeriodAnchor", "usagePeriodStart", "usagePeriodEnd", "resetPeriod"] {
            out[key] = rest[key] ?? .null
        }
        out["hasSoftLimit"] = .bool(false)
        out["enumValues"] = .null
        out["resetPeriodConfiguration"] = .null
        if let feature = rest["feature"] {
            let id = feature["id"] ?? .null
            out["feature"] = .object([
                "id": id, "entityId": id, "name": feature["displayName"] ?? id, "description": .null,
                "featureType": feature["featureType"] ?? .null, "meterType": .null, "unit": .null, "units": .null,
                "status": feature["featureStatus"] ?? .string("ACTIVE"), "enumConfiguration": .null,
            ])
            out["creditBalance"] = .null
        } else if let currency = rest["currency"] {
            let granted = rest["usageLimit"]?.numberValue ?? 0
            let used = rest["currentUsage"]?.numberValue ?? 0
            out["feature"] = .null
            out["creditBalance"] = .object([
                "creditCurrency": .object([
                    "id": currency["currencyId"] ?? .null, "name": currency["displayName"] ?? .null, "description": .null,
                    "unitLabel": .object(["singular": currency["unitSingular"] ?? .null, "plural": currency["unitPlural"] ?? .null]),
                ]),
                "totalGranted": .number(granted), "remainingBalance": .number(granted - used),
                "remainingBalancePercentage": .number(granted > 0 ? (granted - used) / granted * 100 : 0),
            ])
        }
        return .object(out)
    }
}
