import Foundation
import Logging
import SidecarCache
import SidecarConfig
import SidecarFleet
import SidecarHTTP
import SidecarSync

/// The composition root: builds every service from the configuration, starts them in order
/// and stops them in reverse order.
public final class Application: Sendable {
    public let config: SidecarConfig
    public let logger: Logger
    let server: HTTPServer
    /// `SIDECAR_WEBHOOK_PORT`: serves only the webhook and health routes (DESIGN.md §12).
    let webhookServer: HTTPServer?
    public let service: EntitlementService
    public let webhooks: WebhookService
    public let usage: UsageService
    let startedAt: Date

    init(config: SidecarConfig, logger: Logger, now: @escaping @Sendable () -> Date, tuning: Tuning) throws {
        self.config = config
        self.logger = logger
        startedAt = Date()
        let metrics = SidecarMetrics()
        #if DEBUG
        // Debug builds (and so every test) trap where an event loop would wait on SQLite.
        EntitlementStore.setBlockingCheck { EventLoopGuard.assertNotOnEventLoop("waiting on SQLite") }
        #endif
        let answers: EntitlementAnswers
        (answers, usage) = try Application.makeServices(config: config, logger: logger, now: now, tuning: tuning, metrics: metrics)
        service = answers.service
        let webhooks = WebhookService(service: answers.service)
        self.webhooks = webhooks
        let webhookMetrics = WebhookMetrics(metrics: metrics)
        let webhook = config.webhookSecret.map { secret in
            WebhookRoute(secret: SecretCheck(secret), webhooks: webhooks, metrics: webhookMetrics, logger: logger)
        }
        let router = Application.makeRouter(
            config: config, answers: answers, usage: usage, metrics: metrics, startedAt: startedAt, webhook: webhook, webhooks: webhooks)
        var settings = HTTPServerSettings(errorRenderer: Application.errorRenderer)
        settings.headerTimeout = config.headerTimeout
        settings.idleTimeout = config.idleTimeout
        settings.bodyTimeout = config.bodyTimeout
        settings.maxConnections = config.maxConnections
        settings.handlerTimeout = config.handlerTimeout
        if webhook != nil {
            // A webhook body past 1 MiB is refused by the HTTP layer before the route runs.
            settings.onFramingError = { path, error in
                if error == .bodyTooLarge, path == Substring(WebhookRoute.path) { webhookMetrics.record(type: nil, .rejected) }
            }
        }
        let requestMetrics = RequestMetrics(routes: router.patterns)
        metrics.requests.withLock { $0 = requestMetrics }
        let handler = Application.instrument(
            router, metrics: requestMetrics,
            accessLog: config.accessLog ? logger : nil, token: config.authToken.map(TokenCheck.init(token:)))
        server = HTTPServer(
            host: config.host, port: config.listenTCP ? config.port : nil, unixSocket: config.unixSocket,
            settings: settings, handler: handler)
        // Same limits and timeouts; no bearer token (Stigg cannot send one, probes need none).
        webhookServer = config.webhookPort.map { port in
            let webhookHandler = Application.instrument(
                Application.makeWebhookRouter(service: answers.service, webhook: webhook), metrics: requestMetrics,
                accessLog: config.accessLog ? logger : nil, token: nil)
            return HTTPServer(host: config.webhookHost, port: port, settings: settings, handler: webhookHandler)
        }
    }

    /// The webhook-only listener's bound port, once started; nil without one.
    public var webhookPort: Int? { webhookServer?.port }

    /// The bound port, once started.
    public var port: Int { server.port }

    /// Starts listening; returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        // Sync first: the start-up probe is under way by the time the first request lands.
        service.engine?.start()
        usage.forwarder?.start()
        let port = try server.start()
        if config.listenTCP {
            logger.info("listening", metadata: ["host": "\(config.host)", "port": .stringConvertible(port)])
        }
        if let path = config.unixSocket {
            logger.info("listening", metadata: ["unixSocket": "\(path)"])
        }
        try startWebhookListener()
        return port
    }

    /// Stops accepting, lets in-flight requests finish, then makes one bounded attempt to
    /// deliver queued usage: the whole sequence fits in `SIDECAR_SHUTDOWN_GRACE`
    /// (DESIGN.md §11), and what could not be delivered stays queued on disk.
    public func shutdown() async {
        logger.info("shutting down", metadata: ["grace": "\(config.shutdownGrace)"])
        let started = ContinuousClock.now
        // Both listeners stop accepting at once and drain side by side under the one grace:
        // one after the other, a slow webhook upload could take the main listener's share.
        await withDiscardingTaskGroup { group in
            if let webhookServer { group.addTask { await webhookServer.shutdown(grace: self.config.shutdownGrace) } }
            group.addTask { await self.server.shutdown(grace: self.config.shutdownGrace) }
        }
        if let forwarder = usage.forwarder {
            let left = config.shutdownGrace - (ContinuousClock.now - started)
            let flushed = await forwarder.stop(flushWithin: max(.zero, min(left, Application.flushBudget)))
            if !flushed { logger.notice("usage records left queued for the next start", metadata: ["pending": .stringConvertible(usage.counts().pending)]) }
        }
        service.engine?.stop()
        // Last: the next start trusts the file without reading every page.
        service.recordCleanShutdown()
        logger.info("stopped")
    }

    /// Starts, waits for SIGTERM or SIGINT, then shuts down.
    public func run() async throws {
        let signals = TerminationSignals.install()
        try start()
        let signal = await signals.wait()
        logger.info("received signal", metadata: ["signal": "\(signal)"])
        await shutdown()
    }
}

extension Application {
    /// The most a SIGTERM spends delivering queued usage, within what the drain left of the
    /// shutdown grace.
    static let flushBudget: Duration = .seconds(5)
}

/// Knobs tests turn to shrink the fixed rules (backoff, poll interval) or drive them by hand.
public struct Tuning: Sendable {
    public var sync: @Sendable (inout SyncSettings) -> Void
    public var forwarder: @Sendable (inout ForwarderSettings) -> Void
    /// Fleet mode's fixed rules (command timeout, lease length, stream poll).
    public var fleet: @Sendable (inout FleetSettings) -> Void = { _ in }

    public init(sync: @escaping @Sendable (inout SyncSettings) -> Void = { _ in },
                forwarder: @escaping @Sendable (inout ForwarderSettings) -> Void = { _ in }) {
        self.sync = sync
        self.forwarder = forwarder
    }
}

/// Builds the application without starting it, so tests can run it on port 0.
/// `now` and `tuning` let tests drive time and the poller by hand.
public func buildApplication(
    config: SidecarConfig, logger: Logger = Logger(label: "entitlement-sidecar"),
    now: @escaping @Sendable () -> Date = { Date() }, tuning: Tuning = Tuning()
) throws -> Application {
    try Application(config: config, logger: logger, now: now, tuning: tuning)
}
