import Foundation
import SidecarModel

/// Realistic customers for `--seed-demo` and the template synthetic customers share. Periods
/// are the current calendar month (UTC), so `validUntil` and `usagePeriodEnd` lie ahead.
enum DemoData {
    struct Customer {
        var id: String
        var resourceId: String?
        var state: JSONValue
    }

    /// ENUM values the check endpoint grants for demo-pro's `feature-region`.
    static let enumValues: [(String, String, [String])] = [("demo-pro", "feature-region", ["us", "eu"])]

    static func customers() -> [Customer] {
        let (start, end) = currentMonth()
        func state(_ entitlements: [JSONValue], denied: String? = nil) -> JSONValue {
            .object(["accessDeniedReason": .optional(denied), "entitlements": .array(entitlements)])
        }
        return [
            Customer(id: "demo-pro", state: state([
                metered("feature-api-calls", "API Calls", limit: 10_000, used: 2_500, start: start, end: end),
                boolean("feature-sso", "Single Sign-On"),
                feature("feature-region", "Data Region", type: "ENUM"),
                credit("ai-tokens", "AI Tokens", limit: 5_000, used: 1_000, end: end),
            ])),
            Customer(id: "demo-free", state: state([
                metered("feature-api-calls", "API Calls", limit: 100, used: 100, start: start, end: end),
            ])),
            Customer(id: "demo-unlimited", state: state([
                unlimited("feature-api-calls", "API Calls", used: 123_456),
                boolean("feature-sso", "Single Sign-On"),
            ])),
            Customer(id: "demo-lapsed", state: state([], denied: "NoActiveSubscription")),
            Customer(id: "demo-team", state: state([boolean("feature-sso", "Single Sign-On")])),
            Customer(id: "demo-team", resourceId: "workspace-1", state: state([
                metered("feature-seats", "Seats", limit: 10, used: 3, start: nil, end: nil),
            ])),
        ]
    }

    /// A metered and a boolean feature; usage starts at zero.
    static func syntheticTemplate() -> JSONValue {
        let (start, end) = currentMonth()
        return .object(["accessDeniedReason": .null, "entitlements": .array([
            metered("feature-api-calls", "API Calls", limit: 1_000, used: 0, start: start, end: end),
            boolean("feature-sso", "Single Sign-On"),
        ])])
    }

    static func feature(_ id: String, _ name: String, type: String) -> JSONValue {
        .object([
            "type": .string("FEATURE"), "isGranted": .bool(true), "accessDeniedReason": .null,
            "feature": .object(["id": .string(id), "displayName": .string(name),
                                "featureType": .string(type), "featureStatus": .string("ACTIVE")]),
        ])
    }

    static func boolean(_ id: String, _ name: String) -> JSONValue { feature(id, name, type: "BOOLEAN") }

    static func metered(_ id: String, _ name: String, limit: Double, used: Double, start: String?, end: String?) -> JSONValue {
        var entitlement = feature(id, name, type: "NUMBER")
        entitlement.set("usageLimit", .number(limit))
        entitlement.set("hasUnlimitedUsage", .bool(false))
        entitlement.set("currentUsage", .number(used))
        guard let start, let end else { return entitlement }
        for (key, value) in [("resetPeriod", "MONTH"), ("usagePeriodAnchor", start), ("usagePeriodStart", start),
                             ("usagePeriodEnd", end), ("validUntil", end), ("entitlementUpdatedAt", start)] {
            entitlement.set(key, .string(value))
        }
        return entitlement
    }

    static func unlimited(_ id: String, _ name: String, used: Double) -> JSONValue {
        var entitlement = feature(id, name, type: "NUMBER")
        entitlement.set("usageLimit", .null)
        entitlement.set("hasUnlimitedUsage", .bool(true))
        entitlement.set("currentUsage", .number(used))
        entitlement.set("resetPeriod", .null)
        return entitlement
    }

    static func credit(_ id: String, _ name: String, limit: Double, used: Double, end: String) -> JSONValue {
        .object([
            "type": .string("CREDIT"), "isGranted": .bool(true), "accessDeniedReason": .null,
            "currency": .object(["currencyId": .string(id), "displayName": .string(name), "description": .null,
                                 "metadata": .null, "unitSingular": .string("token"), "unitPlural": .string("tokens")]),
            "currentUsage": .number(used), "usageLimit": .number(limit),
            "usageUpdatedAt": .string(Timestamp.formatRFC3339(Date())), "usagePeriodEnd": .string(end),
        ])
    }

    /// The first instants of this month and the next, UTC.
    static func currentMonth(now: Date = Date()) -> (String, String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let start = calendar.dateInterval(of: .month, for: now)
        return (Timestamp.formatRFC3339(start?.start ?? now), Timestamp.formatRFC3339(start?.end ?? now))
    }
}
