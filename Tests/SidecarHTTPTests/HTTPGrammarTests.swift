import Testing
@testable import SidecarHTTP

/// RFC 9112 §2–§7 (and the RFC 9110 / 3986 rules they use), case by case. Every case is fed
/// whole, byte by byte and in random splits (HTTPParserTests' `parse`).
struct GrammarCase: CustomStringConvertible, Sendable {
    let name: String
    let input: String
    /// nil: the request parses.
    let error: HTTPParseError?
    var path: String? = nil
    var version: HTTPVersion = .http11
    var body: String = ""
    var description: String { name }

    static func ok(_ name: String, _ input: String, path: String? = nil, version: HTTPVersion = .http11, body: String = "") -> GrammarCase {
        GrammarCase(name: name, input: input, error: nil, path: path, version: version, body: body)
    }

    static func bad(_ name: String, _ input: String, _ error: HTTPParseError) -> GrammarCase {
        GrammarCase(name: name, input: input, error: error)
    }
}

private func get(_ target: String, host: String = "a", version: String = "HTTP/1.1") -> String {
    "GET \(target) \(version)\r\nHost: \(host)\r\n\r\n"
}

private func headers(_ fields: String) -> String { "GET / HTTP/1.1\r\n\(fields)\r\n" }

private func chunked(_ body: String, version: String = "HTTP/1.1", encoding: String = "chunked") -> String {
    "POST /u \(version)\r\nHost: a\r\nTransfer-Encoding: \(encoding)\r\n\r\n\(body)"
}

let requestLineCases: [GrammarCase] = [
    .bad("trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", .malformedRequestLine("expected method, target and version")),
    .bad("leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine("expected method, target and version")),
    .bad("tab as separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine("expected method, target and version")),
    .bad("space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine("expected method, target and version")),
    .bad("no version", "GET /\r\nHost: a\r\n\r\n", .malformedRequestLine("expected method, target and version")),
    .ok("lowercase method is a token", "get /x HTTP/1.1\r\nHost: a\r\n\r\n", path: "/x"),
    .ok("extension method", "PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n", path: "/x"),
    .bad("lowercase http", get("/", version: "http/1.1"), .malformedRequestLine("invalid HTTP version")),
    .bad("three-digit version", get("/", version: "HTTP/1.10"), .malformedRequestLine("invalid HTTP version")),
    .bad("version without minor", get("/", version: "HTTP/1"), .malformedRequestLine("invalid HTTP version")),
    .ok("HTTP/1.2 is answered as 1.1", get("/x", version: "HTTP/1.2"), path: "/x", version: .http11),
    .bad("HTTP/0.9", get("/", version: "HTTP/0.9"), .unsupportedVersion),
    .bad("HTTP/3.0", get("/", version: "HTTP/3.0"), .unsupportedVersion),
    .bad("CR before CRLF", "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", .malformedRequestLine("invalid HTTP version")),
    .bad("bare CR in target", "GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine("invalid character in the request target")),
    .bad("double quote in target", get("/a\"b"), .malformedRequestLine("invalid character in the request target")),
    .bad("fragment in target", get("/a#b"), .malformedRequestLine("invalid character in the request target")),
    .bad("angle brackets in target", get("/<b>"), .malformedRequestLine("invalid character in the request target")),
    .bad("angle bracket in query", get("/a?x=<"), .malformedRequestLine("invalid character in the request target")),
    // What WHATWG URL serializers and httpx leave unescaped (an Auth0 id such as auth0|123).
    .ok("pipe, brackets, braces, caret, backtick, backslash", get("/c/auth0|123[0]?x={1}^`\\"), path: "/c/auth0|123[0]"),
    .bad("non-ASCII in target", get("/caf\u{e9}"), .malformedRequestLine("invalid character in the request target")),
    .bad("DEL in target", get("/a\u{7f}"), .malformedRequestLine("invalid character in the request target")),
    .ok("every pchar and query character", get("/a:b@c!$&'()*+,;=-._~%41/?q=/?:@"), path: "/a:b@c!$&'()*+,;=-._~%41/"),
    .bad("asterisk for GET", get("*"), .malformedRequestLine("* is a target for OPTIONS only")),
    .bad("authority-form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", .malformedRequestLine("request target must be origin-form or absolute-form")),
    .bad("relative target", get("livez"), .malformedRequestLine("request target must be origin-form or absolute-form")),
    .bad("ftp scheme", get("ftp://a/x"), .malformedRequestLine("request target must be origin-form or absolute-form")),
    .bad("scheme without //", get("http:/x"), .malformedRequestLine("request target must be origin-form or absolute-form")),
    .bad("userinfo in absolute-form", get("http://user@a/x"), .malformedRequestLine("invalid authority in the request target")),
    .bad("empty host in absolute-form", get("http:///x"), .malformedRequestLine("invalid authority in the request target")),
    .bad("bad port in absolute-form", get("http://a:8o/x"), .malformedRequestLine("invalid authority in the request target")),
    .bad("bad character after the authority", get("http://a/x\"y"), .malformedRequestLine("invalid character in the request target")),
    .ok("absolute-form, scheme in capitals", get("HTTP://EXAMPLE.com/livez"), path: "/livez"),
    .ok("absolute-form with IPv6 literal and query", get("http://[::1]:8787/livez?x=1"), path: "/livez"),
    .ok("absolute-form without path", get("https://example.com"), path: "/"),
    .ok("absolute-form with query and no path", get("http://example.com?x=1"), path: "/"),
    .ok("many empty lines before the request line", "\r\n\r\n\r\n" + get("/x"), path: "/x"),
]

let fieldCases: [GrammarCase] = [
    .bad("whitespace before the first field", headers(" Host: a\r\n"), .invalidHeader("whitespace before the first header field")),
    .bad("obs-fold with a tab", headers("Host: a\r\nX-A: b\r\n\tc\r\n"), .invalidHeader("obsolete line folding")),
    .bad("empty field name", headers("Host: a\r\n: x\r\n"), .invalidHeader("invalid field name")),
    .bad("quote in field name", headers("Host: a\r\nX\"A: x\r\n"), .invalidHeader("invalid field name")),
    .bad("tab before colon", headers("Host\t: a\r\n"), .invalidHeader("invalid field name")),
    .bad("CR in field name", headers("Host: a\r\nX\rY: z\r\n"), .invalidHeader("invalid field name")),
    .bad("DEL in value", headers("Host: a\r\nX-A: a\u{7f}\r\n"), .invalidHeader("invalid byte in the value of X-A")),
    .bad("control in value", headers("Host: a\r\nX-A: \u{1}\r\n"), .invalidHeader("invalid byte in the value of X-A")),
    .ok("empty value, blank value, inner tab", headers("Host: a\r\nX-A:\r\nX-B:   \r\nX-C: a\tb\r\n"), path: "/"),
    .ok("lowercase host", headers("host: a\r\n"), path: "/"),
]

let hostCases: [GrammarCase] = [
    .bad("space in Host", headers("Host: a b\r\n"), .invalidHost),
    .bad("slash in Host", headers("Host: a/b\r\n"), .invalidHost),
    .bad("userinfo in Host", headers("Host: u@a\r\n"), .invalidHost),
    .bad("two colons in Host", headers("Host: a:1:2\r\n"), .invalidHost),
    .bad("letters in the port", headers("Host: a:80x\r\n"), .invalidHost),
    .bad("unclosed IPv6 literal", headers("Host: [::1\r\n"), .invalidHost),
    .bad("not an IPv6 address", headers("Host: [zz::1]\r\n"), .invalidHost),
    .bad("IPv6 with too many groups", headers("Host: [1:2:3:4:5:6:7:8:9]\r\n"), .invalidHost),
    .bad("junk after IPv6 literal", headers("Host: [::1]x\r\n"), .invalidHost),
    .bad("bad escape in Host", headers("Host: a%zz\r\n"), .invalidHost),
    .bad("short escape in Host", headers("Host: a%4\r\n"), .invalidHost),
    .bad("a list of hosts", headers("Host: a, b\r\n"), .invalidHost),
    .bad("HTTP/1.0 with an invalid Host", "GET / HTTP/1.0\r\nHost: a b\r\n\r\n", .invalidHost),
    .bad("HTTP/1.0 with two Hosts", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", .duplicateHost),
    .ok("empty Host", headers("Host:\r\n"), path: "/"),
    .ok("empty port", headers("Host: example.com:\r\n"), path: "/"),
    .ok("IPv4 and port", headers("Host: 127.0.0.1:8787\r\n"), path: "/"),
    .ok("IPv6 and port", headers("Host: [::1]:8787\r\n"), path: "/"),
    .ok("IPv4-mapped IPv6", headers("Host: [::ffff:10.0.0.1]\r\n"), path: "/"),
    .ok("IPvFuture", headers("Host: [v1.fe:x]\r\n"), path: "/"),
    .ok("escape and sub-delims in a reg-name", headers("Host: a%41b_c~d!$&'()*+;=\r\n"), path: "/"),
]

let lengthCases: [GrammarCase] = [
    .bad("hex length", "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello", .invalidContentLength),
    .bad("two numbers", "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\nhello", .invalidContentLength),
    .bad("empty length", "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", .invalidContentLength),
    .bad("equal list (RFC 9110 §8.6 lets us refuse it)", "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", .invalidContentLength),
    .ok("leading zeros", "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 0000000000000000000005\r\n\r\nhello", path: "/u", body: "hello"),
    .bad("CL with TE on HTTP/1.0", "POST /u HTTP/1.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", .invalidHeader("Transfer-Encoding in an HTTP/1.0 request")),
]

let transferCodingCases: [GrammarCase] = [
    .bad("gzip before chunked → 501", chunked("0\r\n\r\n", encoding: "gzip, chunked"), .unsupportedTransferEncoding),
    .bad("gzip field then chunked field → 501", "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .unsupportedTransferEncoding),
    .bad("chunked field then gzip field", "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", .invalidHeader("Transfer-Encoding: chunked must be the final coding")),
    .bad("chunked twice", chunked("0\r\n\r\n", encoding: "chunked, chunked"), .invalidHeader("Transfer-Encoding: chunked applied more than once")),
    .bad("chunked with a parameter", chunked("0\r\n\r\n", encoding: "chunked;q=1"), .invalidHeader("Transfer-Encoding: chunked must be the final coding")),
    .bad("empty Transfer-Encoding", chunked("0\r\n\r\n", encoding: ""), .invalidHeader("empty Transfer-Encoding")),
    .bad("only commas", chunked("0\r\n\r\n", encoding: " , ,"), .invalidHeader("empty Transfer-Encoding")),
    .bad("coding that is no token", chunked("0\r\n\r\n", encoding: "g\"zip, chunked"), .invalidHeader("invalid transfer coding")),
    .ok("empty list elements are skipped", chunked("3\r\nabc\r\n0\r\n\r\n", encoding: ", chunked ,"), path: "/u", body: "abc"),
    .ok("coding names are case-insensitive", chunked("3\r\nabc\r\n0\r\n\r\n", encoding: "CHUNKED"), path: "/u", body: "abc"),
    .bad("TE on HTTP/1.0, any coding", chunked("", version: "HTTP/1.0", encoding: "gzip"), .invalidHeader("Transfer-Encoding in an HTTP/1.0 request")),
]

let chunkCases: [GrammarCase] = [
    .bad("junk after the size", chunked("5 x\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk extension")),
    .bad("whitespace after the size, no extension", chunked("5 \r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk extension")),
    .bad("whitespace after ;", chunked("5; a=b\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk extension")),
    .bad("whitespace before =", chunked("5;a =b\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk extension")),
    .bad("whitespace after =", chunked("5;a= b\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk extension")),
    .bad("empty extension name", chunked("5;\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk extension")),
    .bad("extension value missing", chunked("5;a=\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk extension")),
    .bad("unterminated quoted value", chunked("5;a=\"x\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk extension")),
    .bad("junk after a quoted value", chunked("5;a=\"x\"y\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk extension")),
    .bad("0x prefix", chunked("0x5\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk extension")),
    .bad("signed size", chunked("+5\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk size")),
    .bad("empty size line", chunked("\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk size")),
    .bad("bare LF after the size", chunked("5\nhello\r\n0\r\n\r\n"), .bareLineFeed),
    .bad("chunk data ends in bare LF", chunked("5\r\nhello\n0\r\n\r\n"), .invalidChunk("chunk data not followed by CRLF")),
    .bad("bare CR in the size line", chunked("5\r;a\r\nhello\r\n0\r\n\r\n"), .invalidChunk("bad chunk extension")),
    .bad("trailer with obs-fold", chunked("0\r\nX-T: a\r\n b\r\n\r\n"), .invalidHeader("obsolete line folding")),
    .bad("trailer with a bad name", chunked("0\r\nBad Name: x\r\n\r\n"), .invalidHeader("invalid field name")),
    .bad("trailer with a bad byte", chunked("0\r\nX-T: a\u{1}\r\n\r\n"), .invalidHeader("invalid byte in the value of X-T")),
    .bad("trailer without colon", chunked("0\r\nX-T\r\n\r\n"), .invalidHeader("missing colon")),
    .ok("whitespace before ;", chunked("5\t ;a=b\r\nhello\r\n0 ;end\r\n\r\n"), path: "/u", body: "hello"),
    .ok("several extensions, quoted values", chunked("5;a;b=c;d=\"q;u\\\"o\"\r\nhello\r\n0\r\n\r\n"), path: "/u", body: "hello"),
    .ok("leading zeros in the size", chunked("00000000000000000005\r\nhello\r\n000\r\n\r\n"), path: "/u", body: "hello"),
    .ok("upper and lower hex", chunked("a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n"), path: "/u", body: "01234567890123456789"),
    .ok("trailers", chunked("1\r\nx\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n"), path: "/u", body: "x"),
]

@Suite("RFC 9112 grammar, fed whole, byte by byte and in random splits")
struct HTTPGrammarTests {
    static let all = requestLineCases + fieldCases + hostCases + lengthCases + transferCodingCases + chunkCases

    @Test("each case parses or fails as RFC 9112 says", arguments: all, Feeding.allCases)
    func grammar(_ testCase: GrammarCase, feeding: Feeding) {
        for seed in feeding == .randomSplits ? Array(1...20) : [1] {
            let result = parse(bytes(testCase.input), feeding: feeding, seed: UInt64(seed))
            if let error = testCase.error {
                #expect(result.requests.isEmpty)
                #expect(result.error == error)
            } else {
                #expect(result.error == nil)
                #expect(result.requests.count == 1)
                guard let request = result.requests.first else { return }
                if let path = testCase.path { #expect(String(request.path) == path) }
                #expect(request.version == testCase.version)
                #expect(request.body == bytes(testCase.body))
            }
        }
    }

    @Test("framing errors answer 400, limits their own status, an unknown coding 501, a version 505")
    func statuses() {
        for testCase in HTTPGrammarTests.all {
            guard let error = testCase.error else { continue }
            let expected = switch error {
            case .unsupportedTransferEncoding: 501
            case .unsupportedVersion: 505
            default: 400
            }
            #expect(error.status.code == expected, "\(testCase.name)")
        }
    }
}
