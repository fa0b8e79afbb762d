import Foundation
import SidecarModel

/// A state as the fleet shares it: what upstream answered (never a sender's unconfirmed usage)
/// and when it was fetched from upstream, wherever that happened.
public struct SharedState: Sendable {
    public let key: StateKey
    public let state: EntitlementsState
    /// Milliseconds since 1970: whole numbers compare exactly across sidecars.
    public let syncedAtMs: Int64
    /// When upstream last confirmed usage on top of the state fetched at `syncedAtMs` (0: as
    /// fetched). Kept apart from `syncedAtMs` so a confirmation orders after the fetch it
    /// amends without making the rest of the state look fresher than it is: with steady usage
    /// the fleet would otherwise never refresh it.
    public let usageAtMs: Int64

    public init(key: StateKey, state: EntitlementsState, syncedAt: Date) {
        self.init(key: key, state: state, syncedAtMs: SharedState.milliseconds(syncedAt))
    }

    init(key: StateKey, state: EntitlementsState, syncedAtMs: Int64, usageAtMs: Int64 = 0) {
        self.key = key
        self.state = state
        self.syncedAtMs = syncedAtMs
        self.usageAtMs = usageAtMs
    }

    public var syncedAt: Date { Date(timeIntervalSince1970: Double(syncedAtMs) / 1000) }

    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// A local `syncedAt` in milliseconds, to compare with shared ones: rounded, not floored,
    /// since a state adopted from Redis was stored as `ms / 1000` seconds and may come back a
    /// hair under `ms` (it would then look older than its own shared copy).
    public static func localMilliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// Whether this shared copy should replace a local state synced at `localMs`: fetched
    /// later, or the same fetch with usage upstream confirmed since (applying it again is
    /// harmless: it sets the same totals).
    public func supersedes(localMs: Int64) -> Bool {
        syncedAtMs > localMs || (usageAtMs > 0 && syncedAtMs >= localMs)
    }

    /// `{"syncedAtMs":<ms>[,"usageAtMs":<ms>],"state":{...}}`. The times come first: the
    /// publish scripts read them with a pattern instead of decoding the whole state.
    func encoded() -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        writer.raw(#"{"syncedAtMs":"#)
        writer.integer(syncedAtMs)
        if usageAtMs > 0 {
            writer.raw(#","usageAtMs":"#)
            writer.integer(usageAtMs)
        }
        writer.raw(#","state":"#)
        writer.entitlementsState(state)
        writer.raw("}")
        return writer.bytes
    }

    /// nil for anything that is not exactly what `encoded` writes with a state Stigg's decoder
    /// accepts: such data is ignored, never served (DESIGN.md §13).
    static func decode(_ bytes: [UInt8], key: StateKey) -> SharedState? {
        guard let json = try? JSONParser.parse(bytes),
              case .number(let ms)? = json["syncedAtMs"], ms.isFinite, ms > 0, ms < 1e15, ms == ms.rounded(),
              let stateJSON = json["state"],
              let state = try? EntitlementsState(json: stateJSON)
        else { return nil }
        var usageAtMs: Int64 = 0
        if case .number(let usage)? = json["usageAtMs"], usage.isFinite, usage > 0, usage < 1e15, usage == usage.rounded() {
            usageAtMs = Int64(usage)
        }
        return SharedState(key: key, state: state, syncedAtMs: Int64(ms), usageAtMs: usageAtMs)
    }
}
