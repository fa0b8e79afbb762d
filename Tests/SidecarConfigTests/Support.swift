import Foundation
import SidecarTestSupport

let repositoryRoot = SidecarProcess.repositoryRoot
let binaryPath = SidecarProcess.binaryURL.path

/// A fresh directory for one test, removed with it: a suite holds one as a stored
/// property, and Swift Testing makes a suite instance per test.
final class ScratchDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-config-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `contents` to `name` in the directory; returns its path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let path = path(name)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    deinit {
        // A test may have taken permissions away; give them back so removal works.
        _ = chmod(url.path, 0o755)
        try? FileManager.default.removeItem(at: url)
    }
}

/// Runs the real binary to completion with a clean environment plus `environment`.
func runBinary(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessRunner.Result {
    try ProcessRunner.run(binaryPath, arguments, environment: BackgroundProcess.cleanEnvironment(environment))
}
