/// One Stigg webhook delivery (STIGG-API.md §6.3): a flat JSON object with `type` and
/// `messageId` next to the event's own fields, reduced to what the cache acts on (DESIGN.md §12).
public struct WebhookEvent: Sendable, Equatable {
    public var type: String
    public var messageId: String
    /// What the event does to the cache, from its type and the ids it carries.
    public var effect: Effect

    public enum Effect: Sendable, Equatable {
        /// `entitlements.updated`: that one (customer, resource) state changed.
        case refreshState(StateKey)
        /// A customer-level event: any of the customer's states may have changed.
        case refreshCustomer(String)
        /// A catalog event (plan, add-on, feature, package): any state may have changed.
        case refreshAll
        /// An unknown type, or a customer-level type without a customer id.
        case ignore
    }

    /// The longest `messageId` kept for deduplication; Stigg's are UUIDs.
    public static let maxMessageIdLength = 255
    /// Customer and resource ids follow the API's 1-255 characters; anything else names nothing
    /// the cache can hold.
    static let maxIdLength = 255

    static let customerFamilies = [
        "customer.", "subscription.", "trial.", "promotionalEntitlement.", "promotional_entitlement.",
        "credit.", "entitlement.",
    ]
    static let catalogFamilies = ["plan.", "addon.", "feature.", "package."]

    /// Parses a delivery body. The error says what was wrong, for a 400 that Stigg's delivery
    /// log shows the operator.
    public init(parsing body: [UInt8]) throws(WebhookEventError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw WebhookEventError(message: "body is not JSON (\(error))", type: nil)
        }
        guard case .object = json else { throw WebhookEventError(message: "body must be a JSON object, found \(json.typeName)", type: nil) }
        guard case .string(let type)? = json["type"], !type.isEmpty else {
            throw WebhookEventError(message: "type must be a non-empty string", type: nil)
        }
        guard case .string(let messageId)? = json["messageId"], !messageId.isEmpty else {
            throw WebhookEventError(message: "messageId must be a non-empty string", type: type)
        }
        guard messageId.utf8.count <= Self.maxMessageIdLength else {
            throw WebhookEventError(message: "messageId must be at most \(Self.maxMessageIdLength) bytes", type: type)
        }
        self.type = type
        self.messageId = messageId
        effect = Self.effect(of: type, json)
    }

    /// The metric label of a type: itself for the families the cache acts on (a vocabulary
    /// Stigg controls), `other` for anything else, so a sender cannot grow the label set freely.
    public static func family(of type: String) -> String? {
        if type == "entitlements.updated" { return type }
        if (customerFamilies + catalogFamilies).contains(where: { type.hasPrefix($0) && type.count > $0.count }) { return type }
        return nil
    }

    private static func effect(of type: String, _ json: JSONValue) -> Effect {
        if type == "entitlements.updated" {
            guard let customerId = customerId(in: json, allowTopLevelId: false) else { return .ignore }
            return .refreshState(StateKey(customerId: customerId, resourceId: resourceId(in: json)))
        }
        if let family = customerFamilies.first(where: { type.hasPrefix($0) && type.count > $0.count }) {
            guard let customerId = customerId(in: json, allowTopLevelId: family == "customer.") else { return .ignore }
            return .refreshCustomer(customerId)
        }
        if catalogFamilies.contains(where: { type.hasPrefix($0) && type.count > $0.count }) { return .refreshAll }
        return .ignore
    }

    /// `customer.id`, else `customerId`, else (customer events, whose fields are the
    /// customer's own) the top-level `id`.
    private static func customerId(in json: JSONValue, allowTopLevelId: Bool) -> String? {
        let candidates = [json["customer"]?["id"], json["customerId"], allowTopLevelId ? json["id"] : nil]
        for case .string(let id)? in candidates where !id.isEmpty {
            return id.utf8.count <= maxIdLength ? id : nil
        }
        return nil
    }

    /// `resource.id`, else `resourceId`; nil (the customer-level state) when absent.
    private static func resourceId(in json: JSONValue) -> String? {
        for case .string(let id)? in [json["resource"]?["id"], json["resourceId"]] where !id.isEmpty && id.utf8.count <= maxIdLength {
            return id
        }
        return nil
    }
}

/// Why a webhook body was refused (400).
public struct WebhookEventError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// The body's `type`, when it had a usable one (for the metric label).
    public let type: String?
    public var description: String { message }
}
