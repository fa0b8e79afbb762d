import SidecarCache
import SidecarHTTP
import SidecarModel

extension Application {
    /// The four entitlement routes of DESIGN.md §3: ours and the Stigg REST-compatible ones.
    /// A cache hit is answered inline on the event loop; anything that needs SQLite or
    /// upstream answers later from another queue.
    static func addEntitlementRoutes(to router: inout Router, answers: EntitlementAnswers, metrics: SidecarMetrics) {
        let service = answers.service
        let prepared = AnswerCache()
        let check: @Sendable (HTTPRequest, String?) -> HTTPReply = { request, pathCustomerId in
            let now = service.now()
            if let hit = prepared.answer(request.targetBytes, service: service, now: now) {
                metrics.recordDecision(hit.source)
                return .now(hit.response)
            }
            let checkRequest: CheckRequest
            do throws(AppError) {
                checkRequest = try EntitlementQuery(request).checkRequest(pathCustomerId: pathCustomerId)
            } catch {
                return .now(error.response)
            }
            let lookup = service.lookup(checkRequest.stateKey, now: now)
            let step = answers.checkStep(checkRequest, lookup, now: now)
            if case .answer(let answer) = step {
                metrics.recordDecision(answer.provenance.source)
                let response = checkResponse(answer)
                if answer.fromState, case .cached(let cached, let freshness) = lookup {
                    prepared.store(request.targetBytes, cached: cached, freshness: freshness, answer: answer, response: response, now: now)
                }
                return .now(response)
            }
            return .later { respond in
                answers.resolveCheck(checkRequest, after: step) { answer in
                    metrics.recordDecision(answer.provenance.source)
                    respond(checkResponse(answer))
                }
            }
        }
        let list: @Sendable (HTTPRequest, String?) -> HTTPReply = { request, pathCustomerId in
            let key: StateKey
            do throws(AppError) {
                let query = try EntitlementQuery(request)
                key = StateKey(customerId: try query.customerId(path: pathCustomerId), resourceId: try query.resourceId())
            } catch {
                return .now(error.response)
            }
            let now = service.now()
            if case .answer(let listing) = answers.listingStep(key, service.lookup(key, now: now), now: now) {
                return .now(listingResponse(listing, key: key))
            }
            return .later { respond in
                answers.resolveListing(key, askedAt: now) { respond(listingResponse($0, key: key)) }
            }
        }
        router.get("/entitlements/check") { check($0, nil) }
        router.get("/entitlements") { list($0, nil) }
        router.get("/api/v1/customers/:customerId/entitlements/check") { check($0, $0.pathParameters["customerId"]) }
        router.get("/api/v1/customers/:customerId/entitlements") { list($0, $0.pathParameters["customerId"]) }
    }

    static func checkResponse(_ answer: EntitlementAnswers.Answer) -> HTTPResponse {
        entitlementResponse(ResponseBody.check(answer.entitlement, provenance: answer.provenance), answer.provenance)
    }

    static func listingResponse(_ listing: EntitlementAnswers.Listing, key: StateKey) -> HTTPResponse {
        switch listing {
        case .state(let state, let provenance):
            return entitlementResponse(ResponseBody.listing(state, provenance: provenance), provenance)
        case .resourceNotFound:
            return AppError.customerResourceNotFound(customerId: key.customerId, resourceId: key.resourceId).response
        }
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
