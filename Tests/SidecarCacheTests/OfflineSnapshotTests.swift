import Foundation
import Testing
@testable import SidecarCache
@testable import SidecarModel

@Suite("Offline snapshot")
struct OfflineSnapshotTests {
    static let good = #"""
    {"customers":[
      {"customerId":"c-1","resourceId":null,"accessDeniedReason":null,"entitlements":[
        {"type":"FEATURE","isGranted":true,"accessDeniedReason":null,
         "feature":{"id":"f","displayName":"F","featureType":"NUMBER","featureStatus":"ACTIVE"},"usageLimit":3,"currentUsage":1}]},
      {"customerId":"c-1","resourceId":"ws-1","accessDeniedReason":null,"entitlements":[]},
      {"customerId":"c-2","accessDeniedReason":"NoActiveSubscription","entitlements":[]}
    ]}
    """#

    func loadError(_ json: String) -> OfflineSnapshotError? {
        do {
            _ = try OfflineSnapshot(parsing: Array(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func goodSnapshotDecodesInFileOrder() throws {
        let snapshot = try OfflineSnapshot(parsing: Array(Self.good.utf8))
        #expect(snapshot.entries.map(\.key) == [
            StateKey(customerId: "c-1"), StateKey(customerId: "c-1", resourceId: "ws-1"), StateKey(customerId: "c-2"),
        ])
        #expect(snapshot.entries[0].state.feature("f")?.usageLimit == .present(3))
        #expect(snapshot.entries[2].state.accessDeniedReason == .noActiveSubscription)
    }

    @Test func resolvesEachKeyPerDesign() throws {
        let snapshot = try OfflineSnapshot(parsing: Array(Self.good.utf8))
        guard case .state(let customerState) = snapshot.resolve(StateKey(customerId: "c-1")) else {
            Issue.record("c-1 should resolve")
            return
        }
        #expect(customerState.entitlements.count == 1)
        #expect(snapshot.resolve(StateKey(customerId: "c-1", resourceId: "ws-1")) == .state(EntitlementsState(entitlements: [])))
        #expect(snapshot.resolve(StateKey(customerId: "c-1", resourceId: "ws-2")) == .resourceNotFound)
        #expect(snapshot.resolve(StateKey(customerId: "c-2", resourceId: "ws-1")) == .resourceNotFound)
        #expect(snapshot.resolve(StateKey(customerId: "c-3")) == .customerNotFound)
    }

    @Test func syntaxErrorNamesLineAndColumn() {
        let broken = "{\"customers\":[\n  {\"customerId\":\"c-1\"\n   \"entitlements\":[]}\n]}"
        let error = loadError(broken)
        #expect(error?.line == 3)
        #expect(error?.column == 4)
        #expect(error?.description == "line 3, column 4: expected ',' or '}' in object")
    }

    @Test func typeErrorNamesCustomerIndexFieldPathAndPosition() {
        let json = """
        {"customers":[
          {"customerId":"c-1","entitlements":[]},
          {"customerId":"c-2","entitlements":[
            {"type":"FEATURE","isGranted":true,"usageLimit":"ten"}]}
        ]}
        """
        let error = loadError(json)
        #expect(error?.reason == "customers[1].entitlements[0].usageLimit: expected number, found string")
        #expect(error?.line == 4)
        #expect(error?.column == 53)
    }

    @Test func missingFieldPointsAtTheObjectThatLacksIt() {
        let error = loadError("{\"customers\":[\n  {\"customerId\":\"a\",\"entitlements\":[]},\n  {\"customerId\":\"b\"}\n]}")
        #expect(error?.description == "line 3, column 3: customers[1].entitlements: missing required field")
    }

    @Test(arguments: [
        (#"{"clients":[]}"#, "customers: missing required field"),
        (#"[]"#, "(root): expected object, found array"),
        (#"{"customers":[{"entitlements":[]}]}"#, "customers[0].customerId: missing required field"),
        (#"{"customers":[{"customerId":"","entitlements":[]}]}"#, "customers[0].customerId: must not be empty"),
        (#"{"customers":[{"customerId":"a","resourceId":"","entitlements":[]}]}"#,
         "customers[0].resourceId: must not be empty (use null for no resource)"),
        (#"{"customers":[{"customerId":"a","resourceId":7,"entitlements":[]}]}"#, "customers[0].resourceId: expected string, found number"),
        (#"{"customers":[{"customerId":"a"}]}"#, "customers[0].entitlements: missing required field"),
        (#"{"customers":[{"customerId":"a","entitlements":[]},{"customerId":"a","resourceId":null,"entitlements":[]}]}"#,
         "customers[1]: duplicate state for a, first given at customers[0]"),
    ])
    func invalidSnapshotsAreRejected(_ json: String, _ reason: String) {
        #expect(loadError(json)?.reason == reason)
    }

    @Test func loadFromFileNamesTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-cache-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.json")
        try Data(Self.good.utf8).write(to: good)
        #expect(try OfflineSnapshot.load(path: good.path).entries.count == 3)

        let bad = directory.appendingPathComponent("bad.json")
        try Data("{\n \"customers\": [,]\n}".utf8).write(to: bad)
        #expect {
            try OfflineSnapshot.load(path: bad.path)
        } throws: { error in
            (error as? OfflineSnapshotError)?.description == "\(bad.path):2:16: unexpected character ','"
        }

        let missing = directory.appendingPathComponent("missing.json").path
        #expect {
            try OfflineSnapshot.load(path: missing)
        } throws: { error in
            let description = (error as? OfflineSnapshotError)?.description ?? ""
            return description.hasPrefix("\(missing): cannot read the offline snapshot")
        }
    }
}

@Suite("Offline snapshot, streamed one customer at a time")
struct OfflineSnapshotStreamingTests {
    /// Streaming must accept and reject exactly what the whole-file decoder does, with the
    /// same messages; a file it cannot stream it says so (nil), and `load` explains.
    @Test(arguments: [
        #"{"customers":[{"customerId":"a","entitlements":[]},{"customerId":"b","resourceId":"r","entitlements":[]}],"x":[1]}"#,
        "{\"customers\":[\n  {\"customerId\":\"c-1\"\n   \"entitlements\":[]}\n]}",
        "{\"customers\":[\n  {\"customerId\":\"a\",\"entitlements\":[]},\n  {\"customerId\":\"b\"}\n]}",
        "{\"customers\":[\n {\"customerId\":\"a\",\"entitlements\":[{\"type\":\"FEATURE\",\"isGranted\":\"yes\"}]}]}",
        #"{"customers":[{"customerId":"a","entitlements":[]},{"customerId":"a","entitlements":[]}]}"#,
        #"{"customers":[]} trailing"#,
        #"{"customers":{}}"#,
        #"{"other":[]}"#,
        #"[]"#,
        #"{"customers":[{"customerId":"a","entitlements":[]}],"customers":[]}"#,
    ])
    func streamingAgreesWithLoading(_ json: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-stream-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("snapshot.json")
        try Data(json.utf8).write(to: file)

        var streamed: [OfflineSnapshot.Entry] = []
        let streamResult = Result { try OfflineSnapshot.stream(path: file.path) { streamed.append($0) } }
        let loadResult = Result { try OfflineSnapshot.load(path: file.path) }
        switch (streamResult, loadResult) {
        case (.success(let count?), .success(let snapshot)):
            #expect(count == snapshot.entries.count)
            #expect(streamed == snapshot.entries)
        case (.success(nil), _):
            break  // not streamable: `load` decides, whatever it says
        case (.failure(let streamError), .failure(let loadError)):
            #expect("\(streamError)" == "\(loadError)")
        case (.success, .failure(let loadError)):
            Issue.record("streaming accepted what loading rejects: \(loadError)")
        case (.failure(let streamError), .success):
            Issue.record("streaming rejected what loading accepts: \(streamError)")
        }
    }
}

@Suite("Shipped demo snapshot")
struct DemoSnapshotTests {
    static let path = repositoryRoot.appendingPathComponent("config/offline-entitlements.json").path

    func snapshot() throws -> OfflineSnapshot { try OfflineSnapshot.load(path: Self.path) }

    func ask(_ snapshot: OfflineSnapshot, _ customer: String, resource: String? = nil, _ target: CheckRequest.Target,
             usage: Double? = nil) -> Decision {
        let request = CheckRequest(customerId: customer, resourceId: resource, target: target, requestedUsage: usage)
        let resolved: EntitlementsState? = if case .state(let state) = snapshot.resolve(request.stateKey) { state } else { nil }
        return decide(state: resolved, request: request, now: Date())
    }

    @Test func loadsAndCoversEveryDemoCase() throws {
        let demo = try snapshot()
        #expect(Set(demo.entries.map(\.customerId)) == ["demo-pro", "demo-free", "demo-archived", "demo-nosub"])

        #expect(ask(demo, "demo-pro", .feature("feature-sso")).isGranted)
        #expect(ask(demo, "demo-pro", .feature("feature-seats"), usage: 18).isGranted)
        #expect(ask(demo, "demo-pro", .feature("feature-seats"), usage: 19).accessDeniedReason == .requestedUsageExceedingLimit)
        let calls = ask(demo, "demo-pro", .feature("feature-api-calls"), usage: 100)
        #expect(calls.isGranted && !calls.needsRefresh && calls.entitlement.currentUsage == 2500)
        #expect(ask(demo, "demo-pro", .feature("feature-analytics"), usage: 1e9).isGranted)
        #expect(ask(demo, "demo-pro", .currency("ai-tokens"), usage: 4000).isGranted)
        #expect(ask(demo, "demo-pro", .currency("ai-tokens"), usage: 4001).accessDeniedReason == .insufficientCredits)

        #expect(ask(demo, "demo-pro", resource: "workspace-1", .feature("feature-seats")).accessDeniedReason == .requestedUsageExceedingLimit)
        #expect(ask(demo, "demo-pro", resource: "workspace-1", .feature("feature-analytics")).accessDeniedReason == .noFeatureEntitlementInSubscription)
        #expect(ask(demo, "demo-pro", resource: "workspace-9", .feature("feature-sso")).accessDeniedReason == .customerResourceNotFound)

        #expect(ask(demo, "demo-free", .feature("feature-api-calls")).accessDeniedReason == .requestedUsageExceedingLimit)
        #expect(ask(demo, "demo-free", .feature("feature-analytics")).accessDeniedReason == .revoked)
        #expect(ask(demo, "demo-free", .feature("feature-sso")).accessDeniedReason == .noFeatureEntitlementInSubscription)
        #expect(ask(demo, "demo-archived", .feature("feature-sso")).accessDeniedReason == .customerIsArchived)
        #expect(ask(demo, "demo-nosub", .feature("feature-sso")).accessDeniedReason == .noActiveSubscription)
        #expect(demo.resolve(StateKey(customerId: "demo-unknown")) == .customerNotFound)
    }

    @Test func everyDemoStateReencodesToTheSameJSON() throws {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Self.path)))
        guard case .array(let customers)? = try JSONParser.parse(bytes)["customers"] else {
            Issue.record("no customers array")
            return
        }
        let demo = try snapshot()
        for (entry, original) in zip(demo.entries, customers) {
            var writer = JSONWriter()
            writer.entitlementsState(entry.state)
            let encoded = try JSONParser.parse(writer.bytes)
            #expect(encoded["entitlements"] == original["entitlements"])
            #expect(encoded["accessDeniedReason"] == original["accessDeniedReason"])
        }
    }
}
