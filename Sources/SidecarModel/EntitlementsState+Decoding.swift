// Decoding a whole state. All or nothing: one badly typed element rejects the state
// (DESIGN.md §11 "A state with any badly typed element is rejected whole"), so the store never
// replaces good data with a partial list that silently lacks a feature.

extension EntitlementsState {
    /// Decodes the `data` object of `GET /api/v1/customers/{id}/entitlements`.
    /// Entitlements of an unknown `type` (a kind newer than this build) are skipped.
    public init(json: JSONValue, at path: [JSONPathComponent] = []) throws(EntitlementDecodingError) {
        let reader = try FieldReader(json, at: path)
        let reason = try reader.string("accessDeniedReason").map(AccessDeniedReason.init(rawValue:))
        guard let elements = try reader.array("entitlements") else { throw reader.missing("entitlements") }
        var entitlements: [Entitlement] = []
        entitlements.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            if let entitlement = try Entitlement.decodeIfKnown(element, at: reader.path("entitlements") + [.index(index)]) {
                entitlements.append(entitlement)
            }
        }
        self.init(accessDeniedReason: reason, entitlements: entitlements)
    }

    /// Decodes a whole upstream response body, `{"data": {...}}`.
    /// Throws `JSONParseError` or `EntitlementDecodingError`.
    public static func decodeResponse(_ body: [UInt8]) throws -> EntitlementsState {
        let root = try FieldReader(try JSONParser.parse(body), at: [])
        guard let data = root.fields["data"] else { throw root.missing("data") }
        return try EntitlementsState(json: data, at: [.key("data")])
    }
}
