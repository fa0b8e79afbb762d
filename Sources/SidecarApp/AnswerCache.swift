import Foundation
import SidecarCache
import SidecarHTTP
import SidecarModel
import SidecarSync
import Synchronization

/// Prepared cache-hit answers to checks, keyed by the request target exactly as sent, so a
/// repeated check skips query parsing, the decision and the body and header writing
/// (DESIGN.md §9; they were about half of a hit's instructions).
///
/// An entry is the answer to (target, state object, freshness) during one stretch of time in
/// which nothing the answer shows can change: it ends at the next whole second (the `Date`
/// header is the server's, but the entry must not outlive the `Age` it carries), when the
/// state's age in whole seconds grows, or when a period end or `validUntil` passes. A hit
/// re-runs the lookup, so a refreshed or usage-updated state (a new object), a change of
/// freshness (`stale` when upstream fails) and the last-access stamp stay exact.
final class AnswerCache: Sendable {
    /// A class: a hit takes it out of the table with one retain instead of copying its fields.
    final class Entry: Sendable {
        let key: StateKey
        let state: CachedState
        let freshness: StateLookup.Freshness
        let source: Provenance.Source
        /// Unix seconds; the entry answers only before it.
        let expiresAt: Double
        let response: HTTPResponse

        init(key: StateKey, state: CachedState, freshness: StateLookup.Freshness, source: Provenance.Source,
             expiresAt: Double, response: HTTPResponse) {
            self.key = key
            self.state = state
            self.freshness = freshness
            self.source = source
            self.expiresAt = expiresAt
            self.response = response
        }
    }

    private let entries = Mutex<[TargetKey: Entry]>([:])
    /// Seeds the targets' hash per process, so colliding targets cannot be chosen in advance.
    private let seed = UInt64.random(in: .min ... .max)
    /// Past it the table starts over: entries live a second at most, so dropping them all
    /// costs one re-computation per hot target, and memory stays bounded whatever the
    /// number of distinct targets.
    let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// The prepared answer for `target`, if one is still exact at `now`.
    func answer(_ target: ArraySlice<UInt8>, service: EntitlementService, now: Date) -> Entry? {
        let key = TargetKey(target, seed: seed)
        guard let entry = entries.withLock({ $0[key] }), now.timeIntervalSince1970 < entry.expiresAt else { return nil }
        guard case .cached(let cached, let freshness) = service.lookup(entry.key, now: now),
              cached === entry.state, freshness == entry.freshness else { return nil }
        return entry
    }

    /// Keeps a check's answer made from `cached` at `now`.
    func store(_ target: ArraySlice<UInt8>, cached: CachedState, freshness: StateLookup.Freshness, answer: EntitlementAnswers.Answer,
               response: HTTPResponse, now: Date) {
        let nowSeconds = now.timeIntervalSince1970
        var expiresAt = min(nowSeconds.rounded(.down) + 1, cached.syncedAt.timeIntervalSince1970 + Double(cached.ageSeconds(at: now) + 1))
        if let due = cached.refreshDue?.timeIntervalSince1970 {
            // Past due, some entitlement has rolled over or expired while others may still
            // be about to: `refreshDue` no longer bounds them all, so keep nothing.
            guard due > nowSeconds else { return }
            expiresAt = min(expiresAt, due)
        }
        let entry = Entry(key: cached.key, state: cached, freshness: freshness, source: answer.provenance.source,
                          expiresAt: expiresAt, response: response.prepared())
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            // A copy of its own: the slice would keep the whole request head alive.
            entries[TargetKey(Array(target)[...], seed: seed)] = entry
        }
    }
}

/// A request target's bytes with their hash computed once over 8-byte words, so the table
/// neither builds a String nor runs SipHash over the whole target (DESIGN.md §9).
struct TargetKey: Hashable, Sendable {
    let bytes: ArraySlice<UInt8>
    let hash: UInt64

    init(_ bytes: ArraySlice<UInt8>, seed: UInt64) {
        self.bytes = bytes
        hash = bytes.withUnsafeBytes { raw in
            var h = seed ^ UInt64(raw.count)
            var offset = 0
            // Unaligned loads of whole words within `raw`, then the tail byte by byte.
            while offset + 8 <= raw.count {
                h = (h ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
                h ^= h >> 29
                offset += 8
            }
            while offset < raw.count {
                h = (h ^ UInt64(raw[offset])) &* 0x100_0000_01B3
                offset += 1
            }
            return h ^ (h >> 32)
        }
    }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    static func == (a: TargetKey, b: TargetKey) -> Bool {
        guard a.hash == b.hash, a.bytes.count == b.bytes.count else { return false }
        return a.bytes.withUnsafeBytes { x in
            b.bytes.withUnsafeBytes { y in
                // Equal counts, checked above; memcmp of zero bytes ignores the pointers.
                x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
            }
        }
    }
}
