import Testing
@testable import SidecarModel

@Suite("JSON parser keeping some members")
struct JSONKeepingTests {
    func keeping(_ text: String, _ keys: Set<String>) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8), keeping: keys)
    }

    /// The full parse with every object's members outside `keys` removed.
    func filtered(_ value: JSONValue, _ keys: Set<String>) -> JSONValue {
        switch value {
        case .object(let fields):
            .object(fields.filter { keys.contains($0.key) }.mapValues { filtered($0, keys) })
        case .array(let elements): .array(elements.map { filtered($0, keys) })
        default: value
        }
    }

    @Test("only the named members are built, at every depth; the kept ones are as a full parse gives them")
    func keepsNamedMembers() throws {
        let text = #"{"data":[{"id":"x\"y","customerId":"c1","value":3,"nested":{"customerId":"deep","z":[1,{"a":null}]},"currentUsage":7.5},"#
            + #"{"customerId":"c2","currentUsage":null,"timestamp":"2026-11-01T00:00:00.000Z","flag":true}],"other":{"data":1}}"#
        let keys: Set<String> = ["data", "customerId", "currentUsage", "nested"]
        let kept = try keeping(text, keys)
        #expect(kept == filtered(try JSONParser.parse(text), keys))
        guard case .array(let items)? = kept["data"], case .object(let first)? = items.first else {
            Issue.record("no data array in \(kept)")
            return
        }
        #expect(first["nested"] == .object(["customerId": .string("deep")]))
        #expect(first["id"] == nil && first["value"] == nil)
    }

    @Test("a syntax error in a dropped member is the same error, at the same place, as in a full parse", arguments: [
        #"{"data":1,"skip":[1,2,}"#, #"{"skip":{"a" 1},"data":2}"#, #"{"skip":"bad \x escape","data":1}"#,
        #"{"skip":"tab\#there"}"#, #"{"skip":tru}"#, #"{"skip":[1 2]}"#, #"{"skip":"unterminated"#, #"{"skip":01}"#,
        #"{"skip":{"a":[}]}}"#,
    ])
    func droppedMembersAreChecked(text: String) {
        var full: JSONParseError?
        var kept: JSONParseError?
        do { _ = try JSONParser.parse(text) } catch { full = error }
        do { _ = try keeping(text, ["data"]) } catch { kept = error }
        #expect(full != nil)
        #expect(kept == full)
    }

    @Test("nesting in dropped members counts against the depth limit")
    func depthLimit() {
        let deep = #"{"skip":"# + String(repeating: "[", count: JSONParser.maxDepth + 1) + String(repeating: "]", count: JSONParser.maxDepth + 1) + "}"
        #expect(throws: JSONParseError.self) { try keeping(deep, ["data"]) }
    }
}
