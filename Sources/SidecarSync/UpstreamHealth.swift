import Foundation
import SidecarCache
import SidecarModel
import SidecarUpstream
import Synchronization

/// What `/status` and `/readyz` say about upstream (DESIGN.md §11).
public struct UpstreamStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        /// The last attempt succeeded.
        case healthy
        /// The last attempt failed.
        case failing
        /// Nothing has been attempted yet (or offline mode).
        case unknown
    }

    public var state: State = .unknown
    public var lastSuccessAt: Date?
    public var lastErrorAt: Date?
    /// Never holds the API key: `UpstreamError` messages are built without it.
    public var lastError: String?
    public var consecutiveFailures = 0
    public var circuitOpen = false
    /// No call of any kind before this (Retry-After, backoff); nil when calls may go now.
    public var nextAttemptAt: Date?
    /// The key was refused (401/403): nothing will work until an operator fixes it.
    public var authenticationFailed = false
}

/// Consecutive failures, backoff, Retry-After and the circuit (DESIGN.md §5, §11). Only
/// failures that say something about upstream count: timeouts, transport errors, retryable
/// statuses, invalid bodies and a refused key. A 400 for one customer does not.
final class UpstreamHealth: Sendable {
    private struct State {
        var status = UpstreamStatus()
        var backoffUntil: Date?
        var retryAfterUntil: Date?
        var probing = false

        func waitOver(at now: Date) -> Bool {
            (backoffUntil.map { now >= $0 } ?? true) && (retryAfterUntil.map { now >= $0 } ?? true)
        }
    }

    private let state = Mutex(State())
    private let backoff: Backoff
    private let threshold: Int
    private let random: @Sendable () -> Double

    init(backoff: Backoff, circuitThreshold: Int, random: @escaping @Sendable () -> Double) {
        self.backoff = backoff
        self.threshold = circuitThreshold
        self.random = random
    }

    var status: UpstreamStatus { state.withLock { $0.status } }

    var circuitOpen: Bool { state.withLock { $0.status.circuitOpen } }

    /// Misses may call upstream unless the circuit is open or upstream asked us to wait;
    /// a plain backoff only holds back background work, since a caller is waiting on a miss.
    func allowsMiss(at now: Date) -> Bool {
        state.withLock { state in
            !state.status.circuitOpen && (state.retryAfterUntil.map { now >= $0 } ?? true)
        }
    }

    func allowsBackground(at now: Date) -> Bool {
        state.withLock { state in !state.status.circuitOpen && state.waitOver(at: now) }
    }

    /// While the circuit is open, one probe goes out once the backoff has passed; true means
    /// the caller sends it and reports back through `record`.
    func beginProbe(at now: Date) -> Bool {
        state.withLock { state in
            guard state.status.circuitOpen, !state.probing, state.waitOver(at: now) else { return false }
            state.probing = true
            return true
        }
    }

    func recordSuccess(at now: Date) {
        state.withLock { state in
            state.status.state = .healthy
            state.status.lastSuccessAt = now
            state.status.consecutiveFailures = 0
            state.status.circuitOpen = false
            state.status.authenticationFailed = false
            state.status.nextAttemptAt = nil
            state.backoffUntil = nil
            state.retryAfterUntil = nil
            state.probing = false
        }
    }

    /// Returns whether the failure counted against upstream.
    @discardableResult
    func recordFailure(_ error: UpstreamError, at now: Date) -> Bool {
        let counts = error.isRetryable || error.isAuthenticationFailure
        let unit = random()
        state.withLock { state in
            state.probing = false
            guard counts else { return }
            state.status.state = .failing
            state.status.lastErrorAt = now
            state.status.lastError = error.description
            state.status.authenticationFailed = error.isAuthenticationFailure
            state.status.consecutiveFailures += 1
            if state.status.consecutiveFailures >= threshold { state.status.circuitOpen = true }
            let delay = backoff.delay(afterFailures: state.status.consecutiveFailures, unit: unit)
            state.backoffUntil = now.addingTimeInterval(delay.seconds)
            if case .status(_, _, let retryAfter?) = error {
                state.retryAfterUntil = now.addingTimeInterval(retryAfter.seconds)
            }
            state.status.nextAttemptAt = [state.backoffUntil, state.retryAfterUntil].compactMap { $0 }.max()
        }
        return counts
    }
}
