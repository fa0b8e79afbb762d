@testable import FakeStigg
import SidecarModel
import Testing

@Suite("The fake's usage answer")
struct MeasurementWriterTests {
    private static func written(_ record: UsageRecord) -> String {
        var writer = JSONWriter()
        SharedState.writeMeasurement(record, into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test("a measurement written directly is byte for byte the tree's (same keys, same order, nulls)")
    func sameBytesAsTheTree() {
        let full = UsageRecord(
            id: "m-1", customerId: "acme \"quoted\"", featureId: "feature-api-calls", resourceId: "site-1", value: 2.5,
            updateBehavior: "DELTA", idempotencyKey: "k", createdAt: "2026-11-29T10:00:00.000Z",
            currentUsage: 47, usagePeriodStart: "2026-11-01T00:00:00.000Z", usagePeriodEnd: "2026-12-01T00:00:00.000Z")
        var bare = full
        bare.resourceId = nil
        bare.currentUsage = nil
        bare.usagePeriodStart = nil
        bare.usagePeriodEnd = nil
        for record in [full, bare] {
            #expect(Self.written(record) == SharedState.measurementJSON(record).jsonText)
        }
        #expect(Self.written(bare).contains(#""currentUsage":null"#))
    }
}
