import SidecarCache
import SidecarModel
// Whole response bodies for the entitlement routes (DESIGN.md §3): Stigg's `{"data": ...}`
// plus our provenance object, which official SDKs ignore as an unknown top-level key.

/// Where an answer came from (DESIGN.md §3, §11 "Provenance").
struct Provenance: Sendable, Equatable {
    public enum Source: String, Sendable, CaseIterable {
        /// Fresh cached data (also offline-snapshot answers).
        case cache
        /// Older than the refresh interval while upstream is failing for it.
        case stale
        /// Fetched for this request.
        case upstream
        /// No data; a configured fallback rule (or the default deny) answered.
        case fallback
    }

    public var source: Source
    /// RFC 3339 time of the data's last successful sync; nil (written `null`) for fallback.
    public var syncedAt: String?
    /// Whole seconds since `syncedAt` (floor); nil for fallback.
    public var ageSeconds: Int?

    public init(source: Source, syncedAt: String?, ageSeconds: Int?) {
        self.source = source
        self.syncedAt = syncedAt
        self.ageSeconds = ageSeconds
    }

    public static let fallback = Provenance(source: .fallback, syncedAt: nil, ageSeconds: nil)
}

extension JSONWriter {
    mutating func provenance(_ provenance: Provenance) {
        switch provenance.source {
        case .cache: raw(#"{"source":"cache","syncedAt":"#)
        case .stale: raw(#"{"source":"stale","syncedAt":"#)
        case .upstream: raw(#"{"source":"upstream","syncedAt":"#)
        case .fallback: raw(#"{"source":"fallback","syncedAt":"#)
        }
        string(provenance.syncedAt)
        raw(#","ageSeconds":"#)
        if let age = provenance.ageSeconds { integer(age) } else { null() }
        raw("}")
    }

    /// `{"data":<entitlement>,"sidecar":{...}}`, the answer of both check routes.
    mutating func checkBody(_ entitlement: Entitlement, provenance: Provenance) {
        raw(#"{"data":"#)
        self.entitlement(entitlement)
        raw(#","sidecar":"#)
        self.provenance(provenance)
        raw("}")
    }

    /// `{"data":{"accessDeniedReason":...,"entitlements":[...]},"sidecar":{...}}`.
    mutating func listingBody(_ state: EntitlementsState, provenance: Provenance) {
        raw(#"{"data":"#)
        entitlementsState(state)
        raw(#","sidecar":"#)
        self.provenance(provenance)
        raw("}")
    }
}

enum ResponseBody {
    /// A metered entitlement with every field and a provenance object come to ~600 bytes;
    /// sizing above that means one allocation per answer and no regrowth.
    static let checkCapacity = 768
    static let perEntitlementCapacity = 512

    static func check(_ entitlement: Entitlement, provenance: Provenance) -> [UInt8] {
        var writer = JSONWriter(capacity: checkCapacity)
        writer.checkBody(entitlement, provenance: provenance)
        return writer.bytes
    }

    static func listing(_ state: EntitlementsState, provenance: Provenance) -> [UInt8] {
        var writer = JSONWriter(capacity: 256 + perEntitlementCapacity * state.entitlements.count)
        writer.listingBody(state, provenance: provenance)
        return writer.bytes
    }
}
