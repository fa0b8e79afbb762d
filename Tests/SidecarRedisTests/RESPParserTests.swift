import Testing
import SidecarTestSupport
@testable import SidecarRedis

@Suite struct RESPParserTests {
    /// One of every reply shape, nested and binary included.
    static let samples: [RESPValue] = [
        .simpleString("OK"),
        .simpleString(""),
        .error("ERR unknown command 'FOO'"),
        .integer(0),
        .integer(-42),
        .integer(Int64.max),
        .integer(Int64.min + 1),
        .bulkString(Array("hello".utf8)),
        .bulkString([]),
        .bulkString([0, 13, 10, 36, 42, 255]),
        .null,
        .array([]),
        .array([.integer(1), .bulkString(Array("two".utf8)), .null, .simpleString("four"), .error("E five")]),
        .array([.array([.bulkString(Array("stream".utf8)), .array([.array([.bulkString(Array("1-0".utf8)), .array([.bulkString(Array("f".utf8)), .bulkString(Array("v".utf8))])])])])]),
        .bulkString(Array(repeating: 120, count: 100_000)),
    ]

    static var stream: [UInt8] { samples.flatMap { $0.encoded() } }

    @Test func everyShapeFedWhole() throws {
        var parser = RESPParser()
        #expect(try parser.parse(Self.stream) == Self.samples)
        #expect(!parser.isMidReply)
    }

    @Test func everyShapeFedByteByByte() throws {
        var parser = RESPParser()
        var values: [RESPValue] = []
        for byte in Self.stream { values += try parser.parse([byte]) }
        #expect(values == Self.samples)
    }

    @Test(arguments: [1, 2, 3, 42, 2024, 65_537] as [UInt64])
    func everyShapeFedInRandomSplits(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let bytes = Self.stream
        var parser = RESPParser()
        var values: [RESPValue] = []
        var offset = 0
        while offset < bytes.count {
            // Mostly small pieces (they cut lines and CRLFs), sometimes large ones.
            let size = Int.random(in: 0...9, using: &random) == 0 ? Int.random(in: 1...20_000, using: &random) : Int.random(in: 1...7, using: &random)
            let end = min(bytes.count, offset + size)
            values += try parser.parse(Array(bytes[offset..<end]))
            offset = end
        }
        #expect(values == Self.samples, "seed \(seed)")
    }

    @Test func bothNullsParseToNull() throws {
        var parser = RESPParser()
        #expect(try parser.parse(Array("$-1\r\n*-1\r\n".utf8)) == [.null, .null])
    }

    @Test func partialReplyIsKeptUntilComplete() throws {
        var parser = RESPParser()
        #expect(try parser.parse(Array("*2\r\n:1\r\n$3\r\nab".utf8)).isEmpty)
        #expect(parser.isMidReply)
        #expect(try parser.parse(Array("c\r\n".utf8)) == [.array([.integer(1), .bulkString(Array("abc".utf8))])])
    }

    static let malformed: [(String, String)] = [
        ("?what\r\n", "unknown reply type byte 0x3f"),
        ("%1\r\n+a\r\n+b\r\n", "RESP3 reply type '%'"),
        ("_\r\n", "RESP3 reply type '_'"),
        (":12a\r\n", "malformed integer reply"),
        (":\r\n", "malformed integer reply"),
        (":99999999999999999999\r\n", "malformed integer reply"),
        (":9223372036854775808\r\n", "integer reply out of range"),
        ("$abc\r\n", "malformed bulk string length"),
        ("$-2\r\n", "negative bulk string length"),
        ("$3\r\nabcd\r\n", "bulk string longer than its announced length"),
        ("$3\r\nabc\rx", "bulk string not terminated by CRLF"),
        ("*-5\r\n", "negative array length"),
        ("*x\r\n", "malformed array length"),
        ("+OK\rX", "carriage return not followed by line feed"),
        ("+OK\n", "line feed without carriage return"),
        ("HTTP/1.1 200 OK\r\n", "unknown reply type byte 0x48"),
    ]

    @Test(arguments: malformed)
    func malformedRepliesAreProtocolErrors(input: String, reason: String) {
        var parser = RESPParser()
        #expect {
            _ = try parser.parse(Array(input.utf8))
        } throws: { error in
            guard case .protocolError(let text) = error as? RedisError else { return false }
            return text.contains(reason)
        }
    }

    @Test func limitsAreEnforced() {
        var limits = RESPLimits()
        limits.maxBulkLength = 10
        limits.maxArrayLength = 3
        limits.maxDepth = 2
        limits.maxLineLength = 8
        let cases: [(String, String)] = [
            ("$11\r\n", "exceeds the limit of 10"),
            ("*4\r\n", "array of 4 elements exceeds the limit of 3"),
            ("*1\r\n*1\r\n*1\r\n:1\r\n", "nested deeper than 2"),
            ("+123456789\r\n", "longer than 8 bytes"),
        ]
        for (input, reason) in cases {
            var parser = RESPParser(limits: limits)
            #expect(throws: RedisError.self) { _ = try parser.parse(Array(input.utf8)) }
            do {
                _ = try parser.parse(Array(input.utf8))
            } catch {
                #expect(error.description.contains(reason), "\(input): \(error)")
            }
        }
        var parser = RESPParser(limits: limits)
        #expect((try? parser.parse(Array("*1\r\n*3\r\n$10\r\n0123456789\r\n:1\r\n+1234567\r\n".utf8))) != nil)
    }

    @Test func errorIsSticky() throws {
        var parser = RESPParser()
        #expect(throws: RedisError.self) { _ = try parser.parse(Array("!".utf8)) }
        #expect(throws: RedisError.self) { _ = try parser.parse(Array("+OK\r\n".utf8)) }
    }

    @Test func lineLimitCountsAcrossPieces() {
        var limits = RESPLimits()
        limits.maxLineLength = 4
        var parser = RESPParser(limits: limits)
        #expect(throws: RedisError.self) {
            for byte in Array("+abcdef\r\n".utf8) { _ = try parser.parse([byte]) }
        }
    }
}
