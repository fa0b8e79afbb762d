import Foundation
import Logging
import SidecarCache
import SidecarModel
import SidecarConfig
import SidecarFleet
import SidecarSync
import SidecarUpstream

/// Why start-up stopped, in words an operator can act on.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
}

extension Application {
    /// Opens the store and fills it for the configured mode. Runs before the server listens,
    /// so a bad snapshot or a database from a newer version stops start-up instead of
    /// serving wrong answers.
    static func makeServices(
        config: SidecarConfig, logger: Logger, now: @escaping @Sendable () -> Date, tuning: Tuning, metrics: SidecarMetrics
    ) throws -> (EntitlementAnswers, UsageService) {
        let fallback: FallbackRules
        do {
            fallback = try config.fallbackJSON.map { json throws(FallbackRulesError) in try FallbackRules(parsing: json) } ?? .none
        } catch {
            throw ConfigError(key: "ENTITLEMENTS_FALLBACK", value: nil, expected: "rules JSON like {\"feature-x\":{\"hasAccess\":true}}: \(error.message)")
        }
        let policy = EntitlementService.Policy(maxStaleness: config.maxStaleness, serveStale: config.stalePolicy == .serve)

        let store = try openStore(path: config.dbPath, usagePacing: config.usagePacing, logger: logger)
        if config.isOffline {
            let loadedAt = try loadOfflineSnapshot(config.offlineFile, into: store, now: now, logger: logger)
            let service = EntitlementService(store: store, mode: .offline(loadedAt: loadedAt), policy: policy, now: now)
            return (EntitlementAnswers(service: service, fallback: fallback), UsageService(offlineStore: store, now: now))
        }
        // Demo states must never answer for real customers.
        try store.removeAll(origin: .offline)
        let persisted = try store.loadLazily(origin: .upstream)
        logger.info("online mode", metadata: ["cachedStates": .stringConvertible(persisted), "upstream": "\(config.stiggBaseURL)"])
        guard let baseURL = URL(string: config.stiggBaseURL) else {
            throw ConfigError(key: "STIGG_BASE_URL", value: config.stiggBaseURL, expected: "an http:// or https:// URL")
        }
        var upstream = UpstreamConfiguration(baseURL: baseURL, apiKey: config.apiKey ?? "", maxConnections: config.upstreamConcurrency)
        upstream.observe = { outcome, duration in metrics.recordUpstream(outcome, duration) }
        let client = StiggClient(configuration: upstream)
        var settings = SyncSettings(config: config)
        tuning.sync(&settings)
        let engine = SyncEngine(
            store: store, client: client, settings: settings,
            logger: logger, now: now, fleet: makeFleet(config: config, logger: logger, metrics: metrics, tuning: tuning))
        var forwarding = ForwarderSettings()
        forwarding.backoffMax = config.backoffMax
        forwarding.outboxLimit = config.outboxLimit
        tuning.forwarder(&forwarding)
        let usage = UsageService(store: store, client: client, engine: engine, settings: forwarding, logger: logger, now: now)
        if case let pending = store.outboxCounts().pending, pending > 0 {
            logger.info("usage records queued from the last run", metadata: ["pending": .stringConvertible(pending)])
        }
        let service = EntitlementService(store: store, mode: .online(engine), policy: policy, now: now)
        return (EntitlementAnswers(service: service, fallback: fallback), usage)
    }

    /// Fleet mode (DESIGN.md §13) when `SIDECAR_REDIS_URL` is set; the URL is logged only in
    /// its redacted form.
    private static func makeFleet(config: SidecarConfig, logger: Logger, metrics: SidecarMetrics, tuning: Tuning) -> Fleet? {
        let fleetMetrics = FleetMetrics(metrics: metrics)
        guard let url = config.redisURL else { return nil }
        let endpoint: FleetSettings.Endpoint = switch url.endpoint {
        case .tcp(let host, let port): .tcp(host: host, port: port)
        case .unix(let path): .unix(path: path)
        }
        var settings = FleetSettings(
            endpoint: endpoint, user: url.user, password: url.password, database: url.db,
            namespace: config.fleetNamespace, upstreamRPS: config.fleetUpstreamRPS, usageRPS: config.fleetUsageRPS)
        tuning.fleet(&settings)
        logger.info("fleet mode", metadata: ["redis": "\(url)", "namespace": "\(config.fleetNamespace)"])
        return Fleet(settings: settings, logger: logger, onRead: fleetMetrics.record, onConnection: fleetMetrics.setConnected)
    }

    /// Imports the snapshot file, or, when the file is the one imported last time (same size,
    /// mtime and content hash), reuses those states, read from SQLite as they are asked for.
    /// Returns when the states were imported: their `syncedAt` (DESIGN.md §11).
    private static func loadOfflineSnapshot(_ path: String, into store: EntitlementStore, now: () -> Date, logger: Logger) throws -> Date {
        let signature: OfflineSnapshot.Signature
        do {
            signature = try OfflineSnapshot.Signature.of(path: path)
        } catch {
            throw StartupError(description: "offline snapshot \(error)")
        }
        if store.hasImportedOfflineSnapshot(matching: signature) {
            // The file is the one imported before (size, mtime and content hash), so reading
            // its rows is loading it: answers say it was loaded now, as a fresh import would.
            let loadedAt = now()
            let states = try store.loadLazily(origin: .offline, importedAt: loadedAt)
            logger.info("offline mode", metadata: ["file": "\(path)", "states": .stringConvertible(states), "snapshot": "unchanged since the last start"])
            return loadedAt
        }
        let loadedAt = now()
        var imported: Int?
        do {
            // One customer at a time, in one transaction: a bad file leaves the last import.
            imported = try store.replaceAll(origin: .offline, syncedAt: loadedAt) { add in
                try OfflineSnapshot.stream(path: path) { entry in try add(entry.key, entry.state) }
            }
            if imported == nil {
                // Not an object with one `customers` array: the whole-file decoder says why,
                // or, for a shape it accepts (a repeated key), imports it.
                let snapshot = try OfflineSnapshot.load(path: path)
                try store.replaceAll(origin: .offline, with: snapshot.entries.map { ($0.key, $0.state) }, syncedAt: loadedAt)
                imported = snapshot.entries.count
            }
        } catch let error as OfflineSnapshotError {
            throw StartupError(description: "offline snapshot \(error)")
        }
        try store.recordOfflineSnapshot(signature, loadedAt: loadedAt)
        logger.info("offline mode", metadata: ["file": "\(path)", "states": .stringConvertible(imported ?? 0)])
        return loadedAt
    }

    private static func openStore(path: String, usagePacing: Bool, logger: Logger) throws -> EntitlementStore {
        do {
            let opened = try EntitlementStore.open(path: path, usagePacing: usagePacing)
            if let recovery = opened.recovery {
                // Loud on purpose: cached data was lost and the operator should know why.
                logger.critical("database was corrupt; moved aside and starting cold", metadata: [
                    "path": "\(path)", "movedTo": "\(recovery.movedTo)", "cause": "\(recovery.cause)",
                ])
            }
            return opened.store
        } catch {
            if case .newerSchema(let found, let known) = error {
                throw StartupError(description: "database \(path) was written by a newer version of entitlement-sidecar (schema \(found); this version knows up to \(known)); upgrade, or point SIDECAR_DB_PATH at another file")
            }
            throw StartupError(description: "cannot open database \(path): \(error)")
        }
    }
}

extension SyncSettings {
    init(config: SidecarConfig) {
        self.init()
        refreshInterval = config.refreshInterval
        missTimeout = config.missTimeout
        upstreamRPS = config.upstreamRPS
        upstreamConcurrency = config.upstreamConcurrency
        backoffMax = config.backoffMax
        switch config.preload {
        case .none: preload = .none
        case .all: preload = .all
        case .customers(let ids): preload = .customers(ids)
        }
        // Walking every customer costs one call per 100; not more often than every 5 minutes.
        preloadInterval = max(config.refreshInterval, .seconds(300))
    }
}
