import Foundation
import Logging
import Synchronization
import FakeStigg
import SidecarCache
import SidecarModel
import SidecarSync
import SidecarUpstream
import SidecarTestSupport
@testable import SidecarApp

/// Time that moves only when a test says so.
final class ManualClock: Sendable {
    private let current: Mutex<Date>

    /// Starts at the real time: the fake's demo periods end at the end of the current month.
    init(_ start: Date = Date()) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(seconds: Double) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// A fake upstream with the demo customers, a store in a temp dir, and a sync engine and
/// service over them on a manual clock, with the poller driven by `tick()`.
struct Harness {
    let fake: FakeStigg
    let clock: ManualClock
    let store: EntitlementStore
    let engine: SyncEngine
    let service: EntitlementService
    /// Assembles answers exactly as the HTTP routes do.
    let answers: EntitlementAnswers
    let directory: URL

    /// States SQLite holds (memory holds only those asked for).
    var persisted: Int { store.persistedCount(origin: .upstream) }

    /// Entitlement calls the fake has seen (not the customer list).
    var entitlementCalls: Int { fake.calls("/api/v1/customers/") }

    func stop() async {
        engine.stop()
        await fake.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Answers like the routes do: the cache first, read-through when it cannot.
    func check(_ customerId: String, _ featureId: String, resourceId: String? = nil, usage: Double? = nil, values: [String]? = nil) async -> EntitlementAnswers.Answer {
        let request = CheckRequest(customerId: customerId, resourceId: resourceId, target: .feature(featureId), requestedUsage: usage, requestedValues: values)
        let step = answers.checkStep(request, service.lookup(request.stateKey, now: clock.now), now: clock.now)
        if case .answer(let answer) = step { return answer }
        return await withCheckedContinuation { continuation in
            answers.resolveCheck(request, after: step) { continuation.resume(returning: $0) }
        }
    }

    /// Whether `check` would answer without a call: from memory (cache or fallback) at once.
    func answersAtOnce(_ customerId: String, _ featureId: String) -> Bool {
        answerAtOnce(customerId, featureId) != nil
    }

    /// The answer `check` gives without asking upstream (from memory, SQLite or the fallback);
    /// nil when it would have to. A state only on disk is loaded the way the routes load it
    /// off the event loop, here inline since a test thread may wait.
    func answerAtOnce(_ customerId: String, _ featureId: String) -> EntitlementAnswers.Answer? {
        let request = CheckRequest(customerId: customerId, target: .feature(featureId))
        let lookup = service.lookupWaiting(request.stateKey, now: clock.now)
        if case .answer(let answer) = answers.checkStep(request, lookup, now: clock.now) { return answer }
        return nil
    }

    func listing(_ customerId: String, resourceId: String? = nil) async -> EntitlementAnswers.Listing {
        let key = StateKey(customerId: customerId, resourceId: resourceId)
        if case .answer(let listing) = answers.listingStep(key, service.lookup(key, now: clock.now), now: clock.now) { return listing }
        return await withCheckedContinuation { continuation in
            answers.resolveListing(key, askedAt: clock.now) { continuation.resume(returning: $0) }
        }
    }

    /// Advances past the refresh interval and runs one poller cycle.
    func refreshCycle() async {
        clock.advance(seconds: engine.settings.refreshInterval.seconds + 1)
        await engine.tick()
    }
}

func makeHarness(
    apiKey: String = "server-fake-key", fallback: FallbackRules = .none, timeout: Duration = .milliseconds(500),
    maxStaleness: Duration? = nil, serveStale: Bool = true, start: Bool = false,
    configure: (inout SyncSettings) -> Void = { _ in }
) throws -> Harness {
    let fake = FakeStigg()
    fake.seedDemo()
    try fake.start()
    let directory = try makeTempDirectory("sync-test")
    let store = try EntitlementStore.open(path: directory.appendingPathComponent("cache.sqlite").path).store
    try store.loadLazily(origin: .upstream)
    let client = StiggClient(configuration: UpstreamConfiguration(baseURL: URL(string: fake.baseURL)!, apiKey: apiKey, timeout: timeout))
    var settings = SyncSettings()
    settings.pollInterval = nil
    settings.upstreamRPS = 1_000
    settings.missTimeout = .seconds(2)
    configure(&settings)
    let clock = ManualClock()
    var logger = Logger(label: "sync-test")
    logger.logLevel = .critical
    // Jitter pinned to its ceiling so backoff windows are exact.
    let engine = SyncEngine(store: store, client: client, settings: settings, logger: logger, now: { clock.now }, random: { 0.999_999 })
    let policy = EntitlementService.Policy(maxStaleness: maxStaleness, serveStale: serveStale)
    let service = EntitlementService(store: store, mode: .online(engine), policy: policy, now: { clock.now })
    if start { engine.start() }
    return Harness(
        fake: fake, clock: clock, store: store, engine: engine, service: service,
        answers: EntitlementAnswers(service: service, fallback: fallback), directory: directory)
}
