import Foundation
import Testing
@testable import SidecarCache
@testable import SidecarModel
@testable import SidecarApp

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
