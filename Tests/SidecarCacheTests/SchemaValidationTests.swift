import Foundation
import Testing
@testable import SidecarCache
@testable import SidecarModel
@testable import SidecarApp

// Validates what the encoders write against the project's JSON Schema of Stigg's wire shapes,
// with python3's `jsonschema` (format checks included). Skipped when python3 or the module is
// missing; the round-trip tests still cover the shapes in that case.

enum Python {
    static let hasJSONSchema: Bool = (try? run(["-c", "import jsonschema"]).status) == 0

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

@Suite("Schema validation", .enabled(if: Python.hasJSONSchema, "needs python3 with jsonschema"))
struct SchemaValidationTests {
    static let script = #"""
    import json, sys, jsonschema
    schema = json.load(open(sys.argv[1]))
    cases = json.load(open(sys.argv[2]))
    failures = 0
    for case in cases:
        validator = jsonschema.Draft202012Validator(
            {"$defs": schema["$defs"], "$ref": "#/$defs/" + case["def"]},
            format_checker=jsonschema.FormatChecker())
        for error in validator.iter_errors(case["body"]):
            failures += 1
            print(case["name"], "->", error.message, list(error.absolute_path))
    print("validated", len(cases))
    sys.exit(1 if failures else 0)
    """#

    /// Every kind of body the module writes: each decision-table answer, each fallback answer,
    /// each Stigg example re-encoded, and the demo snapshot as listings and as checks.
    func bodies() throws -> [(name: String, def: String, body: [UInt8])] {
        let provenance = Provenance(source: .cache, syncedAt: "2026-06-15T12:00:00.000Z", ageSeconds: 4)
        var cases: [(String, String, [UInt8])] = []
        for row in decisionTable where !row.offSchemaInput {
            let decision = decide(state: row.state, request: row.request, now: Fixtures.now)
            cases.append((row.name, "CustomerCheckEntitlementResponse", ResponseBody.check(decision.entitlement, provenance: provenance)))
            if let state = row.state {
                let listed = state.rolledOver(at: Fixtures.now).state
                cases.append((row.name + " (listing)", "CustomerRetrieveEntitlementsResponse", ResponseBody.listing(listed, provenance: provenance)))
            }
        }
        for row in FallbackRulesTests.table {
            let decision = FallbackRulesTests.tableRules.decide(row.request, now: Fixtures.now)
            cases.append(("fallback: " + row.name, "CustomerCheckEntitlementResponse", ResponseBody.check(decision.entitlement, provenance: .fallback)))
        }
        for (index, example) in StiggExamples.listings.enumerated() {
            let state = try EntitlementsState.decodeResponse(Array(example.utf8))
            cases.append(("listing example \(index)", "CustomerRetrieveEntitlementsResponse", ResponseBody.listing(state, provenance: provenance)))
        }
        for (index, example) in StiggExamples.checks.enumerated() {
            let entitlement = try Entitlement.decodeCheckResponse(Array(example.utf8))
            cases.append(("check example \(index)", "CustomerCheckEntitlementResponse", ResponseBody.check(entitlement, provenance: provenance)))
        }
        let demo = try OfflineSnapshot.load(path: DemoSnapshotTests.path)
        for entry in demo.entries {
            cases.append(("demo \(entry.key)", "CustomerRetrieveEntitlementsResponse", ResponseBody.listing(entry.state, provenance: provenance)))
            for entitlement in entry.state.entitlements {
                cases.append(("demo \(entry.key) entitlement", "CustomerCheckEntitlementResponse", ResponseBody.check(entitlement, provenance: provenance)))
            }
        }
        return cases
    }

    @Test func encoderOutputMatchesStiggSchema() throws {
        var writer = JSONWriter(capacity: 1 << 16)
        let cases = try bodies()
        writer.raw("[")
        for (index, item) in cases.enumerated() {
            if index > 0 { writer.raw(",\n") }
            writer.raw(#"{"name":"#)
            writer.string(item.name)
            writer.raw(#","def":"#)
            writer.string(item.def)
            writer.raw(#","body":"#)
            writer.bytes.append(contentsOf: item.body)
            writer.raw("}")
        }
        writer.raw("]")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let schemaFile = directory.appendingPathComponent("schema.json")
        let casesFile = directory.appendingPathComponent("cases.json")
        try Data(StiggSchema.json.utf8).write(to: schemaFile)
        try Data(writer.bytes).write(to: casesFile)

        let result = try Python.run(["-c", Self.script, schemaFile.path, casesFile.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("validated \(cases.count)"))
        #expect(cases.count > 150)
    }
}
