import Foundation
import SidecarCache
import SidecarConfig
import SidecarFleet
import SidecarModel
import SidecarSync

/// The `/status` body (DESIGN.md §11). Built from snapshots, so it never holds a lock the
/// hot path needs while it writes. The API key never appears: upstream errors are built
/// without it.
struct StatusReport {
    // One source of truth for the version: SidecarConfig/SidecarVersion.swift.
    static let version = SidecarVersion.current

    let service: EntitlementService
    let usage: UsageService
    let cache: EntitlementService.CacheStatus
    let startedAt: Date
    let now: Date
    /// nil when there is no webhook intake at all (tests that build the report directly).
    var webhooks: WebhookService.Counts? = nil
    /// nil leaves the block out (tests that build the report directly).
    var fleet: FleetStatus? = nil

    func json() -> [UInt8] {
        let readiness = service.readiness
        let upstream = service.upstreamStatus
        var writer = JSONWriter(capacity: 1024)
        writer.raw(#"{"version":"#)
        writer.string(Self.version)
        writer.raw(#","uptimeSeconds":"#)
        writer.integer(max(0, Int(Date().timeIntervalSince(startedAt))))
        writer.raw(#","mode":"#)
        writer.string(service.isOffline ? "offline" : "online")
        writer.raw(#","ready":{"status":"#)
        writer.string(readiness.status.rawValue)
        writer.raw(#","reason":"#)
        writer.string(readiness.reason)
        writer.raw(#"},"upstream":{"state":"#)
        writer.string(upstream.state.rawValue)
        writer.raw(#","lastSuccessAt":"#)
        writer.string(upstream.lastSuccessAt.map(Timestamp.formatRFC3339))
        writer.raw(#","lastErrorAt":"#)
        writer.string(upstream.lastErrorAt.map(Timestamp.formatRFC3339))
        writer.raw(#","lastError":"#)
        writer.string(upstream.lastError)
        writer.raw(#","consecutiveFailures":"#)
        writer.integer(upstream.consecutiveFailures)
        writer.raw(#","circuit":"#)
        writer.string(upstream.circuitOpen ? "open" : "closed")
        writer.raw(#","nextAttemptAt":"#)
        writer.string(upstream.nextAttemptAt.map(Timestamp.formatRFC3339))
        writer.raw(#","authenticationFailed":"#)
        writer.bool(upstream.authenticationFailed)
        writer.raw(#"},"cache":{"states":"#)
        writer.integer(cache.states)
        writer.raw(#","oldestSyncedAt":"#)
        writer.string(cache.oldestSyncedAt.map(Timestamp.formatRFC3339))
        writer.raw(#","oldestAgeSeconds":"#)
        if let oldest = cache.oldestSyncedAt { writer.integer(max(0, Int(now.timeIntervalSince(oldest)))) } else { writer.null() }
        let outbox = usage.counts()
        let delivery = usage.forwarder?.status ?? ForwarderStatus()
        writer.raw(#"},"outbox":{"pending":"#)
        writer.integer(outbox.pending)
        writer.raw(#","sent":"#)
        writer.integer(outbox.sent)
        writer.raw(#","deadLetters":"#)
        writer.integer(outbox.deadLetters)
        writer.raw(#","forwarding":"#)
        writer.bool(usage.isForwarding)
        writer.raw(#","lastDeliveryAt":"#)
        writer.string(delivery.lastDeliveryAt.map(Timestamp.formatRFC3339))
        writer.raw(#","lastError":"#)
        writer.string(delivery.lastError)
        writer.raw(#","nextAttemptAt":"#)
        writer.string(delivery.nextAttemptAt.map(Timestamp.formatRFC3339))
        writer.raw("}")
        writePreload(into: &writer)
        if let webhooks { writeWebhooks(webhooks, to: &writer) }
        if let fleet { writeFleet(fleet, to: &writer) }
        writer.raw("}")
        return writer.bytes
    }
}

extension StatusReport {
    /// `"preload":{"done","total","startedAt","finishedAt"}` for the current or last run;
    /// null when no preload is configured (or offline). `total` is null while `all` lists.
    func writePreload(into writer: inout JSONWriter) {
        writer.raw(#","preload":"#)
        guard let engine = service.engine, engine.settings.preload != .none else { return writer.null() }
        let progress = engine.preloadProgress
        writer.raw(#"{"done":"#)
        writer.integer(progress?.done ?? 0)
        writer.raw(#","total":"#)
        if let total = progress?.total { writer.integer(total) } else { writer.null() }
        writer.raw(#","startedAt":"#)
        writer.string(progress.map { Timestamp.formatRFC3339($0.startedAt) })
        writer.raw(#","finishedAt":"#)
        writer.string(progress?.finishedAt.map(Timestamp.formatRFC3339))
        writer.raw("}")
    }

    /// `"webhooks":{"received","duplicates","ignored","lastReceivedAt"}` (DESIGN.md §12),
    /// counted since start. The secret is not part of it in any form.
    func writeWebhooks(_ counts: WebhookService.Counts, to writer: inout JSONWriter) {
        writer.raw(#","webhooks":{"received":"#)
        writer.integer(counts.received)
        writer.raw(#","duplicates":"#)
        writer.integer(counts.duplicates)
        writer.raw(#","ignored":"#)
        writer.integer(counts.ignored)
        writer.raw(#","lastReceivedAt":"#)
        writer.string(counts.lastReceivedAt.map(Timestamp.formatRFC3339))
        writer.raw("}")
    }

    /// `"fleet":{"state","lastError","streamLagSeconds"}` (DESIGN.md §13). Errors come from
    /// the Redis client, which never puts the password into one.
    func writeFleet(_ fleet: FleetStatus, to writer: inout JSONWriter) {
        writer.raw(#","fleet":{"state":"#)
        writer.string(fleet.state.rawValue)
        writer.raw(#","lastError":"#)
        writer.string(fleet.lastError)
        writer.raw(#","streamLagSeconds":"#)
        writer.number(fleet.streamLagSeconds.map { ($0 * 1000).rounded() / 1000 })
        writer.raw("}")
    }
}
