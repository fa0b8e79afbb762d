import SidecarModel
import SidecarHTTP

// The control API: the fake's own routes under /_fake/, on the same port, for the standalone
// executable and for scripts. They need no API key, are never faulted and are not counted.
//
//   GET    /_fake/health                          {"status":"ok"}
//   GET    /_fake/config                          the configuration
//   PUT    /_fake/config                          merge {"apiKey","unknownCustomer":"notFound"|
//                                                 "customerNotFoundState","errorShape":"nested"|"flat",
//                                                 "paginationEnd":"null"|"absent"|"emptyString",
//                                                 "rejectUnknownCustomersInUsage":bool}
//   GET    /_fake/faults                          {"faults":[rule...]}
//   POST   /_fake/faults                          arm one: {"fault":"status","status":429,"retryAfter":2,
//                                                 "pathPrefix":"/api/v1/usage","count":3,"processFirst":false}
//                                                 (see Fault+JSON.swift for every fault) → the rule
//   DELETE /_fake/faults                          clear all (hung requests get a 500)
//   DELETE /_fake/faults/:id                      clear one
//   GET    /_fake/customers                       {"count":N}
//   POST   /_fake/customers/synthetic             {"count":N} → {"count":total}
//   PUT    /_fake/customers/:id/entitlements      body: {"data":state} | state | [entitlement...];
//                                                 ?resourceId= for a resource-level state
//   GET    /_fake/customers/:id/entitlements      the stored state (?resourceId=), after usage
//   DELETE /_fake/customers/:id                   remove the customer and all its states
//   PUT    /_fake/customers/:id/enum-values/:featureId   body ["us","eu"]
//   PUT    /_fake/synthetic-template              the state synthetic customers share
//   POST   /_fake/seed-demo                       add the demo customers
//   GET    /_fake/counters                        {"total":N,"paths":{"/api/v1/usage":N,...}}
//   DELETE /_fake/counters                        zero them
//   GET    /_fake/usage                           {"uniqueRecords":N,"deliveries":{key:N},"records":[...]}
//   GET    /_fake/events                          {"uniqueEvents":N,"deliveries":{key:N},"events":[...]}
//   POST   /_fake/reset                           records, counters, faults; {"data":true} also customers
//   POST   /_fake/webhooks/send                   post one Stigg webhook: {"url","secret" (default: the
//                                                 target below),"type":"entitlements.updated","customerId",
//                                                 "resourceId","messageId" (default: new),"fields":{...}}
//                                                 → {"status":202,"messageId":...} (the receiver's status)
//   PUT    /_fake/webhooks                        {"url","secret"}: from now on every state change
//                                                 posts entitlements.updated there, as Stigg does
//   GET    /_fake/webhooks                        {"url","deliveries":[{type,messageId,customerId,status,error}]}
//   DELETE /_fake/webhooks                        no more automatic posts

enum ControlAPI {
    static func router(_ shared: SharedState) -> Router {
        var router = Router(errorRenderer: FakeError.renderer)
        func route(_ method: String, _ pattern: String, _ handler: @escaping @Sendable (HTTPRequest) throws(FakeError) -> JSONValue) {
            router.add(method, pattern) { request in
                do throws(FakeError) {
                    return .now(.json(.ok, try handler(request).jsonBytes))
                } catch {
                    return .now(error.response(.nested))
                }
            }
        }
        route("GET", "/_fake/health") { _ in .object(["status": .string("ok")]) }
        route("GET", "/_fake/config") { _ in shared.mutex.withLock { $0.configuration.json } }
        route("PUT", "/_fake/config") { request throws(FakeError) in
            let fields = try body(request)
            return try shared.mutex.withLock { (state) throws(FakeError) -> JSONValue in
                try state.configuration.update(from: fields)
                return state.configuration.json
            }
        }
        route("GET", "/_fake/faults") { _ in
            .object(["faults": .array(shared.mutex.withLock { $0.faults.rules.map(\.json) })])
        }
        route("POST", "/_fake/faults") { request throws(FakeError) in
            let fields = try body(request)
            let fault = try Fault(json: fields)
            let count = fields["count"]?.numberValue.map { Int($0) }
            let rule = shared.mutex.withLock {
                $0.faults.add(fault, pathPrefix: fields["pathPrefix"]?.stringValue, count: count,
                              processFirst: fields["processFirst"]?.boolValue ?? false)
            }
            return rule.json
        }
        route("DELETE", "/_fake/faults") { _ in shared.clearFaults(); return .object([:]) }
        route("DELETE", "/_fake/faults/:id") { request throws(FakeError) in
            guard let id = request.pathParameters["id"].flatMap({ Int($0) }) else { throw .badRequest("id must be a number") }
            shared.clearFaults(id: id)
            return .object([:])
        }
        route("GET", "/_fake/customers") { _ in .object(["count": .number(Double(shared.mutex.withLock { $0.store.count }))]) }
        route("POST", "/_fake/customers/synthetic") { request throws(FakeError) in
            guard let count = try body(request)["count"]?.numberValue, count >= 0, count <= 10_000_000 else {
                throw .badRequest("count must be a number from 0 to 10000000")
            }
            let total = shared.mutex.withLock { state in
                state.store.addSynthetic(count: Int(count))
                return state.store.count
            }
            return .object(["count": .number(Double(total))])
        }
        route("PUT", "/_fake/customers/:id/entitlements") { request throws(FakeError) in
            let resourceId = try request.queryValues().get()["resourceId"]
            do throws(FakeStiggInputError) {
                try shared.setEntitlements(customerId: request.pathParameters["id"] ?? "", resourceId: resourceId, json: request.body)
            } catch {
                throw .badRequest(error.description)
            }
            return .object([:])
        }
        route("GET", "/_fake/customers/:id/entitlements") { request throws(FakeError) in
            let resourceId = try request.queryValues().get()["resourceId"]
            guard let text = shared.entitlementsJSON(customerId: request.pathParameters["id"] ?? "", resourceId: resourceId),
                  let value = try? JSONParser.parse(text) else { throw .customerNotFound(request.pathParameters["id"] ?? "") }
            return value
        }
        route("DELETE", "/_fake/customers/:id") { request in
            shared.mutex.withLock { $0.store.remove(request.pathParameters["id"] ?? "") }
            return .object([:])
        }
        route("PUT", "/_fake/customers/:id/enum-values/:featureId") { request throws(FakeError) in
            guard case .array(let items)? = try? JSONParser.parse(request.body) else { throw .badRequest("body must be an array of strings") }
            let values = items.compactMap(\.stringValue)
            guard values.count == items.count else { throw .badRequest("body must be an array of strings") }
            shared.mutex.withLock {
                $0.store.setEnumValues(customerId: request.pathParameters["id"] ?? "",
                                       featureId: request.pathParameters["featureId"] ?? "", values: values)
            }
            return .object([:])
        }
        route("PUT", "/_fake/synthetic-template") { request throws(FakeError) in
            do throws(FakeStiggInputError) { try shared.setSyntheticTemplate(json: request.body) } catch { throw .badRequest(error.description) }
            return .object([:])
        }
        route("POST", "/_fake/seed-demo") { _ in shared.seedDemo(); return .object([:]) }
        route("GET", "/_fake/counters") { _ in shared.mutex.withLock { countersJSON($0.counters) } }
        route("DELETE", "/_fake/counters") { _ in shared.mutex.withLock { $0.counters = CallCounters() }; return .object([:]) }
        route("GET", "/_fake/usage") { _ in shared.mutex.withLock { usageJSON($0.ledger) } }
        route("GET", "/_fake/events") { _ in shared.mutex.withLock { eventsJSON($0.ledger) } }
        route("POST", "/_fake/reset") { request in
            let withData = (try? JSONParser.parse(request.body))?["data"]?.boolValue ?? false
            shared.reset(data: withData)
            return .object([:])
        }
        addWebhookRoutes(to: &router, shared)
        return router
    }

    /// The request body as a JSON object; an empty body counts as `{}`.
    static func body(_ request: HTTPRequest) throws(FakeError) -> [String: JSONValue] {
        if request.body.isEmpty { return [:] }
        guard case .object(let fields)? = try? JSONParser.parse(request.body) else { throw .badRequest("body must be a JSON object") }
        return fields
    }
}
