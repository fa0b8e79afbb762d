import Foundation
import SidecarModel

/// A state as the fleet shares it: what upstream answered (never a sender's unconfirmed usage)
/// and when it was fetched from upstream, wherever that happened.
public struct SharedState: Sendable {
    public let key: StateKey
    public let state: EntitlementsState
    /// Milliseconds since 1970: whole numbers compare exactly across sidecars.
    public let syncedAtMs: Int64

    public init(key: StateKey, state: EntitlementsState, syncedAt: Date) {
        self.init(key: key, state: state, syncedAtMs: SharedState.milliseconds(syncedAt))
    }

    init(key: StateKey, state: EntitlementsState, syncedAtMs: Int64) {
        self.key = key
        self.state = state
        self.syncedAtMs = syncedAtMs
    }

    public var syncedAt: Date { Date(timeIntervalSince1970: Double(syncedAtMs) / 1000) }

    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// `{"syncedAtMs":<ms>,"state":{...}}`. `syncedAtMs` comes first: the publish script reads
    /// it with a pattern instead of decoding the whole state.
    func encoded() -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        writer.raw(#"{"syncedAtMs":"#)
        writer.integer(syncedAtMs)
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
        return SharedState(key: key, state: state, syncedAtMs: Int64(ms))
    }
}
