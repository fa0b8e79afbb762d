import Foundation
import SidecarModel
import SidecarHTTP

// GET /api/v1/customers/{id}/entitlements and .../entitlements/check (STIGG-API.md §2, §3).

extension SharedState {
    func entitlements(_ request: HTTPRequest) -> HTTPResponse {
        let customerId = request.pathParameters["id"] ?? ""
        let parameters: [String: String]
        switch request.queryValues() {
        case .success(let values): parameters = values
        case .failure(let error): return self.error(error)
        }
        if parameters["resourceId"] == "" { return self.error(.badRequest("resourceId must not be empty")) }
        let resourceId = parameters["resourceId"]
        return mutex.withLock { state in
            let shape = state.configuration.errorShape
            switch state.store.lookup(customerId: customerId, resourceId: resourceId) {
            case .state(let entitlementsState):
                return .json(.ok, JSONValue.data(entitlementsState).jsonBytes)
            case .unknownCustomer where state.configuration.unknownCustomer == .customerNotFoundState:
                let denied: JSONValue = .object(["accessDeniedReason": .string("CustomerNotFound"), "entitlements": .array([])])
                return .json(.ok, JSONValue.data(denied).jsonBytes)
            case .unknownCustomer:
                return FakeError.customerNotFound(customerId).response(shape)
            case .unknownResource:
                return FakeError.resourceNotFound(customerId, resourceId ?? "").response(shape)
            }
        }
    }

    func check(_ request: HTTPRequest) -> HTTPResponse {
        let customerId = request.pathParameters["id"] ?? ""
        let query: CheckQuery
        do throws(FakeError) {
            query = try CheckQuery(request.queryValues().get())
        } catch {
            return self.error(error)
        }
        let now = Timestamp.formatRFC3339(Date())
        return mutex.withLock { state in
            let shape = state.configuration.errorShape
            let asState = state.configuration.unknownCustomer == .customerNotFoundState
            let answer: JSONValue
            switch state.store.lookup(customerId: customerId, resourceId: query.resourceId) {
            case .state(let entitlementsState):
                let enumValues = query.featureId.map { state.store.enumValues(customerId: customerId, featureId: $0) } ?? []
                answer = CheckDecision.decide(state: entitlementsState, query: query, enumValues: enumValues, now: now)
            case .unknownCustomer where asState:
                answer = CheckDecision.notFound(query, reason: "CustomerNotFound", now: now)
            case .unknownResource where asState:
                answer = CheckDecision.notFound(query, reason: "CustomerResourceNotFound", now: now)
            case .unknownCustomer:
                return FakeError.customerNotFound(customerId).response(shape)
            case .unknownResource:
                return FakeError.resourceNotFound(customerId, query.resourceId ?? "").response(shape)
            }
            return .json(.ok, JSONValue.data(answer).jsonBytes)
        }
    }
}
