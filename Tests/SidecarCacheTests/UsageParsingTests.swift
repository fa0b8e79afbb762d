import Testing
@testable import SidecarCache
@testable import SidecarModel

@Suite("Usage and event bodies: Stigg's validation, messages naming the record and field")
struct UsageParsingTests {
    func usage(_ json: String) throws(UsageValidationError) -> [UsageInput] {
        try UsageInput.parseBatch(Array(json.utf8))
    }

    func events(_ json: String) throws(UsageValidationError) -> [EventInput] {
        try EventInput.parseBatch(Array(json.utf8))
    }

    static let good = #"{"customerId":"c","featureId":"f","value":1}"#

    @Test("a full record parses; omitted fields take Stigg's defaults")
    func parsesFullRecord() throws {
        let parsed = try usage(#"""
            {"usages":[{"customerId":"c1","featureId":"f1","value":2.5,"updateBehavior":"SET","idempotencyKey":"k1",
              "resourceId":"r1","createdAt":"2026-11-21T02:00:00.000Z","dimensions":{"region":"eu","n":3,"ok":true},"extra":1},
             {"customerId":"c2","featureId":"f2","value":-3,"resourceId":null}]}
            """#)
        #expect(parsed == [
            UsageInput(customerId: "c1", featureId: "f1", value: 2.5, updateBehavior: .set, idempotencyKey: "k1",
                       resourceId: "r1", createdAt: "2026-11-21T02:00:00.000Z",
                       dimensions: .object(["region": .string("eu"), "n": .number(3), "ok": .bool(true)])),
            UsageInput(customerId: "c2", featureId: "f2", value: -3),
        ])
    }

    static let invalidUsage: [(String, String)] = [
        ("", "request body is empty"),
        ("{", "request body is not valid JSON: line 1"),
        ("[]", "request body must be a JSON object"),
        (#"{}"#, "usages is required"),
        (#"{"usages":{}}"#, "usages must be an array, found object"),
        (#"{"usages":[]}"#, "usages must hold 1 to 100 items, found 0"),
        (#"{"usages":[\#(Array(repeating: good, count: 101).joined(separator: ","))]}"#, "usages must hold 1 to 100 items, found 101"),
        (#"{"usages":[\#(good),3]}"#, "usages[1] must be an object, found number"),
        (#"{"usages":[{"featureId":"f","value":1}]}"#, "usages[0].customerId is required"),
        (#"{"usages":[{"customerId":"","featureId":"f","value":1}]}"#, "usages[0].customerId must be 1 to 255 characters"),
        (#"{"usages":[{"customerId":7,"featureId":"f","value":1}]}"#, "usages[0].customerId must be a string, found number"),
        (#"{"usages":[\#(good),{"customerId":"c","value":1}]}"#, "usages[1].featureId is required"),
        (#"{"usages":[{"customerId":"c","featureId":"f"}]}"#, "usages[0].value is required"),
        (#"{"usages":[{"customerId":"c","featureId":"f","value":"3"}]}"#, "usages[0].value must be a number, found string"),
        (#"{"usages":[{"customerId":"c","featureId":"f","value":9007199254740993}]}"#, "usages[0].value must be at most 9007199254740991"),
        (#"{"usages":[{"customerId":"c","featureId":"f","value":34359738368.5}]}"#, "usages[0].value with a fractional part must be below"),
        (#"{"usages":[{"customerId":"c","featureId":"f","value":1,"updateBehavior":"ADD"}]}"#, "usages[0].updateBehavior must be DELTA or SET"),
        (#"{"usages":[{"customerId":"c","featureId":"f","value":1,"idempotencyKey":5}]}"#, "usages[0].idempotencyKey must be a string"),
        (#"{"usages":[{"customerId":"c","featureId":"f","value":1,"createdAt":"yesterday"}]}"#, "usages[0].createdAt must be an RFC 3339 date-time"),
        (#"{"usages":[{"customerId":"c","featureId":"f","value":1,"dimensions":[1]}]}"#, "usages[0].dimensions must be an object, found array"),
        (#"{"usages":[{"customerId":"c","featureId":"f","value":1,"dimensions":{"a":{"b":1}}}]}"#, "usages[0].dimensions.a must be a string, number or boolean, found object"),
        (#"{"usages":[{"customerId":"c","featureId":"f","value":1,"resourceId":""}]}"#, "usages[0].resourceId must be 1 to 255 characters"),
    ]

    @Test("each invalid usage body is refused with a message naming what is wrong", arguments: invalidUsage)
    func refusesUsage(body: String, message: String) {
        #expect {
            _ = try usage(body)
        } throws: { error in
            (error as? UsageValidationError)?.message.hasPrefix(message) == true
        }
    }

    @Test("an id's limit counts characters, not bytes: 255 of them pass in any script, 256 do not")
    func idLengthInCharacters() throws {
        func body(_ customerId: String) -> String {
            #"{"usages":[{"customerId":"\#(customerId)","featureId":"f","value":1}]}"#
        }
        for character in ["a", "é", "日", "👍🏽"] {
            let longest = String(repeating: character, count: 255)
            #expect(try usage(body(longest)).first?.customerId == longest, "\(character)")
            #expect(throws: UsageValidationError.self, "\(character)") {
                try usage(body(longest + character))
            }
        }
    }

    static let goodEvent = #"{"customerId":"c","eventName":"e","idempotencyKey":"k"}"#

    static let invalidEvents: [(String, String)] = [
        (#"{"usages":[]}"#, "events is required"),
        (#"{"events":[]}"#, "events must hold 1 to 1000 items, found 0"),
        (#"{"events":[\#(Array(repeating: goodEvent, count: 1001).joined(separator: ","))]}"#, "events must hold 1 to 1000 items, found 1001"),
        (#"{"events":[\#(goodEvent),{"customerId":"c","eventName":"e"}]}"#, "events[1].idempotencyKey is required"),
        (#"{"events":[{"customerId":"c","idempotencyKey":"k"}]}"#, "events[0].eventName is required"),
        (#"{"events":[{"eventName":"e","idempotencyKey":"k"}]}"#, "events[0].customerId is required"),
        (#"{"events":[{"customerId":"c","eventName":"e","idempotencyKey":"k","timestamp":"2026-13-01T00:00:00Z"}]}"#, "events[0].timestamp must be an RFC 3339 date-time"),
        (#"{"events":[{"customerId":"c","eventName":"e","idempotencyKey":"k","dimensions":{"x":null}}]}"#, "events[0].dimensions.x must be a string, number or boolean, found null"),
    ]

    @Test("each invalid events body is refused with a message naming what is wrong", arguments: invalidEvents)
    func refusesEvents(body: String, message: String) {
        #expect {
            _ = try events(body)
        } throws: { error in
            (error as? UsageValidationError)?.message.hasPrefix(message) == true
        }
    }

    @Test("1000 events are accepted, and the forwarded body keeps every field")
    func eventsAtTheLimit() throws {
        let parsed = try events(#"{"events":[\#(Array(repeating: Self.goodEvent, count: 1000).joined(separator: ","))]}"#)
        #expect(parsed.count == 1000)
        let event = EventInput(customerId: "c", eventName: "e", idempotencyKey: "k", resourceId: "r", dimensions: .object(["b": .number(1), "a": .string("x")]))
        #expect(text(event.forwardedBody(timestamp: "2026-11-21T02:00:00.000Z")) ==
            #"{"customerId":"c","eventName":"e","idempotencyKey":"k","timestamp":"2026-11-21T02:00:00.000Z","resourceId":"r","dimensions":{"a":"x","b":1}}"#)
    }
}
