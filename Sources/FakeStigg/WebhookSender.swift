import Foundation
import SidecarHTTPClient
import SidecarModel
import Synchronization

/// Where and how the fake posts webhooks, like Stigg's Settings → Integrations → Webhooks.
public struct WebhookTarget: Sendable, Equatable {
    public var url: String
    public var secret: String

    public init(url: String, secret: String) {
        self.url = url
        self.secret = secret
    }
}

/// What one post came to: the receiver's status, or why there was none.
public struct WebhookDelivery: Sendable, Equatable {
    public var type: String
    public var messageId: String
    public var customerId: String?
    /// nil when the request failed (refused, timed out).
    public var status: Int?
    public var error: String?
}

/// Posts webhook events from the HTTP client's own threads: the fake's event loops never wait
/// for the receiver.
final class WebhookSender: Sendable {
    private let client = HTTPClient()
    let target = Mutex<WebhookTarget?>(nil)
    private let log = Mutex<[WebhookDelivery]>([])
    /// Deliveries kept for `deliveries`; the oldest go first.
    static let logLimit = 1_000

    var deliveries: [WebhookDelivery] { log.withLock { $0 } }

    func post(_ event: JSONValue, to target: WebhookTarget) async -> WebhookDelivery {
        var delivery = WebhookDelivery(
            type: event["type"]?.stringValue ?? "", messageId: event["messageId"]?.stringValue ?? "",
            customerId: event["customer"]?["id"]?.stringValue ?? event["customerId"]?.stringValue ?? event["id"]?.stringValue)
        if let url = URL(string: target.url), url.scheme == "http" || url.scheme == "https" {
            let request = HTTPClientRequest(
                method: "POST", url: url.absoluteString,
                headers: [(name: "Content-Type", value: "application/json"), (name: "Stigg-Webhooks-Secret", value: target.secret)],
                body: event.jsonBytes)
            do {
                delivery.status = try await client.send(request, timeout: .seconds(10)).status
            } catch {
                delivery.error = error.description
            }
        } else {
            delivery.error = "url must be an http:// or https:// URL"
        }
        log.withLock { log in
            if log.count >= Self.logLimit { log.removeFirst(log.count - Self.logLimit + 1) }
            log.append(delivery)
        }
        return delivery
    }
}

extension SharedState {
    /// Builds an event from the fake's current data and posts it.
    func sendWebhook(
        to target: WebhookTarget, type: String, customerId: String?, resourceId: String?, messageId: String?,
        fields: [String: JSONValue]
    ) async -> WebhookDelivery {
        let state: JSONValue? = customerId.flatMap { id in
            mutex.withLock { state in
                if case .state(let value) = state.store.lookup(customerId: id, resourceId: resourceId) { return value }
                return nil
            }
        }
        let event = FakeWebhookEvent.body(
            type: type, customerId: customerId, resourceId: resourceId,
            messageId: messageId ?? UUID().uuidString.lowercased(), state: state, fields: fields)
        return await webhooks.post(event, to: target)
    }

    /// With a target configured, a change to a customer's state posts `entitlements.updated`
    /// (after the change, so a receiver that fetches sees it), as Stigg does.
    func announceChange(customerId: String, resourceId: String?) {
        guard let target = webhooks.target.withLock({ $0 }) else { return }
        Task { _ = await self.sendWebhook(to: target, type: "entitlements.updated", customerId: customerId, resourceId: resourceId, messageId: nil, fields: [:]) }
    }
}
