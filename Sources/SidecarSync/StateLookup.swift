import Foundation
import SidecarCache

/// Everything Sync knows about one (customer, resource) key at one instant: the single input
/// from which the application assembles an answer (decision, provenance, body, headers).
public enum StateLookup: Sendable {
    /// A cached state, and how far it can be trusted now.
    case cached(CachedState, Freshness)
    /// Read from upstream for this very request (provenance `upstream`).
    case fetched(CachedState)
    /// Upstream said the customer (or resource) does not exist, `since` then (cached briefly).
    case notFound(since: Date)
    /// Offline: the snapshot has the customer but not this resource; the snapshot was
    /// loaded at `snapshotAt`.
    case resourceNotFound(snapshotAt: Date)
    /// Nothing usable here; `upstream` says whether asking it is worth it.
    case missing(upstream: UpstreamAvailability)
    /// SQLite may hold it: `EntitlementService.resolve` loads it off the event loop.
    case unloaded

    public enum Freshness: Sendable, Equatable {
        /// Within the refresh interval, or older while upstream is fine (the poller lags).
        case fresh
        /// Older than the refresh interval while upstream fails for it (DESIGN.md §11).
        case stale
        /// Older than `SIDECAR_MAX_STALENESS` under `SIDECAR_STALE_POLICY=fallback`.
        case expired
    }

    public enum UpstreamAvailability: Sendable, Equatable {
        /// A read-through may go out now.
        case available
        /// The circuit is open or upstream asked us to wait: answer from fallback at once.
        case unavailable
        /// Offline mode: nothing is ever fetched.
        case offline
    }
}
