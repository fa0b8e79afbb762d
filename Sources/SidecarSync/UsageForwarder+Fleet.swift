import Foundation
import SidecarCache
import SidecarFleet
import SidecarModel

extension UsageForwarder {
    /// Shares the totals upstream confirmed for one delivered batch (DESIGN.md §13: the state
    /// with upstream's confirmed `currentUsage` reaches every sidecar within 1 s), so the
    /// other sidecars answer them without reading upstream. Awaited by the delivery loop, so
    /// a later batch's totals are never overtaken by an earlier one's from this sidecar; the
    /// keys of one batch go out together. Redis down costs nothing: each key fails at once.
    func shareConfirmed(_ usage: [DeliveredUsage], at: Date) async {
        guard let fleet = gate?.fleet, !usage.isEmpty else { return }
        // The last measurement of a feature is the newest total upstream knows.
        var totals: [StateKey: [String: Double]] = [:]
        for delivered in usage { totals[delivered.key, default: [:]][delivered.featureId] = delivered.currentUsage }
        await withTaskGroup(of: Void.self) { group in
            for (key, features) in totals {
                group.addTask {
                    await fleet.publishConfirmed(key, at: at) { state in
                        var confirmed = state
                        for (featureId, total) in features { confirmed.applyUsage(featureId: featureId, value: total, behavior: .set) }
                        return confirmed == state ? nil : confirmed
                    }
                }
            }
        }
    }
}
