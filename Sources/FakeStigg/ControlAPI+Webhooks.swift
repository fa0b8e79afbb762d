import SidecarHTTP
import SidecarModel

// Control routes that make the fake post webhooks (documented in ControlAPI.swift).
extension ControlAPI {
    static func addWebhookRoutes(to router: inout Router, _ shared: SharedState) {
        router.post("/_fake/webhooks/send") { request in
            let fields: [String: JSONValue]
            do throws(FakeError) { fields = try body(request) } catch { return .now(error.response(.nested)) }
            let configured = shared.webhooks.target.withLock { $0 }
            guard let url = fields["url"]?.stringValue ?? configured?.url,
                  let secret = fields["secret"]?.stringValue ?? configured?.secret else {
                return .now(FakeError.badRequest("url and secret are required (or PUT /_fake/webhooks first)").response(.nested))
            }
            if let extra = fields["fields"], extra.objectValue == nil {
                return .now(FakeError.badRequest("fields must be an object").response(.nested))
            }
            let type = fields["type"]?.stringValue ?? "entitlements.updated"
            // The post is async: the event loop hands it off and answers when it is done.
            return .later { respond in
                Task {
                    let delivery = await shared.sendWebhook(
                        to: WebhookTarget(url: url, secret: secret), type: type,
                        customerId: fields["customerId"]?.stringValue, resourceId: fields["resourceId"]?.stringValue,
                        messageId: fields["messageId"]?.stringValue, fields: fields["fields"]?.objectValue ?? [:])
                    respond(.json(.ok, delivery.json.jsonBytes))
                }
            }
        }
        router.add("PUT", "/_fake/webhooks") { request in
            let fields: [String: JSONValue]
            do throws(FakeError) { fields = try body(request) } catch { return .now(error.response(.nested)) }
            guard let url = fields["url"]?.stringValue, let secret = fields["secret"]?.stringValue else {
                return .now(FakeError.badRequest("url and secret are required").response(.nested))
            }
            shared.webhooks.target.withLock { $0 = WebhookTarget(url: url, secret: secret) }
            return .now(.json(.ok, JSONValue.object(["url": .string(url)]).jsonBytes))
        }
        router.get("/_fake/webhooks") { _ in
            let url = shared.webhooks.target.withLock { $0?.url }
            // The secret is not echoed: it is the receiver's credential.
            let body = JSONValue.object([
                "url": JSONValue.optional(url), "deliveries": .array(shared.webhooks.deliveries.map(\.json)),
            ])
            return .now(.json(.ok, body.jsonBytes))
        }
        router.add("DELETE", "/_fake/webhooks") { _ in
            shared.webhooks.target.withLock { $0 = nil }
            return .now(.json(.ok, JSONValue.object([:]).jsonBytes))
        }
    }
}

extension WebhookDelivery {
    var json: JSONValue {
        .object([
            "type": .string(type), "messageId": .string(messageId), "customerId": JSONValue.optional(customerId),
            "status": status.map { .number(Double($0)) } ?? .null, "error": JSONValue.optional(error),
        ])
    }
}
