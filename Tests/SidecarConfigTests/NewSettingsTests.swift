import SidecarConfig
import Testing

@Suite("Settings of DESIGN §8 for the handler timeout, webhooks and fleet mode")
struct NewSettingsTests {
    @Test("defaults")
    func defaults() {
        let config = SidecarConfig()
        #expect(config.handlerTimeout == .seconds(5))
        #expect(config.webhookSecret == nil)
        #expect(config.webhookHost == "0.0.0.0")
        #expect(config.webhookPort == nil)
        #expect(config.redisURL == nil)
        #expect(config.fleetNamespace == "sidecar")
        #expect(config.fleetUpstreamRPS == 90)
        #expect(config.fleetUsageRPS == 40)
    }

    @Test("values are read, and bad ones name the key and the accepted form")
    func values() throws {
        let config = try SidecarConfig.load(environment: [
            "SIDECAR_HANDLER_TIMEOUT": "1.5s", "SIDECAR_WEBHOOK_SECRET": " whsec_abc ", "SIDECAR_WEBHOOK_HOST": "::",
            "SIDECAR_WEBHOOK_PORT": "9001", "SIDECAR_FLEET_NAMESPACE": "prod:eu-1", "SIDECAR_FLEET_UPSTREAM_RPS": "10",
            "SIDECAR_FLEET_USAGE_RPS": "5",
        ])
        #expect(config.handlerTimeout == .milliseconds(1500))
        #expect(config.webhookSecret == "whsec_abc")
        #expect(config.webhookHost == "::")
        #expect(config.webhookPort == 9001)
        #expect(config.fleetNamespace == "prod:eu-1")
        #expect(config.fleetUpstreamRPS == 10 && config.fleetUsageRPS == 5)
        #expect(try SidecarConfig.load(environment: ["SIDECAR_WEBHOOK_SECRET": ""]).webhookSecret == nil)
        #expect(try SidecarConfig.load(environment: ["SIDECAR_WEBHOOK_PORT": "none"]).webhookPort == nil)
        #expect(try SidecarConfig.load(environment: ["SIDECAR_WEBHOOK_PORT": "0"]).webhookPort == 0)

        let bad: [(String, String, String)] = [
            ("SIDECAR_HANDLER_TIMEOUT", "5", ValueParsing.durationForm),
            ("SIDECAR_WEBHOOK_HOST", "", "a non-empty address"),
            ("SIDECAR_WEBHOOK_PORT", "65536", "a port number 0-65535, or none"),
            ("SIDECAR_FLEET_NAMESPACE", "", "1-64 characters"),
            ("SIDECAR_FLEET_NAMESPACE", "a b", "1-64 characters"),
            ("SIDECAR_FLEET_NAMESPACE", "{tag}", "1-64 characters"),
            ("SIDECAR_FLEET_NAMESPACE", "-x", "starting with a letter or digit"),
            ("SIDECAR_FLEET_NAMESPACE", String(repeating: "n", count: 65), "1-64 characters"),
            ("SIDECAR_FLEET_UPSTREAM_RPS", "0", "a count >= 1"),
            ("SIDECAR_FLEET_USAGE_RPS", "-1", "a count >= 1"),
        ]
        for (key, value, expected) in bad {
            do {
                _ = try SidecarConfig.load(environment: [key: value])
                Issue.record("\(key)=\(value) was accepted")
            } catch {
                #expect(error.key == key && error.value == value && error.expected.contains(expected), "\(error)")
            }
        }
    }

    @Test("the webhook secret never appears in an error")
    func webhookSecretIsSecret() {
        #expect(throws: ConfigError(key: "SIDECAR_WEBHOOK_SECRET", value: nil, expected: "printable ASCII with no spaces")) {
            try SidecarConfig.load(environment: ["SIDECAR_WEBHOOK_SECRET": "my secret"])
        }
        #expect(Setting.named("SIDECAR_WEBHOOK_SECRET")?.isSecret == true)
    }

    @Test("SIDECAR_REDIS_URL forms", arguments: [
        ("redis://localhost", RedisURL(endpoint: .tcp(host: "localhost", port: 6379))),
        ("redis://10.0.0.5:6380/3", RedisURL(endpoint: .tcp(host: "10.0.0.5", port: 6380), db: 3)),
        ("redis://:s3cret@redis", RedisURL(endpoint: .tcp(host: "redis", port: 6379), password: "s3cret")),
        ("redis://app:p%40ss@redis:7000/0", RedisURL(endpoint: .tcp(host: "redis", port: 7000), user: "app", password: "p@ss")),
        ("redis://app:p@ss@redis", RedisURL(endpoint: .tcp(host: "redis", port: 6379), user: "app", password: "p@ss")),
        ("REDIS://[::1]:6390/1", RedisURL(endpoint: .tcp(host: "::1", port: 6390), db: 1)),
        ("redis://redis/", RedisURL(endpoint: .tcp(host: "redis", port: 6379))),
        ("unix:///run/redis/redis.sock", RedisURL(endpoint: .unix(path: "/run/redis/redis.sock"))),
        ("unix:///run/redis.sock?db=4", RedisURL(endpoint: .unix(path: "/run/redis.sock"), db: 4)),
        ("unix://:pw@/run/redis.sock", RedisURL(endpoint: .unix(path: "/run/redis.sock"), password: "pw")),
    ])
    func redisURLs(raw: String, expected: RedisURL) throws {
        #expect(try SidecarConfig.load(environment: ["SIDECAR_REDIS_URL": raw]).redisURL == expected)
        #expect(try RedisURL(parsing: raw) == expected)
        // The description is itself a valid URL for the same endpoint (password hidden).
        if expected.password == nil { #expect(try RedisURL(parsing: expected.description) == expected) }
    }

    @Test("bad SIDECAR_REDIS_URL values are refused naming the setting, never echoing the password", arguments: [
        ("rediss://:hunter22@redis:6380", "TLS"),
        ("http://redis:6379", "redis://[[user]:password@]host"),
        ("redis.example:6379", "redis://[[user]:password@]host"),
        ("redis://", "a host name or address"),
        ("redis://:hunter22@redis:0", "port 1-65535"),
        ("redis://:hunter22@redis:6379x", "port 1-65535"),
        ("redis://redis/abc", "db a number"),
        ("redis://redis/1?timeout=5", "no query string"),
        ("redis://hunter22@redis", "colon before the password"),
        ("redis://:hunter22%zz@redis", "%XX escape"),
        ("redis://[::1", "closing bracket"),
        ("unix://relative.sock", "absolute"),
        ("unix:///run/redis.sock?db=x", "db=N"),
    ])
    func badRedisURLs(raw: String, fragment: String) {
        do {
            _ = try SidecarConfig.load(environment: ["SIDECAR_REDIS_URL": raw])
            Issue.record("\(raw) was accepted")
        } catch {
            #expect(error.key == "SIDECAR_REDIS_URL")
            #expect(error.description.contains(fragment), "\(error)")
            #expect(!error.description.contains("hunter22"), "the password leaks: \(error)")
        }
    }

    @Test("a Redis URL's description, debug description and mirror hide the password")
    func redisURLRedaction() throws {
        let url = try RedisURL(parsing: "redis://app:hunter22@redis:6379/1")
        #expect(url.description == "redis://app:***@redis:6379/1")
        #expect(!String(reflecting: url).contains("hunter22"))
        var dumped = ""
        dump(url, to: &dumped)
        #expect(!dumped.contains("hunter22"))
        #expect(url.password == "hunter22", "the client still gets it")
    }
}
