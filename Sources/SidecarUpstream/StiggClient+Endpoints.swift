import SidecarModel

/// One page of `GET /api/v1/customers`.
public struct CustomerPage: Sendable, Equatable {
    public var customerIds: [String]
    /// The cursor for the next page; nil at the end.
    public var next: String?
}

/// What `GET .../entitlements` said about one (customer, resource).
public enum EntitlementsAnswer: Sendable, Equatable {
    case state(EntitlementsState)
    /// 404: the customer (or the resource) does not exist upstream.
    case notFound
}

extension StiggClient {
    /// `GET /api/v1/customers/{id}/entitlements[?resourceId=]`. A body that does not decode
    /// whole is an error: a partial state is never returned.
    public func entitlements(customerId: String, resourceId: String?, deadline: Duration? = nil) async throws(UpstreamError) -> EntitlementsAnswer {
        let path = "/api/v1/customers/\(StiggClient.encodePathSegment(customerId))/entitlements"
        let body: [UInt8]
        do {
            body = try await get(path, query: resourceId.map { [("resourceId", $0)] } ?? [], deadline: deadline)
        } catch .status(code: 404, _, _) {
            return .notFound
        }
        do {
            return .state(try EntitlementsState.decodeResponse(body))
        } catch {
            throw .invalidResponse("entitlements of \(customerId): \(error)")
        }
    }

    /// `GET /api/v1/customers/{id}/entitlements/check`, for what the cache cannot decide
    /// (ENUM features with `requestedValues`).
    public func check(_ request: CheckRequest, deadline: Duration? = nil) async throws(UpstreamError) -> Entitlement {
        var query: [(String, String)] = []
        switch request.target {
        case .feature(let id): query.append(("featureId", id))
        case .currency(let id): query.append(("currencyId", id))
        }
        if let usage = request.requestedUsage {
            query.append(("requestedUsage", usage == usage.rounded() && usage < 1e15 ? String(Int64(usage)) : String(usage)))
        }
        if let values = request.requestedValues, !values.isEmpty {
            query.append(("requestedValues", values.joined(separator: ",")))
        }
        if let resource = request.resourceId { query.append(("resourceId", resource)) }
        let body = try await get(
            "/api/v1/customers/\(StiggClient.encodePathSegment(request.customerId))/entitlements/check",
            query: query, deadline: deadline)
        do {
            return try Entitlement.decodeCheckResponse(body)
        } catch {
            throw .invalidResponse("check for \(request.customerId): \(error)")
        }
    }

    /// `GET /api/v1/customers?limit=&after=`. Paging ends when `next` is missing, null or
    /// empty, or the page is empty (STIGG-API.md §4.2).
    public func customers(after cursor: String?, limit: Int = 100) async throws(UpstreamError) -> CustomerPage {
        var query = [("limit", String(min(max(limit, 1), 100)))]
        if let cursor { query.append(("after", cursor)) }
        let body = try await get("/api/v1/customers", query: query)
        guard let json = try? JSONParser.parse(body), case .object(let root) = json,
              case .array(let items)? = root["data"] else {
            throw .invalidResponse("customer list is not {\"data\":[...]}")
        }
        var ids: [String] = []
        ids.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let customer) = item, case .string(let id)? = customer["id"], !id.isEmpty else {
                throw .invalidResponse("customer list: data[\(index)].id is not a string")
            }
            ids.append(id)
        }
        var next: String?
        if case .object(let pagination)? = root["pagination"], case .string(let cursor)? = pagination["next"], !cursor.isEmpty {
            next = cursor
        }
        return CustomerPage(customerIds: ids, next: ids.isEmpty ? nil : next)
    }
}
