// Writes entitlements in Stigg's exact wire shape (STIGG-API.md §2/§3): Stigg's field names,
// `accessDeniedReason` always present (null when granted), optional fields omitted when we
// did not receive them, and `null` written back where Stigg sent an explicit null. Key order
// follows the Stigg examples so answers diff cleanly against upstream's.

extension JSONWriter {
    public mutating func entitlement(_ entitlement: Entitlement) {
        switch entitlement {
        case .feature(let feature): featureEntitlement(feature)
        case .credit(let credit): creditEntitlement(credit)
        }
    }

    public mutating func featureEntitlement(_ entitlement: FeatureEntitlement) {
        raw(#"{"type":"FEATURE","isGranted":"#)
        bool(entitlement.isGranted)
        raw(#","accessDeniedReason":"#)
        string(entitlement.accessDeniedReason?.rawValue)
        if let feature = entitlement.feature {
            raw(#","feature":{"id":"#)
            string(feature.id)
            field(#","displayName":"#, feature.displayName)
            field(#","featureType":"#, feature.featureType?.rawValue)
            field(#","featureStatus":"#, feature.featureStatus?.rawValue)
            raw("}")
        }
        field(#","usageLimit":"#, entitlement.usageLimit)
        field(#","hasUnlimitedUsage":"#, entitlement.hasUnlimitedUsage)
        field(#","currentUsage":"#, entitlement.currentUsage)
        field(#","resetPeriod":"#, entitlement.resetPeriod)
        field(#","usagePeriodAnchor":"#, entitlement.usagePeriodAnchor)
        field(#","usagePeriodStart":"#, entitlement.usagePeriodStart)
        field(#","usagePeriodEnd":"#, entitlement.usagePeriodEnd)
        field(#","entitlementUpdatedAt":"#, entitlement.entitlementUpdatedAt)
        field(#","validUntil":"#, entitlement.validUntil)
        raw("}")
    }

    public mutating func creditEntitlement(_ entitlement: CreditEntitlement) {
        raw(#"{"type":"CREDIT","isGranted":"#)
        bool(entitlement.isGranted)
        raw(#","accessDeniedReason":"#)
        string(entitlement.accessDeniedReason?.rawValue)
        raw(#","currency":{"currencyId":"#)
        let currency = entitlement.currency
        string(currency.currencyId)
        raw(#","displayName":"#)
        string(currency.displayName)
        field(#","description":"#, currency.description)
        switch currency.metadata {
        case .absent: break
        case .null: raw(#","metadata":null"#)
        case .present(let metadata): raw(#","metadata":"#); stringMap(metadata)
        }
        field(#","unitSingular":"#, currency.unitSingular)
        field(#","unitPlural":"#, currency.unitPlural)
        raw(#"},"currentUsage":"#)
        number(entitlement.currentUsage)
        raw(#","usageLimit":"#)
        number(entitlement.usageLimit)
        field(#","usageUpdatedAt":"#, entitlement.usageUpdatedAt)
        field(#","entitlementUpdatedAt":"#, entitlement.entitlementUpdatedAt)
        field(#","usagePeriodEnd":"#, entitlement.usagePeriodEnd)
        field(#","validUntil":"#, entitlement.validUntil)
        field(#","reserved":"#, entitlement.reserved)
        field(#","reservedOnExpiredGrants":"#, entitlement.reservedOnExpiredGrants)
        if let reservation = entitlement.reservation {
            raw(#","reservation":{"id":"#)
            string(reservation.id)
            raw(#","amount":"#)
            number(reservation.amount)
            raw(#","expiresAt":"#)
            string(reservation.expiresAt.text)
            raw(#","status":"#)
            string(reservation.status.rawValue)
            raw("}")
        }
        raw("}")
    }

    /// `{"accessDeniedReason":...,"entitlements":[...]}`, the `data` of the listing.
    public mutating func entitlementsState(_ state: EntitlementsState) {
        raw(#"{"accessDeniedReason":"#)
        string(state.accessDeniedReason?.rawValue)
        raw(#","entitlements":["#)
        for (index, entitlement) in state.entitlements.enumerated() {
            if index > 0 { raw(",") }
            self.entitlement(entitlement)
        }
        raw("]}")
    }

    /// Keys sorted so the same state always produces the same bytes (Dictionary order is
    /// randomized per process).
    mutating func stringMap(_ map: [String: String]) {
        raw("{")
        for (index, key) in map.keys.sorted().enumerated() {
            if index > 0 { raw(",") }
            string(key)
            raw(":")
            string(map[key])
        }
        raw("}")
    }

    // Optional fields: the key (with its leading comma) is written only when there is a value.

    mutating func field(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        raw(key)
        string(value)
    }

    mutating func field(_ key: StaticString, _ value: Double?) {
        guard let value else { return }
        raw(key)
        number(value)
    }

    mutating func field(_ key: StaticString, _ value: Bool?) {
        guard let value else { return }
        raw(key)
        bool(value)
    }

    mutating func field(_ key: StaticString, _ value: Timestamp?) {
        guard let value else { return }
        raw(key)
        string(value.text)
    }

    mutating func field(_ key: StaticString, _ value: Nullable<Double>) {
        switch value {
        case .absent: return
        case .null: raw(key); null()
        case .present(let number): raw(key); self.number(number)
        }
    }

    mutating func field(_ key: StaticString, _ value: Nullable<String>) {
        switch value {
        case .absent: return
        case .null: raw(key); null()
        case .present(let text): raw(key); string(text)
        }
    }

    mutating func field(_ key: StaticString, _ value: Nullable<ResetPeriod>) {
        switch value {
        case .absent: return
        case .null: raw(key); null()
        case .present(let period): raw(key); string(period.rawValue)
        }
    }
}
