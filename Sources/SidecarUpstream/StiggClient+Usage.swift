import SidecarModel

/// What upstream said about one delivered usage record (a `UsageMeasurement`, STIGG-API.md §5.1).
public struct ReportedUsage: Sendable, Equatable {
    public var customerId: String
    public var resourceId: String?
    public var featureId: String
    /// The feature's usage upstream after the record; nil when upstream did not say.
    public var currentUsage: Double?
}

extension StiggClient {
    /// `POST /api/v1/usage` with records already in their wire shape (each with its
    /// idempotency key). Returns the measurements, in request order.
    public func reportUsage(_ records: [[UInt8]], deadline: Duration? = nil) async throws(UpstreamError) -> [ReportedUsage] {
        let body = try await post("/api/v1/usage", body: StiggClient.batch("usages", records), deadline: deadline)
        guard let json = try? JSONParser.parse(body, keeping: Self.measurementFields), case .array(let items)? = json["data"] else {
            throw .invalidResponse("usage report answer is not {\"data\":[...]}")
        }
        var measurements: [ReportedUsage] = []
        for (index, item) in items.enumerated() {
            guard case .string(let customerId)? = item["customerId"], case .string(let featureId)? = item["featureId"] else {
                throw .invalidResponse("usage report answer: data[\(index)] lacks customerId or featureId")
            }
            var resourceId: String?
            if case .string(let id)? = item["resourceId"] { resourceId = id }
            var currentUsage: Double?
            if case .number(let usage)? = item["currentUsage"], usage.isFinite { currentUsage = usage }
            measurements.append(ReportedUsage(customerId: customerId, resourceId: resourceId, featureId: featureId, currentUsage: currentUsage))
        }
        return measurements
    }

    /// What `reportUsage` reads of the answer.
    static let measurementFields: Set<String> = ["data", "customerId", "featureId", "resourceId", "currentUsage"]

    /// `POST /api/v1/events`. The answer's `data` is untyped (STIGG-API.md §5.3); anything but
    /// an empty body or a JSON object is taken for a proxy's page and retried (safe: every
    /// event carries its idempotency key).
    public func reportEvents(_ events: [[UInt8]], deadline: Duration? = nil) async throws(UpstreamError) {
        let body = try await post("/api/v1/events", body: StiggClient.batch("events", events), deadline: deadline)
        guard body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 })
            || (try? JSONParser.parse(body)).map({ if case .object = $0 { true } else { false } }) == true else {
            throw .invalidResponse("events answer is not a JSON object")
        }
    }

    /// `{"<key>":[r1,r2,...]}` from records that are already JSON.
    static func batch(_ key: StaticString, _ records: [[UInt8]]) -> [UInt8] {
        var writer = JSONWriter(capacity: records.reduce(16) { $0 + $1.count + 1 })
        writer.raw("{")
        writer.string(key.description)
        writer.raw(":[")
        for (index, record) in records.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.bytes.append(contentsOf: record)
        }
        writer.raw("]}")
        return writer.bytes
    }
}
