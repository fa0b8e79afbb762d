import Foundation
import SidecarCache
import SidecarModel
import SidecarHTTP
import SidecarSync

extension Application {
    /// `POST /api/v1/usage` and `POST /api/v1/events` (DESIGN.md §7, §11 "Usage"): answered
    /// only after the records are committed, in Stigg's shapes so official SDKs parse them.
    static func addUsageRoutes(to router: inout Router, usage: UsageService) {
        // Validation answers at once; the commit runs on the store's queue (group commit),
        // never on the event loop, and the answer follows once the records are durable.
        router.post("/api/v1/usage") { request in
            .later { respond in
                let refused = usage.reportUsage(request.body) { result in
                    switch result {
                    case .success(let answer):
                        respond(.json(.created, usageBody(answer), headers: forwardingHeaders(answer.forwarding)))
                    case .failure(let refusal):
                        respond(AppError(refusal).response)
                    }
                }
                if let refused { respond(AppError(refused).response) }
            }
        }
        router.post("/api/v1/events") { request in
            .later { respond in
                let refused = usage.reportEvents(request.body) { result in
                    switch result {
                    case .success(let answer):
                        respond(.json(.ok, Array(#"{"data":{}}"#.utf8), headers: forwardingHeaders(answer.forwarding)))
                    case .failure(let refusal):
                        respond(AppError(refusal).response)
                    }
                }
                if let refused { respond(AppError(refused).response) }
            }
        }
    }

    private static func forwardingHeaders(_ forwarding: Bool) -> HTTPHeaders {
        forwarding ? [:] : ["X-Sidecar-Forwarding": "disabled"]
    }

    /// `{"data":[UsageMeasurement...]}` (STIGG-API.md §5.1), one per record, in order.
    static func usageBody(_ answer: UsageService.UsageAnswer) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + answer.inputs.count * 320)
        writer.raw(#"{"data":["#)
        for (index, (input, ack)) in zip(answer.inputs, answer.acks).enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw(#"{"id":"#)
            writer.string(ack.recordId)
            writer.raw(#","customerId":"#)
            writer.string(input.customerId)
            writer.raw(#","featureId":"#)
            writer.string(input.featureId)
            writer.raw(#","value":"#)
            writer.number(input.value)
            writer.raw(#","timestamp":"#)
            writer.string(ack.createdAt)
            writer.raw(#","createdAt":"#)
            writer.string(ack.createdAt)
            writer.raw(#","currentUsage":"#)
            writer.number(ack.currentUsage)
            writer.raw(#","usagePeriodStart":"#)
            writer.string(ack.usagePeriodStart)
            writer.raw(#","usagePeriodEnd":"#)
            writer.string(ack.usagePeriodEnd)
            writer.raw(#","nextResetDate":"#)
            writer.string(ack.usagePeriodEnd)
            writer.raw(#","resourceId":"#)
            writer.string(input.resourceId)
            writer.raw("}")
        }
        writer.raw("]}")
        return writer.bytes
    }
}

extension AppError {
    init(_ refusal: UsageService.Refusal) {
        switch refusal {
        case .invalid(let error): self = .invalidBody(error.message)
        case .full(let error): self = .outboxFull(error.description)
        case .storage(let why): self = .storage(why)
        }
    }
}
