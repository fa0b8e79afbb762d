// Decoding one entitlement from the parsed tree. Unknown keys are ignored (Stigg adds fields
// between SDK releases); wrongly typed known keys throw with their path.

extension Entitlement {
    /// Decodes one element of `entitlements[]` or the `data` of a check response.
    /// Returns nil for a `type` this build does not know (a future kind of entitlement): the
    /// caller skips it instead of rejecting the customer's whole state over it.
    public static func decodeIfKnown(_ json: JSONValue, at path: [JSONPathComponent] = []) throws(EntitlementDecodingError) -> Entitlement? {
        let reader = try FieldReader(json, at: path)
        let type = try reader.required("type", reader.string)
        switch type {
        case "FEATURE": return .feature(try FeatureEntitlement(reader))
        case "CREDIT": return .credit(try CreditEntitlement(reader))
        default: return nil
        }
    }

    /// Like `decodeIfKnown`, but an unknown `type` is an error: for a single check answer there
    /// is nothing else to return.
    public init(json: JSONValue, at path: [JSONPathComponent] = []) throws(EntitlementDecodingError) {
        guard let entitlement = try Entitlement.decodeIfKnown(json, at: path) else {
            throw EntitlementDecodingError(path: path + [.key("type")], reason: "unsupported entitlement type")
        }
        self = entitlement
    }

    /// Decodes a `/entitlements/check` response body, `{"data": <entitlement>}`.
    /// Throws `JSONParseError` or `EntitlementDecodingError`.
    public static func decodeCheckResponse(_ body: [UInt8]) throws -> Entitlement {
        let root = try FieldReader(try JSONParser.parse(body), at: [])
        guard let data = root.fields["data"] else { throw root.missing("data") }
        return try Entitlement(json: data, at: [.key("data")])
    }
}

extension FeatureEntitlement {
    init(_ reader: FieldReader) throws(EntitlementDecodingError) {
        self.init(
            isGranted: try reader.required("isGranted", reader.bool),
            accessDeniedReason: try reader.string("accessDeniedReason").map(AccessDeniedReason.init(rawValue:)),
            feature: try reader.object("feature").map { (reader) throws(EntitlementDecodingError) in try FeatureRef(reader) },
            currentUsage: try reader.number("currentUsage"),
            entitlementUpdatedAt: try reader.sharedTimestamp("entitlementUpdatedAt"),
            hasUnlimitedUsage: try reader.bool("hasUnlimitedUsage"),
            resetPeriod: try reader.nullable("resetPeriod") { (key) throws(EntitlementDecodingError) in
                try reader.string(key).map(ResetPeriod.init(rawValue:))
            },
            usageLimit: try reader.nullable("usageLimit", reader.number),
            usagePeriodAnchor: try reader.sharedTimestamp("usagePeriodAnchor"),
            usagePeriodStart: try reader.sharedTimestamp("usagePeriodStart"),
            usagePeriodEnd: try reader.sharedTimestamp("usagePeriodEnd"),
            validUntil: try reader.sharedTimestamp("validUntil")
        )
    }
}

extension FeatureRef {
    init(_ reader: FieldReader) throws(EntitlementDecodingError) {
        // `refId` appears in older Stigg docs examples; every SDK uses `id`.
        let id = try reader.sharedString("id")
        let refId = try reader.sharedString("refId")
        guard let id = id ?? refId else { throw reader.missing("id") }
        self.init(
            id: id,
            displayName: try reader.sharedString("displayName"),
            featureStatus: try reader.string("featureStatus").map(FeatureStatus.init(rawValue:)),
            featureType: try reader.string("featureType").map(FeatureType.init(rawValue:))
        )
    }
}

extension CreditEntitlement {
    init(_ reader: FieldReader) throws(EntitlementDecodingError) {
        guard let currencyReader = try reader.object("currency") else { throw reader.missing("currency") }
        self.init(
            isGranted: try reader.required("isGranted", reader.bool),
            accessDeniedReason: try reader.string("accessDeniedReason").map(AccessDeniedReason.init(rawValue:)),
            currency: try CreditCurrency(currencyReader),
            // Required by the schema; a missing balance means nothing consumed, as for features.
            currentUsage: try reader.number("currentUsage") ?? 0,
            // The grant is what every credit decision compares against: no guessing.
            usageLimit: try reader.required("usageLimit", reader.number),
            usageUpdatedAt: try reader.sharedTimestamp("usageUpdatedAt"),
            entitlementUpdatedAt: try reader.sharedTimestamp("entitlementUpdatedAt"),
            usagePeriodEnd: try reader.sharedTimestamp("usagePeriodEnd"),
            validUntil: try reader.sharedTimestamp("validUntil"),
            reservation: try reader.object("reservation").map { (reader) throws(EntitlementDecodingError) in
                try CreditReservation(reader)
            },
            reserved: try reader.number("reserved"),
            reservedOnExpiredGrants: try reader.number("reservedOnExpiredGrants")
        )
    }
}

extension CreditCurrency {
    init(_ reader: FieldReader) throws(EntitlementDecodingError) {
        let currencyId = try reader.required("currencyId", reader.string)
        self.init(
            currencyId: currencyId,
            displayName: try reader.string("displayName") ?? currencyId,
            description: try reader.nullable("description", reader.string),
            metadata: try reader.nullable("metadata", reader.stringMap),
            unitPlural: try reader.nullable("unitPlural", reader.string),
            unitSingular: try reader.nullable("unitSingular", reader.string)
        )
    }
}

extension CreditReservation {
    init(_ reader: FieldReader) throws(EntitlementDecodingError) {
        self.init(
            id: try reader.required("id", reader.string),
            amount: try reader.required("amount", reader.number),
            expiresAt: try reader.required("expiresAt", reader.timestamp),
            status: ReservationStatus(rawValue: try reader.required("status", reader.string))
        )
    }
}
