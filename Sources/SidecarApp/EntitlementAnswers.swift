import Foundation
import SidecarCache
import SidecarModel
import SidecarSync

/// The one place where an entitlement answer is assembled: decision, provenance, body and
/// headers, from what Sync's lookup says (DESIGN.md §2, §3, §4, §11).
///
/// Every question goes through `step`: either the answer, or what must be asked first (SQLite
/// or upstream, off the event loop), after which `step` runs again on the result.
struct EntitlementAnswers: Sendable {
    let service: EntitlementService
    let fallback: FallbackRules

    /// A decided check: the entitlement and where it came from.
    struct Answer: Sendable {
        var entitlement: Entitlement
        var provenance: Provenance
        /// Decided from the cached state alone, so the same state, question and second give
        /// the same answer (`AnswerCache`); not an ENUM `/check` answer, not a placeholder
        /// stamped with the time of the answer.
        var fromState = false
    }

    enum Listing: Sendable {
        case state(EntitlementsState, Provenance)
        /// The customer exists but has no state for this resource: a 404 for listings.
        case resourceNotFound
    }

    enum Step<Result: Sendable>: Sendable {
        case answer(Result)
        /// SQLite or an upstream read-through may know: `service.resolve`, then `step` again.
        /// `askedAt` is when the request looked, so a state fetched since counts as fetched for it.
        case resolveState(askedAt: Date)
        /// Only upstream's `/check` can decide (ENUM values).
        case askUpstreamCheck
    }

    // MARK: Checks

    func checkStep(_ request: CheckRequest, _ lookup: StateLookup, now: Date) -> Step<Answer> {
        switch lookup {
        case .cached(_, .expired):
            return .answer(fallbackAnswer(request, now: now))
        case .cached(let cached, let freshness):
            return decide(request, from: cached, provenance: provenance(cached, freshness, now: now), now: now)
        case .fetched(let cached):
            var step = decide(request, from: cached, provenance: provenance(cached, .fresh, now: now), now: now)
            if case .answer(var answer) = step, answer.provenance.source != .fallback {
                answer.provenance.source = .upstream
                step = .answer(answer)
            }
            return step
        case .notFound(let since):
            return .answer(Answer(entitlement: SidecarCache.decide(state: nil, request: request, now: now).entitlement,
                                  provenance: .known(since: since, now: now)))
        case .resourceNotFound(let snapshotAt):
            return .answer(Answer(
                entitlement: deniedPlaceholder(for: request.target, reason: .customerResourceNotFound, now: now),
                provenance: .known(since: snapshotAt, now: now)))
        case .unloaded, .missing(upstream: .available):
            return .resolveState(askedAt: now)
        case .missing:
            return .answer(fallbackAnswer(request, now: now))
        }
    }

    /// Decides from a cached state; an ENUM question with values goes to upstream's `/check`
    /// (REST states carry no enum values), answered from its short-lived cache when it can.
    private func decide(_ request: CheckRequest, from cached: CachedState, provenance: Provenance, now: Date) -> Step<Answer> {
        let decision = SidecarCache.decide(state: cached.state, request: request, now: now)
        guard decision.needsUpstream else {
            return .answer(Answer(entitlement: decision.entitlement, provenance: provenance, fromState: !Self.stampsNow(request, cached.state)))
        }
        if let (entitlement, at) = service.enumAnswer(for: request, at: now) {
            return .answer(Answer(entitlement: entitlement, provenance: .known(since: at, now: now)))
        }
        return service.mayAskUpstream(at: now) ? .askUpstreamCheck : .answer(fallbackAnswer(request, now: now))
    }

    /// Runs the steps that need another queue; `completion` gets the answer, never on the
    /// caller's thread when a step had to wait.
    func resolveCheck(_ request: CheckRequest, after step: Step<Answer>, completion: @escaping @Sendable (Answer) -> Void) {
        switch step {
        case .answer(let answer):
            completion(answer)
        case .resolveState(let askedAt):
            service.resolve(request.stateKey, askedAt: askedAt) { lookup in
                let now = service.now()
                switch checkStep(request, lookup, now: now) {
                // `resolve` never answers "resolve again"; if it did, do not loop.
                case .resolveState: completion(fallbackAnswer(request, now: now))
                case let next: resolveCheck(request, after: next, completion: completion)
                }
            }
        case .askUpstreamCheck:
            service.checkUpstream(request) { fetched in
                guard let (entitlement, at) = fetched else { return completion(fallbackAnswer(request, now: service.now())) }
                completion(Answer(entitlement: entitlement, provenance: .known(since: at, now: at, source: .upstream)))
            }
        }
    }

    /// A credit check with no credit to echo answers a placeholder whose `usageUpdatedAt` is
    /// the time of the answer (DESIGN.md §11), to the millisecond.
    private static func stampsNow(_ request: CheckRequest, _ state: EntitlementsState) -> Bool {
        guard case .currency(let currencyId) = request.target else { return false }
        return state.accessDeniedReason != nil || state.credit(currencyId) == nil
    }

    private func fallbackAnswer(_ request: CheckRequest, now: Date) -> Answer {
        Answer(entitlement: fallback.decide(request, now: now).entitlement, provenance: .fallback)
    }

    // MARK: Listings

    func listingStep(_ key: StateKey, _ lookup: StateLookup, now: Date) -> Step<Listing> {
        switch lookup {
        case .cached(let cached, .expired):
            return .answer(fallbackListing(cached.key, now: now))
        case .cached(let cached, let freshness):
            return .answer(.state(cached.state.rolledOver(at: now).state, provenance(cached, freshness, now: now)))
        case .fetched(let cached):
            var provenance = provenance(cached, .fresh, now: now)
            provenance.source = .upstream
            return .answer(.state(cached.state.rolledOver(at: now).state, provenance))
        case .notFound(let since):
            // A resource is a 404 (DESIGN.md §11); a customer is Stigg's state-level
            // `CustomerNotFound`, which checks deny with too.
            if key.resourceId != nil { return .answer(.resourceNotFound) }
            return .answer(.state(EntitlementsState(accessDeniedReason: .customerNotFound, entitlements: []), .known(since: since, now: now)))
        case .resourceNotFound:
            return .answer(.resourceNotFound)
        case .unloaded, .missing(upstream: .available):
            return .resolveState(askedAt: now)
        case .missing:
            return .answer(fallbackListing(key, now: now))
        }
    }

    func resolveListing(_ key: StateKey, askedAt: Date, completion: @escaping @Sendable (Listing) -> Void) {
        service.resolve(key, askedAt: askedAt) { lookup in
            let now = service.now()
            switch listingStep(key, lookup, now: now) {
            case .answer(let listing): completion(listing)
            case .resolveState, .askUpstreamCheck: completion(fallbackListing(key, now: now))
            }
        }
    }

    /// What the rules would answer for each feature they name, in id order.
    private func fallbackListing(_ key: StateKey, now: Date) -> Listing {
        let entitlements = fallback.rules.keys.sorted().map { id in
            fallback.decide(CheckRequest(customerId: key.customerId, resourceId: key.resourceId, target: .feature(id)), now: now).entitlement
        }
        return .state(EntitlementsState(accessDeniedReason: nil, entitlements: entitlements), .fallback)
    }

    // MARK: Provenance

    /// Offline answers say when the snapshot was loaded, which is the states' sync time.
    private func provenance(_ cached: CachedState, _ freshness: StateLookup.Freshness, now: Date) -> Provenance {
        Provenance(source: freshness == .stale ? .stale : .cache, syncedAt: cached.syncedAtText, ageSeconds: cached.ageSeconds(at: now))
    }
}

extension Provenance {
    /// For what upstream told us at `since` outside a cached state: a CustomerNotFound, an
    /// ENUM `/check` answer, an offline resource the snapshot lacks.
    static func known(since: Date, now: Date, source: Source = .cache) -> Provenance {
        Provenance(source: source, syncedAt: Timestamp.formatRFC3339(since), ageSeconds: max(0, Int(now.timeIntervalSince(since).rounded(.down))))
    }
}
