import Foundation
import Testing
@testable import SidecarCache

@Suite("JSON writer")
struct JSONWriterTests {
    func written(_ body: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter(capacity: 16)
        body(&writer)
        return text(writer.bytes)
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("", #""""#),
        (#"say "hi""#, #""say \"hi\"""#),
        (#"back\slash"#, #""back\\slash""#),
        ("a/b", #""a/b""#),
        ("line\nbreak\r\ttab", #""line\nbreak\r\ttab""#),
        ("\u{08}\u{0C}", #""\b\f""#),
        ("\u{00}\u{01}\u{1F}", #""\u0000\u0001\u001f""#),
        ("\u{7F}", "\"\u{7F}\""),
        ("café ✓ 日本 😀", "\"café ✓ 日本 😀\""),
        ("js\u{2028}\u{2029}end", #""js\u2028\u2029end""#),
        ("\u{2026}…", "\"\u{2026}…\""),
    ])
    func stringEscaping(_ input: String, _ expected: String) throws {
        let output = written { $0.string(input) }
        #expect(output == expected)
        // And any JSON parser reads the original string back.
        #expect(try JSONParser.parse("[\(output)]") == .array([.string(input)]))
        let foundation = try JSONSerialization.jsonObject(with: Data("[\(output)]".utf8)) as? [String]
        #expect(foundation == [input])
    }

    @Test func nilStringIsNull() {
        #expect(written { $0.string(nil) } == "null")
    }

    @Test(arguments: [
        (10000.0, "10000"), (0.0, "0"), (-0.0, "0"), (-5.0, "-5"), (1.0, "1"),
        (0.5, "0.5"), (0.1, "0.1"), (2.75, "2.75"), (-1234.5678, "-1234.5678"),
        (1e-7, "1e-07"), (1e20, "1e+20"), (123_456_789_012_345_680.0, "123456789012345680"),
        (9_007_199_254_740_993.0, "9007199254740992"), (1e18, "1e+18"),
        (Double.nan, "null"), (Double.infinity, "null"), (-Double.infinity, "null"),
    ])
    func numberFormatting(_ value: Double, _ expected: String) throws {
        #expect(written { $0.number(value) } == expected)
    }

    @Test(arguments: [1.0 / 3.0, 0.1 + 0.2, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, 123.456e-10, -2.5e300])
    func nonIntegralNumbersRoundTrip(_ value: Double) throws {
        let output = written { $0.number(value) }
        #expect(try JSONParser.parse(output) == .number(value))
    }

    @Test func integers() {
        #expect(written { $0.integer(Int64.min) } == "-9223372036854775808")
        #expect(written { $0.integer(Int64.max) } == "9223372036854775807")
        #expect(written { $0.integer(7) } == "7")
        #expect(written { $0.integer(-10) } == "-10")
        #expect(written { $0.number(nil) } == "null")
    }

    @Test func provenanceObject() {
        #expect(written { $0.provenance(Provenance(source: .cache, syncedAt: "2026-06-15T12:00:00.000Z", ageSeconds: 3)) }
            == #"{"source":"cache","syncedAt":"2026-06-15T12:00:00.000Z","ageSeconds":3}"#)
        #expect(written { $0.provenance(Provenance(source: .stale, syncedAt: "x", ageSeconds: 0)) }
            == #"{"source":"stale","syncedAt":"x","ageSeconds":0}"#)
        #expect(written { $0.provenance(Provenance(source: .upstream, syncedAt: "x", ageSeconds: 0)) }
            == #"{"source":"upstream","syncedAt":"x","ageSeconds":0}"#)
        #expect(written { $0.provenance(.fallback) } == #"{"source":"fallback","syncedAt":null,"ageSeconds":null}"#)
    }

    @Test func checkBodyShape() {
        let body = text(ResponseBody.check(boolean(), provenance: Provenance(source: .cache, syncedAt: "2026-06-15T12:00:00.000Z", ageSeconds: 12)))
        #expect(body == #"{"data":{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,"#
            + #""feature":{"id":"feature-sso","displayName":"feature-sso","featureType":"BOOLEAN","featureStatus":"ACTIVE"}},"#
            + #""sidecar":{"source":"cache","syncedAt":"2026-06-15T12:00:00.000Z","ageSeconds":12}}"#)
    }

    @Test func listingBodyShape() {
        let body = text(ResponseBody.listing(state(reason: .customerIsArchived), provenance: .fallback))
        #expect(body == #"{"data":{"accessDeniedReason":"CustomerIsArchived","entitlements":[]},"#
            + #""sidecar":{"source":"fallback","syncedAt":null,"ageSeconds":null}}"#)
    }

    @Test func metadataIsWrittenWithSortedKeys() {
        let entitlement = Entitlement.credit(CreditEntitlement(
            isGranted: true, currency: CreditCurrency(currencyId: "c", displayName: "C", metadata: .present(["z": "1", "a": "2", "m": "\"q\""])),
            currentUsage: 0, usageLimit: 1, usageUpdatedAt: nil))
        var writer = JSONWriter()
        writer.entitlement(entitlement)
        #expect(text(writer.bytes).contains(#""metadata":{"a":"2","m":"\"q\"","z":"1"}"#))
    }
}

@Suite("JSON parser")
struct JSONParserTests {
    @Test func parsesEveryValueKind() throws {
        let value = try parse(#" { "a": [1, -2.5, 1e3, 0, -0, true, false, null, "s\u00e9\ud83d\ude00\n"], "b": {} } "#)
        #expect(value == .object([
            "a": .array([.number(1), .number(-2.5), .number(1000), .number(0), .number(-0.0), .bool(true), .bool(false),
                         .null, .string("sé😀\n")]),
            "b": .object([:]),
        ]))
    }

    @Test func bigAndPreciseNumbers() throws {
        #expect(try parse("123456789012345678") == .number(123_456_789_012_345_680))
        #expect(try parse("12345678901234567890") == .number(12_345_678_901_234_567_168))
        #expect(try parse("0.30000000000000004") == .number(0.1 + 0.2))
        #expect(try parse("1E-2") == .number(0.01))
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try parse(#""\ud83d x""#) == .string("\u{FFFD} x"))
        #expect(try parse(#""\ude00""#) == .string("\u{FFFD}"))
    }

    @Test func byteOrderMarkIsSkipped() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == .array([.number(1)]))
    }

    @Test(arguments: [
        ("", 1, 1, "unexpected end of input"),
        ("{\n  \"a\": tru\n}", 2, 8, "invalid literal (strings must be in double quotes)"),
        ("{\"a\":1,}", 1, 8, "expected a string key in object"),
        ("[1,2", 1, 5, "unexpected end of input"),
        ("[1 2]", 1, 4, "expected ',' or ']' in array"),
        ("{\"a\" 1}", 1, 6, "expected ':' after object key"),
        ("{\"a\":1 \"b\":2}", 1, 8, "expected ',' or '}' in object"),
        ("\"abc", 1, 1, "unterminated string"),
        ("\"a\tb\"", 1, 3, "unescaped control character in string"),
        ("\"\\x\"", 1, 2, "invalid escape sequence"),
        ("\"\\u12G4\"", 1, 2, "invalid \\u escape"),
        ("01", 1, 1, "invalid number: leading zero"),
        ("1.", 1, 1, "invalid number: expected a digit after '.'"),
        ("1e", 1, 1, "invalid number: expected a digit in the exponent"),
        ("-", 1, 1, "invalid number"),
        ("1e999", 1, 1, "number out of range"),
        ("[1] x", 1, 5, "unexpected content after the JSON value"),
        ("{\"é\": x}", 1, 7, "unexpected character 'x'"),
        ("NaN", 1, 1, "unexpected character 'N'"),
    ])
    func syntaxErrorsCarryLineAndColumn(_ input: String, _ line: Int, _ column: Int, _ reason: String) {
        #expect {
            try JSONParser.parse(input)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.line == line && error.column == column && error.reason == reason
                && error.description == "line \(line), column \(column): \(reason)"
        }
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect((try? JSONParser.parse(fine)) != nil)
    }

    @Test func locatesValuesByPath() {
        let bytes = Array("{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"c\": null\n}".utf8)
        let offset = JSONParser.offset(of: [.key("a"), .index(1), .key("b")], in: bytes)
        #expect(offset.map { JSONParser.lineAndColumn(of: $0, in: bytes) }.map { [$0.line, $0.column] } == [2, 18])
        #expect(JSONParser.offset(of: [.key("c")], in: bytes).map { JSONParser.lineAndColumn(of: $0, in: bytes).line } == 3)
        #expect(JSONParser.offset(of: [.key("a"), .index(5)], in: bytes) == nil)
        #expect(JSONParser.offset(of: [.key("zz")], in: bytes) == nil)
    }
}
