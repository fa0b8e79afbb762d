import Foundation
import SidecarCache

/// Answers entitlement questions from the store, the fallback rules and the clock.
/// Synchronous and allocation-light: this is the hot path.
final class EntitlementService: Sendable {
    let store: EntitlementStore
    let fallback: FallbackRules
    let offline: Bool
    /// When the offline snapshot was loaded: the `syncedAt` of offline answers (DESIGN.md §11).
    let loadedAt: Date
    let loadedAtText: String

    struct Answer {
        var entitlement: Entitlement
        var provenance: Provenance
    }

    init(store: EntitlementStore, fallback: FallbackRules, offline: Bool, loadedAt: Date) {
        self.store = store
        self.fallback = fallback
        self.offline = offline
        self.loadedAt = loadedAt
        self.loadedAtText = Timestamp.formatRFC3339(loadedAt)
    }

    func check(_ request: CheckRequest, now: Date) -> Answer {
        switch store.lookup(request.stateKey) {
        case .state(let cached):
            let decision = decide(state: cached.state, request: request, now: now)
            if decision.needsUpstream {
                // ENUM values are not in REST states; with no upstream to ask, rules decide.
                return Answer(entitlement: fallback.decide(request, now: now).entitlement, provenance: .fallback)
            }
            return Answer(entitlement: decision.entitlement, provenance: provenance(cached, now: now))
        case .resourceNotFound:
            let denied = deniedPlaceholder(for: request.target, reason: .customerResourceNotFound, now: now)
            return Answer(entitlement: denied, provenance: knownAbsence(now: now))
        case .missing:
            return Answer(entitlement: fallback.decide(request, now: now).entitlement, provenance: .fallback)
        }
    }

    enum ListingAnswer {
        case state(EntitlementsState, Provenance)
        case resourceNotFound
    }

    func listing(customerId: String, resourceId: String?, now: Date) -> ListingAnswer {
        switch store.lookup(StateKey(customerId: customerId, resourceId: resourceId)) {
        case .state(let cached):
            return .state(cached.state.rolledOver(at: now).state, provenance(cached, now: now))
        case .resourceNotFound:
            return .resourceNotFound
        case .missing:
            return .state(fallbackListing(customerId: customerId, resourceId: resourceId, now: now), .fallback)
        }
    }

    /// What the rules would answer for each feature they name, in id order.
    private func fallbackListing(customerId: String, resourceId: String?, now: Date) -> EntitlementsState {
        let entitlements = fallback.rules.keys.sorted().map { id in
            fallback.decide(CheckRequest(customerId: customerId, resourceId: resourceId, target: .feature(id)), now: now).entitlement
        }
        return EntitlementsState(accessDeniedReason: nil, entitlements: entitlements)
    }

    private func provenance(_ cached: CachedState, now: Date) -> Provenance {
        Provenance(source: .cache, syncedAt: cached.syncedAtText, ageSeconds: cached.ageSeconds(at: now))
    }

    /// "This customer has no such resource" is knowledge from the last load, not a fallback.
    private func knownAbsence(now: Date) -> Provenance {
        Provenance(source: .cache, syncedAt: loadedAtText, ageSeconds: max(0, Int(now.timeIntervalSince(loadedAt))))
    }
}
