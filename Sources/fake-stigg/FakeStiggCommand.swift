import ArgumentParser
import Dispatch
import FakeStigg
import Foundation

/// `fake-stigg`: the fake Stigg REST API as a standalone server, driven by its control API
/// under `/_fake/` (see Sources/FakeStigg/ControlAPI.swift).
@main
struct FakeStiggCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-stigg",
        abstract: "A fake Stigg REST API for testing the entitlement sidecar.",
        discussion: "Serves /api/v1/... with X-API-KEY auth and /_fake/... to control data and faults.")

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8786

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "The X-API-KEY clients must send.")
    var apiKey = "server-fake-key"

    @Option(help: "Synthetic customers to create (synthetic-000001, ...).")
    var customers = 0

    @Flag(help: "Add the demo customers (metered, boolean, ENUM, credits, lapsed, resource-scoped).")
    var seedDemo = false

    @Option(help: "Answer for unknown customers: notFound (404) or customerNotFoundState (200).")
    var unknownCustomer = "notFound"

    @Option(help: "Error body shape: nested or flat.")
    var errorShape = "nested"

    @Option(help: "Post entitlements.updated here whenever a state changes (e.g. http://127.0.0.1:8787/webhooks/stigg).")
    var webhookUrl: String?

    @Option(help: "The Stigg-Webhooks-Secret sent with every webhook (with --webhook-url).")
    var webhookSecret: String?

    func validate() throws {
        guard (webhookUrl == nil) == (webhookSecret == nil) else { throw ValidationError("--webhook-url and --webhook-secret go together") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard customers >= 0 else { throw ValidationError("--customers must be >= 0") }
        guard UnknownCustomerAnswer(rawValue: unknownCustomer) != nil else {
            throw ValidationError("--unknown-customer must be notFound or customerNotFoundState")
        }
        guard ErrorShape(rawValue: errorShape) != nil else { throw ValidationError("--error-shape must be nested or flat") }
    }

    func run() throws {
        var configuration = FakeStiggConfiguration()
        configuration.apiKey = apiKey
        configuration.unknownCustomer = UnknownCustomerAnswer(rawValue: unknownCustomer) ?? .notFound
        configuration.errorShape = ErrorShape(rawValue: errorShape) ?? .nested
        let fake = FakeStigg(configuration: configuration)
        if seedDemo { fake.seedDemo() }
        fake.addSyntheticCustomers(count: customers)
        if let webhookUrl, let webhookSecret { fake.setWebhookTarget(url: webhookUrl, secret: webhookSecret) }
        let bound = try fake.start(host: host, port: port)
        // Scripts wait for this exact line to learn the port.
        FileHandle.standardError.write(Data("listening port=\(bound)\n".utf8))
        // The process lives until a signal ends it; there is nothing to flush on exit.
        withExtendedLifetime(fake) { dispatchMain() }
    }
}
