import Foundation
import SidecarApp
import SidecarTestSupport
import Testing

extension FleetSuite {
    @Suite("Fleet: not-found shared", .serialized)
    struct FleetNotFoundTests {
        @Test("a customer upstream does not know: three sidecars asked at once read upstream once and answer as a standalone sidecar does")
        func sharedNotFound() async throws {
            let harness = try FleetHarness()
            let sidecars = try await harness.startFleet(3)
            var solo = harness.config("solo")
            solo.redisURL = nil
            let standalone = try await harness.start(solo)
            let reference = try await offPool { try standalone.check("nobody-standalone") }
            #expect(harness.reads("nobody-standalone") == 1)

            let customer = "nobody-fleet"
            let answers = try await withThrowingTaskGroup(of: RawResponse.self) { group in
                for app in sidecars { group.addTask { try await offPool { try app.check(customer) } } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(harness.reads(customer) == 1, "\(harness.redisTrouble())")
            // And once more on each, one after the other: the not-found is remembered or shared.
            var all = answers
            for app in sidecars { all.append(try await offPool { try app.check(customer) }) }
            #expect(harness.reads(customer) == 1, "\(harness.redisTrouble())")
            for answer in all {
                #expect(answer.status == reference.status)
                #expect(Self.comparable(answer.data) == Self.comparable(reference.data))
                #expect(answer.source == reference.source)
                #expect(answer.granted == false)
                #expect(answer.data["accessDeniedReason"] as? String == "CustomerNotFound")
            }
            await harness.stop()
        }

        /// An answer's fields without the ones that follow the clock.
        static func comparable(_ data: [String: Any]) -> String {
            let kept = data.filter { !["usageUpdatedAt", "entitlementUpdatedAt"].contains($0.key) }
            let json = try? JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys])
            return json.map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
    }
}
