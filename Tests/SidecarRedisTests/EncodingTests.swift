import Testing
@testable import SidecarRedis

@Suite struct EncodingTests {
    @Test func commandIsAnArrayOfBulkStrings() {
        #expect(RedisCommand(["SET", "k", "v"]).encoded() == Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n".utf8))
        #expect(RedisCommand(["PING"]).encoded() == Array("*1\r\n$4\r\nPING\r\n".utf8))
    }

    @Test func argumentsAreBinarySafe() throws {
        let binary: [UInt8] = [0, 13, 10, 42, 36, 255]
        let command = RedisCommand(["SET", "k"]).appending(bytes: binary).appending(bytes: [])
        let bytes = command.encoded()
        #expect(bytes == Array("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\n".utf8) + binary + Array("\r\n$0\r\n\r\n".utf8))
        // A command is a RESP array: our own parser reads it back exactly.
        var parser = RESPParser()
        #expect(try parser.parse(bytes) == [.array(command.arguments.map { .bulkString($0) })])
    }

    @Test func nameNeverIncludesArguments() {
        #expect(RedisCommand(["auth", "alice", "s3cret"]).name == "AUTH")
    }

    @Test func sha1MatchesKnownVectors() {
        #expect(SHA1.hex([]) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(SHA1.hex(Array("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(SHA1.hex(Array(repeating: UInt8(ascii: "a"), count: 1_000_000)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }
}
