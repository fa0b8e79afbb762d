import Foundation
import SidecarModel
import SidecarHTTP

// GET /api/v1/customers, /api/v1/customers/{id} and /api/v1/customers/{id}/resources
// (STIGG-API.md §4.1, §4.2). The list filters (email, name, createdAt) are ignored.

extension SharedState {
    func listCustomers(_ request: HTTPRequest) -> HTTPResponse {
        let page: PageRequest
        do throws(FakeError) {
            page = try PageRequest(request.queryValues().get())
        } catch {
            return self.error(error)
        }
        return mutex.withLock { state in
            let store = state.store
            let range = Paging.range(count: store.count, page) { store.firstIndex(afterOrAt: $0) }
            let items = store.rows[range].map { Self.customerJSON($0.id, seq: $0.seq) }
            let body = Paging.body(items: items, range: range, count: store.count,
                                   position: { store.rows[$0].seq }, end: state.configuration.paginationEnd)
            return .json(.ok, body.jsonBytes)
        }
    }

    func customer(_ request: HTTPRequest) -> HTTPResponse {
        let customerId = request.pathParameters["id"] ?? ""
        return mutex.withLock { state in
            guard let seq = state.store.seq(of: customerId) else {
                return FakeError.customerNotFound(customerId).response(state.configuration.errorShape)
            }
            return .json(.ok, JSONValue.data(Self.customerJSON(customerId, seq: seq)).jsonBytes)
        }
    }

    /// The resources that have a state of their own; positions are 1-based list indexes.
    func listResources(_ request: HTTPRequest) -> HTTPResponse {
        let customerId = request.pathParameters["id"] ?? ""
        let page: PageRequest
        do throws(FakeError) {
            page = try PageRequest(request.queryValues().get())
        } catch {
            return self.error(error)
        }
        return mutex.withLock { state in
            guard state.store.contains(customerId) else {
                return FakeError.customerNotFound(customerId).response(state.configuration.errorShape)
            }
            let ids = state.store.resources[customerId] ?? []
            let range = Paging.range(count: ids.count, page) { min(ids.count, max(0, $0 - 1)) }
            let stamp = Self.createdAt(seq: 0)
            let items = ids[range].map { JSONValue.object(["id": .string($0), "createdAt": .string(stamp), "updatedAt": .string(stamp)]) }
            let body = Paging.body(items: items, range: range, count: ids.count,
                                   position: { $0 + 1 }, end: state.configuration.paginationEnd)
            return .json(.ok, body.jsonBytes)
        }
    }

    /// A customer in the `CustomerResponse.data` shape, with the optional fields a real
    /// account would have set to null or empty.
    static func customerJSON(_ id: String, seq: Int) -> JSONValue {
        let stamp = createdAt(seq: seq)
        return .object([
            "id": .string(id), "name": .string("Customer \(id)"), "email": .null, "billingId": .null,
            "billingCurrency": .null, "metadata": .object([:]), "integrations": .array([]), "couponId": .null,
            "timezone": .null, "language": .null, "createdAt": .string(stamp), "updatedAt": .string(stamp),
            "archivedAt": .null,
        ])
    }

    /// One minute apart from 2026-01-01, in list order: stable and plausible.
    static func createdAt(seq: Int) -> String {
        Timestamp.formatRFC3339(Date(timeIntervalSince1970: 1_767_225_600 + Double(seq) * 60))
    }
}
