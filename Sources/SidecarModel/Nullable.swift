// Stigg distinguishes "key absent" from "key present with null" for a few optional fields
// (`usageLimit`, `resetPeriod`, the currency's description/metadata/units). Both mean "no
// value" to the decision logic, but the answer echoes the cached entitlement, so we keep
// which of the two we received and write it back the same way.

public enum Nullable<Wrapped> {
    case absent
    case null
    case present(Wrapped)

    public var value: Wrapped? {
        if case .present(let wrapped) = self { return wrapped }
        return nil
    }
}

extension Nullable: Sendable where Wrapped: Sendable {}
extension Nullable: Equatable where Wrapped: Equatable {}
extension Nullable: Hashable where Wrapped: Hashable {}
