// The entitlement part of shared/upstream/stigg-api-schemas.json (a JSON Schema built for this
// project from the Stainless SDK models; not an official Stigg artifact), descriptions removed.
// Embedded so the schema check runs from a clean checkout without that research folder.

enum StiggSchema {
    static let json = #"""
{
 "$schema": "https://json-schema.org/draft/2020-12/schema",
 "$defs": {
  "AccessDeniedReason": {
   "type": "string",
   "enum": [
    "FeatureNotFound",
    "CustomerNotFound",
    "CustomerIsArchived",
    "CustomerResourceNotFound",
    "NoActiveSubscription",
    "NoFeatureEntitlementInSubscription",
    "RequestedUsageExceedingLimit",
    "RequestedValuesMismatch",
    "BudgetExceeded",
    "Unknown",
    "FeatureTypeMismatch",
    "Revoked",
    "InsufficientCredits",
    "EntitlementNotFound"
   ]
  },
  "StateAccessDeniedReason": {
   "type": "string",
   "enum": [
    "CustomerNotFound",
    "NoActiveSubscription",
    "CustomerIsArchived"
   ]
  },
  "ResetPeriod": {
   "type": "string",
   "enum": [
    "YEAR",
    "MONTH",
    "WEEK",
    "DAY",
    "HOUR"
   ]
  },
  "EntitlementFeatureRef": {
   "type": "object",
   "required": [
    "id",
    "displayName",
    "featureStatus",
    "featureType"
   ],
   "properties": {
    "id": {
     "type": "string"
    },
    "displayName": {
     "type": "string"
    },
    "featureStatus": {
     "type": "string",
     "enum": [
      "NEW",
      "SUSPENDED",
      "ACTIVE"
     ]
    },
    "featureType": {
     "type": "string",
     "enum": [
      "BOOLEAN",
      "NUMBER",
      "ENUM"
     ]
    }
   }
  },
  "CreditCurrency": {
   "type": "object",
   "required": [
    "currencyId",
    "displayName"
   ],
   "properties": {
    "currencyId": {
     "type": "string"
    },
    "displayName": {
     "type": "string"
    },
    "metadata": {
     "type": [
      "object",
      "null"
     ],
     "additionalProperties": {
      "type": "string"
     }
    },
    "unitPlural": {
     "type": [
      "string",
      "null"
     ]
    },
    "unitSingular": {
     "type": [
      "string",
      "null"
     ]
    }
   }
  },
  "CreditReservation": {
   "type": "object",
   "required": [
    "id",
    "amount",
    "expiresAt",
    "status"
   ],
   "properties": {
    "id": {
     "type": "string"
    },
    "amount": {
     "type": "number"
    },
    "expiresAt": {
     "type": "string",
     "format": "date-time"
    },
    "status": {
     "type": "string",
     "enum": [
      "ACTIVE",
      "RELEASED"
     ]
    }
   }
  },
  "FeatureEntitlement": {
   "type": "object",
   "required": [
    "type",
    "isGranted",
    "accessDeniedReason"
   ],
   "properties": {
    "type": {
     "const": "FEATURE"
    },
    "isGranted": {
     "type": "boolean"
    },
    "accessDeniedReason": {
     "anyOf": [
      {
       "$ref": "#/$defs/AccessDeniedReason"
      },
      {
       "type": "null"
      }
     ]
    },
    "currentUsage": {
     "type": "number"
    },
    "entitlementUpdatedAt": {
     "type": "string",
     "format": "date-time"
    },
    "feature": {
     "$ref": "#/$defs/EntitlementFeatureRef"
    },
    "hasUnlimitedUsage": {
     "type": "boolean"
    },
    "resetPeriod": {
     "anyOf": [
      {
       "$ref": "#/$defs/ResetPeriod"
      },
      {
       "type": "null"
      }
     ]
    },
    "usageLimit": {
     "type": [
      "number",
      "null"
     ]
    },
    "usagePeriodAnchor": {
     "type": "string",
     "format": "date-time"
    },
    "usagePeriodStart": {
     "type": "string",
     "format": "date-time"
    },
    "usagePeriodEnd": {
     "type": "string",
     "format": "date-time"
    },
    "validUntil": {
     "type": "string",
     "format": "date-time"
    }
   }
  },
  "CreditEntitlement": {
   "type": "object",
   "required": [
    "type",
    "isGranted",
    "accessDeniedReason",
    "currency",
    "currentUsage",
    "usageLimit",
    "usageUpdatedAt"
   ],
   "properties": {
    "type": {
     "const": "CREDIT"
    },
    "isGranted": {
     "type": "boolean"
    },
    "accessDeniedReason": {
     "anyOf": [
      {
       "$ref": "#/$defs/AccessDeniedReason"
      },
      {
       "type": "null"
      }
     ]
    },
    "currency": {
     "$ref": "#/$defs/CreditCurrency"
    },
    "currentUsage": {
     "type": "number"
    },
    "usageLimit": {
     "type": "number"
    },
    "usageUpdatedAt": {
     "type": "string",
     "format": "date-time"
    },
    "entitlementUpdatedAt": {
     "type": "string",
     "format": "date-time"
    },
    "usagePeriodEnd": {
     "type": "string",
     "format": "date-time"
    },
    "validUntil": {
     "type": "string",
     "format": "date-time"
    },
    "reservation": {
     "$ref": "#/$defs/CreditReservation"
    },
    "reserved": {
     "type": "number"
    },
    "reservedOnExpiredGrants": {
     "type": "number"
    }
   }
  },
  "Entitlement": {
   "oneOf": [
    {
     "$ref": "#/$defs/FeatureEntitlement"
    },
    {
     "$ref": "#/$defs/CreditEntitlement"
    }
   ],
   "discriminator": {
    "propertyName": "type"
   }
  },
  "CustomerRetrieveEntitlementsResponse": {
   "type": "object",
   "required": [
    "data"
   ],
   "properties": {
    "data": {
     "type": "object",
     "required": [
      "accessDeniedReason",
      "entitlements"
     ],
     "properties": {
      "accessDeniedReason": {
       "anyOf": [
        {
         "$ref": "#/$defs/StateAccessDeniedReason"
        },
        {
         "type": "null"
        }
       ]
      },
      "entitlements": {
       "type": "array",
       "items": {
        "$ref": "#/$defs/Entitlement"
       }
      }
     }
    }
   }
  },
  "CustomerCheckEntitlementResponse": {
   "type": "object",
   "required": [
    "data"
   ],
   "properties": {
    "data": {
     "$ref": "#/$defs/Entitlement"
    }
   }
  }
 }
}
"""#
}
