import ArgumentParser
import SidecarConfig

@main
struct EntitlementSidecar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entitlement-sidecar",
        abstract: "Answers Stigg entitlement checks from a local cache.",
        discussion: """
            With no subcommand it serves; `entitlement-sidecar serve --help` lists every setting. \
            Each setting is an environment variable, a flag and a config-file key: SIDECAR_FOO_BAR \
            is --foo-bar, STIGG_BASE_URL is --stigg-base-url, ENTITLEMENTS_FALLBACK is \
            --entitlements-fallback. STIGG_API_KEY has no flag (it would show in ps): \
            --api-key-file PATH reads it from a file.
            """,
        version: SidecarVersion.current,
        subcommands: [Serve.self, Health.self, ExampleConfig.self],
        defaultSubcommand: Serve.self
    )
}

/// Prints the example config file from the settings table, so `scripts/config-example`
/// (and an operator starting a config) gets every key with its default and help.
struct ExampleConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example-config",
        abstract: "Print a config file listing every setting at its default (config/sidecar.example.json).")

    func run() {
        print(Setting.exampleFile(), terminator: "")
    }
}
