import Testing
@testable import SidecarRedis

@Suite struct ConfigurationTests {
    @Test func redisURLs() throws {
        var config = try RedisConfiguration(url: "redis://localhost")
        #expect(config.endpoint == .tcp(host: "localhost", port: 6379))
        #expect(config.username == nil && config.password == nil && config.database == 0)

        config = try RedisConfiguration(url: "redis://:s%40cret@redis.internal:6380/3")
        #expect(config.endpoint == .tcp(host: "redis.internal", port: 6380))
        #expect(config.username == nil && config.password == "s@cret" && config.database == 3)

        config = try RedisConfiguration(url: "redis://alice:pw@[::1]:7000/0")
        #expect(config.endpoint == .tcp(host: "::1", port: 7000))
        #expect(config.username == "alice" && config.password == "pw")

        config = try RedisConfiguration(url: "redis://onlypassword@127.0.0.1")
        #expect(config.username == nil && config.password == "onlypassword")

        config = try RedisConfiguration(url: "unix:///run/redis/redis.sock?db=2")
        #expect(config.endpoint == .unix(path: "/run/redis/redis.sock") && config.database == 2)

        config = try RedisConfiguration(url: "unix://bob:pw@/tmp/r.sock")
        #expect(config.endpoint == .unix(path: "/tmp/r.sock") && config.username == "bob" && config.password == "pw")
    }

    static let bad: [(String, String)] = [
        ("http://x", "must start with redis:// or unix://"),
        ("rediss://:hunter2@x", "TLS"),
        ("redis://:hunter2@", "no host"),
        ("redis://:hunter2@host:0", "port"),
        ("redis://:hunter2@host:abc", "port"),
        ("redis://:hunter2@host/x", "database"),
        ("redis://:hunter2@host/-1", "database"),
        ("redis://:hunter2@[::1", "unclosed"),
        ("redis://:hun%zzter2@host", "percent-encoding in the password"),
        ("unix://relative.sock", "absolute socket path"),
        ("unix:///tmp/r.sock?timeout=1", "unknown URL parameter 'timeout'"),
    ]

    @Test(arguments: bad)
    func badURLsNameThePartAndHideThePassword(url: String, reason: String) {
        do {
            _ = try RedisConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
            #expect(!error.description.contains("hunter2"))
            #expect(!error.description.contains("hun%zz"))
        }
    }

    @Test func descriptionHidesThePassword() throws {
        let config = try RedisConfiguration(url: "redis://alice:hunter2@host:1/2")
        #expect(config.description == "redis host:1 user alice (password set) db 2")
        #expect(config.redact("ERR hunter2 is wrong") == "ERR <redacted> is wrong")
    }

    @Test func backoffGrowsWithJitterUpToTheCap() {
        let backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(2))
        #expect(backoff.delay(attempt: 0, random: 0) == .milliseconds(50))
        #expect(backoff.delay(attempt: 0, random: 0.999_999) <= .milliseconds(100))
        #expect(backoff.delay(attempt: 0, random: 0.5) == .milliseconds(75))
        #expect(backoff.delay(attempt: 1, random: 0) == .milliseconds(100))
        #expect(backoff.delay(attempt: 3, random: 0) == .milliseconds(400))
        #expect(backoff.delay(attempt: 5, random: 0) == .seconds(1))
        #expect(backoff.delay(attempt: 6, random: 0) == .seconds(1))
        #expect(backoff.delay(attempt: 1000, random: 1) == .seconds(2))
    }
}
