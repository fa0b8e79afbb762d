import Foundation
import SidecarCache
import SidecarHTTP

extension Application {
    /// The four entitlement routes of DESIGN.md §3: ours and the Stigg REST-compatible ones.
    static func addEntitlementRoutes(to router: inout Router, service: EntitlementService) {
        let check: @Sendable (HTTPRequest, String?) -> HTTPReply = { request, pathCustomerId in
            do throws(AppError) {
                let checkRequest = try EntitlementQuery(request).checkRequest(pathCustomerId: pathCustomerId)
                let answer = service.check(checkRequest, now: Date())
                return .now(entitlementResponse(ResponseBody.check(answer.entitlement, provenance: answer.provenance), answer.provenance))
            } catch {
                return .now(error.response)
            }
        }
        let list: @Sendable (HTTPRequest, String?) -> HTTPReply = { request, pathCustomerId in
            do throws(AppError) {
                let query = try EntitlementQuery(request)
                let customerId = try query.customerId(path: pathCustomerId)
                let resourceId = try query.resourceId()
                switch service.listing(customerId: customerId, resourceId: resourceId, now: Date()) {
                case .state(let state, let provenance):
                    return .now(entitlementResponse(ResponseBody.listing(state, provenance: provenance), provenance))
                case .resourceNotFound:
                    throw .customerResourceNotFound(customerId: customerId, resourceId: resourceId)
                }
            } catch {
                return .now(error.response)
            }
        }
        router.get("/entitlements/check") { check($0, nil) }
        router.get("/entitlements") { list($0, nil) }
        router.get("/api/v1/customers/:customerId/entitlements/check") { check($0, $0.pathParameters["customerId"]) }
        router.get("/api/v1/customers/:customerId/entitlements") { list($0, $0.pathParameters["customerId"]) }
    }

    /// 200 with the provenance headers; fallback answers have no sync time and no `Age`.
    static func entitlementResponse(_ body: [UInt8], _ provenance: Provenance) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("X-Sidecar-Source", provenance.source.rawValue)
        if let syncedAt = provenance.syncedAt {
            headers.add("X-Sidecar-Synced-At", syncedAt)
        }
        if let age = provenance.ageSeconds {
            headers.add("Age", String(age))
        }
        return HTTPResponse(status: .ok, headers: headers, body: body)
    }
}
