import Testing
import SidecarTestSupport
@testable import SidecarHTTP

/// How bytes reach the parser: whole, one at a time, or cut at random places.
enum Feeding: CaseIterable, Sendable {
    case whole, byteByByte, randomSplits

    func chunks(_ bytes: [UInt8], seed: UInt64) -> [[UInt8]] {
        switch self {
        case .whole: return [bytes]
        case .byteByByte: return bytes.map { [$0] }
        case .randomSplits:
            var generator = SeededRandom(seed: seed)
            var chunks: [[UInt8]] = []
            var index = 0
            while index < bytes.count {
                let size = Int.random(in: 1...max(1, min(17, bytes.count - index)), using: &generator)
                chunks.append(Array(bytes[index..<(index + size)]))
                index += size
            }
            return chunks
        }
    }
}

/// Feeds `bytes` in the given way and collects every event until the parser needs more.
func parse(_ bytes: [UInt8], feeding: Feeding, limits: HTTPLimits = HTTPLimits(), seed: UInt64 = 42) -> (requests: [HTTPRequest], error: HTTPParseError?) {
    var parser = HTTPParser(limits: limits)
    var requests: [HTTPRequest] = []
    for chunk in feeding.chunks(bytes, seed: seed) {
        parser.append(chunk)
        events: while true {
            switch parser.next() {
            case .request(let request): requests.append(request)
            case .needMore: break events
            case .error(let error): return (requests, error)
            }
        }
    }
    return (requests, nil)
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

struct ValidCase: CustomStringConvertible, Sendable {
    let name: String
    let input: String
    let method: String
    let path: String
    let body: String
    var description: String { name }
}

let validCases: [ValidCase] = [
    .init(name: "simple GET", input: "GET /livez HTTP/1.1\r\nHost: a\r\n\r\n", method: "GET", path: "/livez", body: ""),
    .init(name: "query kept raw", input: "GET /e?customerId=a%20b&x=1 HTTP/1.1\r\nHost: a\r\n\r\n", method: "GET", path: "/e", body: ""),
    .init(name: "HTTP/1.0 without Host", input: "GET / HTTP/1.0\r\n\r\n", method: "GET", path: "/", body: ""),
    .init(name: "leading empty line ignored", input: "\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n", method: "GET", path: "/x", body: ""),
    .init(name: "absolute-form target", input: "GET http://example.com:8787/livez?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", method: "GET", path: "/livez", body: ""),
    .init(name: "content-length body", input: "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", method: "POST", path: "/u", body: "hello"),
    .init(name: "zero content-length", input: "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", method: "POST", path: "/u", body: ""),
    .init(name: "chunked body", input: "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n", method: "POST", path: "/u", body: "hello world"),
    .init(name: "chunked with trailers", input: "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n", method: "POST", path: "/u", body: "0123456789"),
    .init(name: "header whitespace trimmed, obs-text allowed", input: "GET / HTTP/1.1\r\nHost:  a \t\r\nX-Note: caf\u{e9}\r\n\r\n", method: "GET", path: "/", body: ""),
    .init(name: "OPTIONS asterisk", input: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", method: "OPTIONS", path: "*", body: ""),
]

struct InvalidCase: CustomStringConvertible, Sendable {
    let name: String
    let input: String
    let error: HTTPParseError
    var limits = HTTPLimits()
    var description: String { name }
}

let smallLimits: HTTPLimits = {
    var limits = HTTPLimits()
    limits.maxRequestLineBytes = 64
    limits.maxHeaderBytes = 128
    limits.maxHeaderCount = 4
    limits.maxBodyBytes = 16
    return limits
}()

let invalidCases: [InvalidCase] = [
    .init(name: "CL with TE", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", error: .contentLengthWithTransferEncoding),
    .init(name: "differing CLs", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", error: .invalidContentLength),
    .init(name: "duplicate CLs", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", error: .invalidContentLength),
    .init(name: "CL list", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc", error: .invalidContentLength),
    .init(name: "negative CL", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", error: .invalidContentLength),
    .init(name: "signed CL", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", error: .invalidContentLength),
    .init(name: "huge CL", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", error: .invalidContentLength),
    .init(name: "bad chunk size", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", error: .invalidChunk("bad chunk size")),
    .init(name: "chunk size overflow", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n", error: .invalidChunk("bad chunk size")),
    .init(name: "chunk data without CRLF", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", error: .invalidChunk("chunk data not followed by CRLF")),
    // RFC 9112 §6.1: chunked not final → 400 and close; a coding before chunked that we do
    // not implement → 501 (HTTPGrammarTests).
    .init(name: "chunked not final", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", error: .invalidHeader("Transfer-Encoding: chunked must be the final coding")),
    .init(name: "unknown transfer coding", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", error: .invalidHeader("Transfer-Encoding: chunked must be the final coding")),
    .init(name: "bare LF in request line", input: "GET / HTTP/1.1\nHost: a\r\n\r\n", error: .bareLineFeed),
    .init(name: "bare LF in headers", input: "GET / HTTP/1.1\r\nHost: a\n\r\n", error: .bareLineFeed),
    .init(name: "obs-fold", input: "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", error: .invalidHeader("obsolete line folding")),
    .init(name: "space before colon", input: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", error: .invalidHeader("invalid field name")),
    .init(name: "no colon", input: "GET / HTTP/1.1\r\nHost a\r\n\r\n", error: .invalidHeader("missing colon")),
    .init(name: "NUL in value", input: "GET / HTTP/1.1\r\nHost: a\u{0}b\r\n\r\n", error: .invalidHeader("invalid byte in the value of Host")),
    .init(name: "CR in value", input: "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", error: .invalidHeader("invalid byte in the value of Host")),
    .init(name: "missing Host", input: "GET / HTTP/1.1\r\n\r\n", error: .missingHost),
    .init(name: "two Hosts", input: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", error: .duplicateHost),
    .init(name: "two spaces in request line", input: "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", error: .malformedRequestLine("expected method, target and version")),
    .init(name: "bad method", input: "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", error: .malformedRequestLine("invalid method")),
    .init(name: "authority-form target", input: "GET example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n", error: .malformedRequestLine("request target must be origin-form or absolute-form")),
    .init(name: "HTTP/2.0", input: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", error: .unsupportedVersion),
    .init(name: "garbage version", input: "GET / HTTX/1.1\r\nHost: a\r\n\r\n", error: .malformedRequestLine("invalid HTTP version")),
    .init(name: "request line too long", input: "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\nHost: a\r\n\r\n", error: .requestLineTooLong, limits: smallLimits),
    .init(name: "request line too long, unterminated", input: "GET /" + String(repeating: "a", count: 100), error: .requestLineTooLong, limits: smallLimits),
    .init(name: "header section too large", input: "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 200) + "\r\n\r\n", error: .headersTooLarge, limits: smallLimits),
    .init(name: "too many headers", input: "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", error: .tooManyHeaders, limits: smallLimits),
    .init(name: "declared body too large", input: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n", error: .bodyTooLarge, limits: smallLimits),
    .init(name: "streamed body too large", input: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n9\r\n123456789\r\n0\r\n\r\n", error: .bodyTooLarge, limits: smallLimits),
    // DESIGN.md §11: 400 and close (it was 501).
    .init(name: "TE on HTTP/1.0", input: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", error: .invalidHeader("Transfer-Encoding in an HTTP/1.0 request")),
]

@Suite("HTTP parser")
struct HTTPParserTests {
    @Test("valid requests parse the same however they are split", arguments: validCases, Feeding.allCases)
    func valid(_ testCase: ValidCase, feeding: Feeding) {
        for seed in feeding == .randomSplits ? Array(1...20) : [1] {
            let result = parse(bytes(testCase.input), feeding: feeding, seed: UInt64(seed))
            #expect(result.error == nil)
            #expect(result.requests.count == 1)
            guard let request = result.requests.first else { return }
            #expect(request.method == testCase.method)
            #expect(request.path == testCase.path)
            #expect(request.body == bytes(testCase.body))
        }
    }

    @Test("framing errors are reported however the bytes are split", arguments: invalidCases, Feeding.allCases)
    func invalid(_ testCase: InvalidCase, feeding: Feeding) {
        for seed in feeding == .randomSplits ? Array(1...20) : [1] {
            let result = parse(bytes(testCase.input), feeding: feeding, limits: testCase.limits, seed: UInt64(seed))
            #expect(result.requests.isEmpty)
            #expect(result.error == testCase.error)
        }
    }

    @Test("status for each limit")
    func limitStatuses() {
        #expect(HTTPParseError.requestLineTooLong.status.code == 414)
        #expect(HTTPParseError.headersTooLarge.status.code == 431)
        #expect(HTTPParseError.tooManyHeaders.status.code == 431)
        #expect(HTTPParseError.bodyTooLarge.status.code == 413)
        #expect(HTTPParseError.contentLengthWithTransferEncoding.status.code == 400)
    }

    @Test("pipelined requests come out in order", arguments: Feeding.allCases)
    func pipelined(feeding: Feeding) {
        let input = (0..<10).map { "GET /r\($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined()
            + "POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz"
        let result = parse(bytes(input), feeding: feeding)
        #expect(result.error == nil)
        #expect(result.requests.map { String($0.path) } == (0..<10).map { "/r\($0)" } + ["/body"])
        #expect(result.requests.last?.body == bytes("xyz"))
    }

    @Test("a request is not emitted until its body is complete")
    func incompleteBody() {
        let result = parse(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc"), feeding: .whole)
        #expect(result.requests.isEmpty)
        #expect(result.error == nil)
    }

    @Test("after an error the parser stays failed")
    func staysFailed() {
        var parser = HTTPParser()
        parser.append(bytes("GET / HTTP/1.1\nHost: a\r\n\r\n"))
        guard case .error = parser.next() else { Issue.record("expected an error"); return }
        parser.append(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        guard case .error(.bareLineFeed) = parser.next() else { Issue.record("expected the same error"); return }
    }

    @Test("Expect: 100-continue is noted only while the body is still to come")
    func expectContinue() {
        var parser = HTTPParser()
        parser.append(bytes("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"))
        guard case .needMore = parser.next() else { Issue.record("expected needMore"); return }
        #expect(parser.pendingContinue)
        parser.pendingContinue = false
        parser.append(bytes("ok"))
        guard case .request(let request) = parser.next() else { Issue.record("expected a request"); return }
        #expect(request.body == bytes("ok"))
    }

    @Test("keep-alive follows the version and Connection header")
    func keepAlive() {
        #expect(HTTPRequest(method: "GET", target: "/", version: .http11).wantsKeepAlive)
        #expect(!HTTPRequest(method: "GET", target: "/", version: .http11, headers: ["Connection": "Close"]).wantsKeepAlive)
        #expect(!HTTPRequest(method: "GET", target: "/", version: .http10).wantsKeepAlive)
        #expect(HTTPRequest(method: "GET", target: "/", version: .http10, headers: ["Connection": "keep-alive"]).wantsKeepAlive)
    }

    @Test("query parameters are percent-decoded, plus is a space")
    func queryDecoding() throws {
        let request = HTTPRequest(method: "GET", target: "/e?customerId=a%20b&requestedValues=red%2Cgreen&x=1+2&flag&empty=")
        let parameters = try request.queryParameters()
        #expect(parameters.map(\.name) == ["customerId", "requestedValues", "x", "flag", "empty"])
        #expect(parameters.map(\.value) == ["a b", "red,green", "1 2", "", ""])
        #expect(throws: QueryDecodingError(parameter: "customerId")) {
            try HTTPRequest(method: "GET", target: "/e?customerId=%zz").queryParameters()
        }
        #expect(throws: QueryDecodingError(parameter: "id")) {
            try HTTPRequest(method: "GET", target: "/e?id=%FF").queryParameters()
        }
    }
}

/// Found by `scripts/fuzz http`: a line of exactly the limit was accepted when its CR and LF
/// arrived in one read and refused when a read ended between them.
@Suite("Lines at exactly the limit, however the bytes arrive")
struct LineLimitTests {
    var limits: HTTPLimits {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 64
        limits.maxHeaderBytes = 128
        return limits
    }

    @Test("a request line of exactly the limit is accepted; one byte more is 414", arguments: Feeding.allCases)
    func requestLine(_ feeding: Feeding) {
        let prefix = "GET /"
        let suffix = " HTTP/1.1"
        let path = String(repeating: "a", count: limits.maxRequestLineBytes - prefix.count - suffix.count)
        let exact = Array("\(prefix)\(path)\(suffix)\r\nHost: t\r\n\r\n".utf8)
        #expect(parse(exact, feeding: feeding, limits: limits).requests.count == 1)
        let over = Array("\(prefix)\(path)a\(suffix)\r\nHost: t\r\n\r\n".utf8)
        #expect(parse(over, feeding: feeding, limits: limits).error == .requestLineTooLong)
    }

    @Test("a header section of exactly the limit (field lines with their CRLF) is accepted; one byte more is 431", arguments: Feeding.allCases)
    func headerSection(_ feeding: Feeding) {
        let host = "Host: t\r\n"
        let name = "X-Pad: "
        let fill = String(repeating: "b", count: limits.maxHeaderBytes - host.utf8.count - name.utf8.count - 2)
        let exact = Array("GET / HTTP/1.1\r\n\(host)\(name)\(fill)\r\n\r\n".utf8)
        #expect(parse(exact, feeding: feeding, limits: limits).requests.count == 1)
        let over = Array("GET / HTTP/1.1\r\n\(host)\(name)\(fill)b\r\n\r\n".utf8)
        #expect(parse(over, feeding: feeding, limits: limits).error == .headersTooLarge)
    }
}
