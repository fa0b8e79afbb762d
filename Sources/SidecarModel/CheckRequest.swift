/// One "may customer C use feature F?" question, already validated by the HTTP layer
/// (DESIGN.md §3: non-negative finite `requestedUsage`, exactly one target).
public struct CheckRequest: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        /// `featureId=`: a FEATURE entitlement, by the feature's refId.
        case feature(String)
        /// `currencyId=`: a CREDIT entitlement, by the custom currency's refId.
        case currency(String)

        public var id: String {
            switch self {
            case .feature(let id), .currency(let id): id
            }
        }
    }

    public var customerId: String
    public var resourceId: String?
    public var target: Target
    /// nil when the caller did not send `requestedUsage` (a different rule from 0, §11).
    public var requestedUsage: Double?
    /// nil or empty when the caller did not send `requestedValues`.
    public var requestedValues: [String]?

    public init(
        customerId: String, resourceId: String? = nil, target: Target,
        requestedUsage: Double? = nil, requestedValues: [String]? = nil
    ) {
        self.customerId = customerId
        self.resourceId = resourceId
        self.target = target
        self.requestedUsage = requestedUsage
        self.requestedValues = requestedValues
    }

    /// The cached state this request is decided against.
    public var stateKey: StateKey { StateKey(customerId: customerId, resourceId: resourceId) }
}

/// The outcome of a local check: the entitlement exactly as it should be answered, plus what
/// the caller should do next.
public struct Decision: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `entitlement` is the answer.
        case answered
        /// ENUM feature with `requestedValues`: REST entitlement states carry no enum values,
        /// so only upstream's `/check` can decide (DESIGN.md §4). `entitlement` is the cached
        /// one, for context only (its `isGranted` is not an answer to the values asked); if
        /// upstream is unreachable the caller uses the fallback rules.
        case askUpstream
    }

    public var kind: Kind
    public var entitlement: Entitlement
    /// The cached state is due for a refresh now (period rollover or `validUntil` passed):
    /// the answer is still right, but the poller should fetch this key first.
    public var needsRefresh: Bool

    public init(kind: Kind = .answered, entitlement: Entitlement, needsRefresh: Bool = false) {
        self.kind = kind
        self.entitlement = entitlement
        self.needsRefresh = needsRefresh
    }

    public var needsUpstream: Bool { kind == .askUpstream }
    public var isGranted: Bool { entitlement.isGranted }
    public var accessDeniedReason: AccessDeniedReason? { entitlement.accessDeniedReason }
}
