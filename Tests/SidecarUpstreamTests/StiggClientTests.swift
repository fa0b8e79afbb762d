import Dispatch
import Foundation
import Testing
import FakeStigg
import SidecarModel
import SidecarUpstream

/// A started fake with the demo customers, and a client for it.
func makeUpstream(key: String = "server-fake-key", timeout: Duration = .seconds(2)) throws -> (FakeStigg, StiggClient) {
    let fake = FakeStigg()
    fake.seedDemo()
    try fake.start()
    let client = StiggClient(configuration: UpstreamConfiguration(
        baseURL: URL(string: fake.baseURL)!, apiKey: key, timeout: timeout))
    return (fake, client)
}

/// The error a call threw, or nil if it succeeded.
func failure<T>(_ call: () async throws -> T) async -> UpstreamError? {
    do {
        _ = try await call()
        return nil
    } catch {
        return error as? UpstreamError ?? .transport("unexpected error type \(type(of: error))")
    }
}

@Suite("Stigg REST client against the fake upstream")
struct StiggClientTests {
    @Test("entitlements decode whole; unknown customers are notFound")
    func entitlements() async throws {
        let (fake, client) = try makeUpstream()
        guard case .state(let state) = try await client.entitlements(customerId: "demo-pro", resourceId: nil) else {
            Issue.record("expected a state")
            return
        }
        #expect(state.feature("feature-api-calls") != nil)
        #expect(try await client.entitlements(customerId: "nobody", resourceId: nil) == .notFound)
        #expect(fake.calls("/api/v1/customers/demo-pro/entitlements") == 1)
        await fake.stop()
    }

    @Test("ENUM checks go to /check with comma-joined values")
    func enumCheck() async throws {
        let (fake, client) = try makeUpstream()
        let granted = try await client.check(CheckRequest(customerId: "demo-pro", target: .feature("feature-region"), requestedValues: ["us", "eu"]))
        #expect(granted.isGranted)
        let denied = try await client.check(CheckRequest(customerId: "demo-pro", target: .feature("feature-region"), requestedValues: ["us", "mars"]))
        #expect(denied.accessDeniedReason == .requestedValuesMismatch)
        await fake.stop()
    }

    @Test("a rejected key is a permanent authentication failure that never shows the key")
    func badKey() async throws {
        let (fake, client) = try makeUpstream(key: "server-wrong-secret")
        let error = await failure { try await client.entitlements(customerId: "demo-pro", resourceId: nil) }
        #expect(error?.isAuthenticationFailure == true)
        #expect(error?.isRetryable == false)
        #expect(error.map { "\($0)" }?.contains("STIGG_API_KEY") == true)
        #expect(error.map { "\($0)" }?.contains("server-wrong-secret") == false)
        await fake.stop()
    }

    @Test("status faults are classified; Retry-After is read")
    func statuses() async throws {
        let (fake, client) = try makeUpstream()
        _ = fake.inject(.status(500, retryAfter: nil), count: 1)
        let serverError = await failure { try await client.entitlements(customerId: "demo-pro", resourceId: nil) }
        #expect(serverError?.isRetryable == true)
        _ = fake.inject(.status(429, retryAfter: 7), count: 1)
        let limited = await failure { try await client.entitlements(customerId: "demo-pro", resourceId: nil) }
        guard case .status(429, _, let retryAfter)? = limited else { Issue.record("expected 429, got \(String(describing: limited))"); return }
        #expect(retryAfter == .seconds(7))
        _ = fake.inject(.status(400, retryAfter: nil), count: 1)
        #expect(await failure { try await client.entitlements(customerId: "demo-pro", resourceId: nil) }?.isRetryable == false)
        await fake.stop()
    }

    @Test("bad bodies are errors, never partial states", arguments: [
        Fault.malformedJSON, .htmlOK, .truncatedBody, .wrongTypes, .hugeBody(bytes: 9 * 1024 * 1024), .dropConnection,
    ])
    func badBodies(_ fault: Fault) async throws {
        let (fake, client) = try makeUpstream(timeout: .seconds(5))
        _ = fake.inject(fault, count: 1)
        let error = await failure { try await client.entitlements(customerId: "demo-pro", resourceId: nil) }
        #expect(error != nil)
        #expect(error?.isRetryable == true)
        await fake.stop()
    }

    @Test("a hung upstream times out at our deadline")
    func hang() async throws {
        let (fake, client) = try makeUpstream(timeout: .milliseconds(300))
        _ = fake.inject(.hang)
        let start = DispatchTime.now().uptimeNanoseconds
        let error = await failure { try await client.entitlements(customerId: "demo-pro", resourceId: nil) }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(error == .timeout)
        #expect(elapsed >= 0.25 && elapsed < 2, "took \(elapsed) s")
        fake.clearFaults()
        await fake.stop()
    }

    @Test("connection refused is a retryable transport error")
    func refused() async throws {
        let (fake, client) = try makeUpstream()
        await fake.stop()
        let error = await failure { try await client.entitlements(customerId: "demo-pro", resourceId: nil) }
        guard case .transport? = error else { Issue.record("expected transport, got \(String(describing: error))"); return }
        #expect(error?.isRetryable == true)
    }

    @Test("paging through 250 customers yields each once")
    func paging() async throws {
        let (fake, client) = try makeUpstream()
        fake.reset(includingData: true)
        fake.addSyntheticCustomers(count: 250)
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await client.customers(after: cursor, limit: 100)
            seen += page.customerIds
            cursor = page.next
            pages += 1
        } while cursor != nil && pages < 10
        #expect(seen.count == 250)
        #expect(Set(seen).count == 250)
        await fake.stop()
    }
}

@Suite("Retry-After and backoff")
struct RetryPolicyTests {
    @Test func retryAfter() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse(" 3 ", now: now) == .seconds(3))
        #expect(RetryAfter.parse("Tue, 14 Nov 2023 22:13:40 GMT", now: now) == .seconds(20))
        #expect(RetryAfter.parse("Tue, 14 Nov 2023 22:00:00 GMT", now: now) == .zero)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse(nil, now: now) == nil)
    }

    @Test func backoff() {
        let backoff = Backoff(base: .seconds(1), cap: .seconds(60))
        #expect(backoff.ceiling(afterFailures: 1) == .seconds(1))
        #expect(backoff.ceiling(afterFailures: 3) == .seconds(4))
        #expect(backoff.ceiling(afterFailures: 7) == .seconds(60))
        #expect(backoff.ceiling(afterFailures: 500) == .seconds(60))
        #expect(backoff.delay(afterFailures: 3, unit: 0.5) == .seconds(2))
        #expect(backoff.delay(afterFailures: 3, unit: 0.0, retryAfter: .seconds(30)) == .seconds(30))
    }
}
