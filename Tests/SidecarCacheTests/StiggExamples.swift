// The JSON examples of STIGG-API.md §2 and §3.2, verbatim (each validates against the schema).

enum StiggExamples {
    static let listing = #"""
    {
      "data": {
        "accessDeniedReason": null,
        "entitlements": [
          {
            "type": "FEATURE",
            "isGranted": true,
            "accessDeniedReason": null,
            "feature": { "id": "feature-api-calls", "displayName": "API Calls", "featureType": "NUMBER", "featureStatus": "ACTIVE" },
            "usageLimit": 10000,
            "hasUnlimitedUsage": false,
            "currentUsage": 2500,
            "resetPeriod": "MONTH",
            "usagePeriodAnchor": "2026-01-01T00:00:00.000Z",
            "usagePeriodStart": "2026-11-01T00:00:00.000Z",
            "usagePeriodEnd": "2026-12-01T00:00:00.000Z",
            "entitlementUpdatedAt": "2026-11-02T10:15:30.123Z",
            "validUntil": "2026-12-01T00:00:00.000Z"
          },
          {
            "type": "FEATURE",
            "isGranted": true,
            "accessDeniedReason": null,
            "feature": { "id": "feature-sso", "displayName": "Single Sign-On", "featureType": "BOOLEAN", "featureStatus": "ACTIVE" }
          },
          {
            "type": "CREDIT",
            "isGranted": true,
            "accessDeniedReason": null,
            "currency": { "currencyId": "ai-tokens", "displayName": "AI Tokens", "description": null, "metadata": null, "unitSingular": "token", "unitPlural": "tokens" },
            "currentUsage": 1000,
            "usageLimit": 5000,
            "usageUpdatedAt": "2026-11-20T08:00:00.000Z",
            "usagePeriodEnd": "2026-12-01T00:00:00.000Z"
          }
        ]
      }
    }
    """#

    static let unknownCustomer = #"""
    { "data": { "accessDeniedReason": "CustomerNotFound", "entitlements": [] } }
    """#

    static let checkExceeding = #"""
    {
      "data": {
        "type": "FEATURE",
        "isGranted": false,
        "accessDeniedReason": "RequestedUsageExceedingLimit",
        "feature": { "id": "feature-api-calls", "displayName": "API Calls", "featureType": "NUMBER", "featureStatus": "ACTIVE" },
        "usageLimit": 10000,
        "hasUnlimitedUsage": false,
        "currentUsage": 2500,
        "resetPeriod": "MONTH",
        "usagePeriodStart": "2026-11-01T00:00:00.000Z",
        "usagePeriodEnd": "2026-12-01T00:00:00.000Z",
        "validUntil": "2026-12-01T00:00:00.000Z"
      }
    }
    """#

    static let checkNotInPlan = #"""
    { "data": { "type": "FEATURE", "isGranted": false, "accessDeniedReason": "NoFeatureEntitlementInSubscription" } }
    """#

    static let checkUnlimited = #"""
    {
      "data": {
        "type": "FEATURE", "isGranted": true, "accessDeniedReason": null,
        "feature": { "id": "feature-seats", "displayName": "Seats", "featureType": "NUMBER", "featureStatus": "ACTIVE" },
        "hasUnlimitedUsage": true, "usageLimit": null, "currentUsage": 42, "resetPeriod": null
      }
    }
    """#

    static let checkCredit = #"""
    {
      "data": {
        "type": "CREDIT", "isGranted": true, "accessDeniedReason": null,
        "currency": { "currencyId": "ai-tokens", "displayName": "AI Tokens" },
        "currentUsage": 1000, "usageLimit": 5000,
        "usageUpdatedAt": "2026-11-20T08:00:00.000Z"
      }
    }
    """#

    static let listings = [listing, unknownCustomer]
    static let checks = [checkExceeding, checkNotInPlan, checkUnlimited, checkCredit]
}
