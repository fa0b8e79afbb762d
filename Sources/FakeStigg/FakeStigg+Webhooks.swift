import SidecarModel

extension FakeStigg {
    /// Like configuring a webhook in Stigg: from now on every state change (`setEntitlements`,
    /// here or through the control API) posts `entitlements.updated` to `url` with `secret`.
    public func setWebhookTarget(url: String, secret: String) {
        shared.webhooks.target.withLock { $0 = WebhookTarget(url: url, secret: secret) }
    }

    public func clearWebhookTarget() {
        shared.webhooks.target.withLock { $0 = nil }
    }

    /// Posts one event in Stigg's flat shape (`messageId` new unless given; `fields` are
    /// merged at the top level) and returns what the receiver answered.
    @discardableResult
    public func sendWebhook(
        to url: String, secret: String, type: String = "entitlements.updated", customerId: String?,
        resourceId: String? = nil, messageId: String? = nil, fields: [String: JSONValue] = [:]
    ) async -> WebhookDelivery {
        await shared.sendWebhook(
            to: WebhookTarget(url: url, secret: secret), type: type, customerId: customerId, resourceId: resourceId,
            messageId: messageId, fields: fields)
    }

    /// Every post so far (the last 1,000), automatic ones included, oldest first.
    public var webhookDeliveries: [WebhookDelivery] { shared.webhooks.deliveries }
}
