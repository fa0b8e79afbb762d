// How the fake answers where Stigg's real behaviour is unconfirmed (STIGG-API.md §9): each
// choice is a setting, so sidecar tests can prove they cope with every plausible variant.

/// Answers the fake gives where STIGG-API.md leaves a choice.
public struct FakeStiggConfiguration: Sendable, Equatable {
    /// The `X-API-KEY` every `/api/...` request must carry.
    public var apiKey = "server-fake-key"
    /// What an unknown customer gets (STIGG-API.md §9 item 3).
    public var unknownCustomer = UnknownCustomerAnswer.notFound
    /// The error body shape (STIGG-API.md §4.4 lists two candidates).
    public var errorShape = ErrorShape.nested
    /// How the last page of `GET /api/v1/customers` says "no more" (§9 item 9).
    public var paginationEnd = PaginationEnd.null
    /// Whether usage and events naming an unknown customer reject the whole batch with 400.
    /// On by default: it is what lets a test make upstream reject one record of a batch.
    public var rejectUnknownCustomersInUsage = true

    public init() {}
}

public enum UnknownCustomerAnswer: String, Sendable, CaseIterable {
    /// HTTP 404 with an error body.
    case notFound
    /// HTTP 200: `{"data":{"accessDeniedReason":"CustomerNotFound","entitlements":[]}}` for the
    /// listing, a denied entitlement with that reason for `/check`.
    case customerNotFoundState
}

public enum ErrorShape: String, Sendable, CaseIterable {
    /// `{"error":{"code":"UNAUTHENTICATED","message":"..."}}`: the shape Stigg's API-keys docs
    /// page shows for 401 (STIGG-API.md §4.4 item 1), and the sidecar's own error shape.
    case nested
    /// `{"message":"...","code":"Unauthenticated"}`: the NestJS-style DTO (§4.4 item 2).
    case flat
}

public enum PaginationEnd: String, Sendable, CaseIterable {
    /// `"pagination":{"next":null,...}`
    case null
    /// `"pagination":{}`: the key is left out.
    case absent
    /// `"pagination":{"next":"",...}`: the Go SDK's end marker.
    case emptyString
}
