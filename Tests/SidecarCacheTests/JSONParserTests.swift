import Foundation
import Testing
@testable import SidecarCache
@testable import SidecarModel

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

    // Found by scripts/fuzz (json): after a byte order mark the parser read the document but the
    // locator found nothing in it, so a snapshot saved with one lost its error positions.
    @Test func byteOrderMarkIsSkippedWhenLocatingAndCounting() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("{\"a\": [true, 2]}".utf8)
        let offset = try #require(JSONParser.offset(of: [.key("a"), .index(1)], in: bytes))
        #expect(bytes[offset] == UInt8(ascii: "2"))
        let position = JSONParser.lineAndColumn(of: offset, in: bytes)
        #expect(position.line == 1 && position.column == 14)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1,]".utf8)) }
        #expect(error?.column == 4)
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

    // Found by scripts/fuzz (json): the locator stepped over structural bytes unchecked and
    // read past the end of truncated text.
    @Test(arguments: [
        ("[ ", [JSONPathComponent.index(1)]), ("[1, ", [.index(1)]), ("{\"a\"", [.key("a")]),
        ("{\"a\":", [.key("a")]), ("{\"a\" 1}", [.key("a")]), ("{\"a\":1,", [.key("b")]), ("{\"a\"", [.key("b")]),
        ("{", [.key("a")]), ("[", [.index(0)]), ("{a:1}", [.key("a")]),
    ])
    func locatingInTruncatedTextFindsNothing(text: String, path: [JSONPathComponent]) {
        #expect(JSONParser.offset(of: path, in: Array(text.utf8)) == nil)
    }
}
