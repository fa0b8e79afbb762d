import Foundation

/// Polls `condition` until it holds or `timeout` passes: for effects that finish in the
/// background, without a fixed sleep.
public func eventually(timeout: Duration = .seconds(5), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}

/// `eventually` for synchronous tests that drive blocking sockets on their own thread.
public func waitUntil(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}

/// One directory per test process under the system temp dir, holding every test's files and
/// removed with them when the process exits, so a run leaves nothing behind even where a test
/// failed half-way or a database outlives its test.
public let testScratchRoot: URL = {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("sidecar-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: testScratchRoot) }
    return root
}()

/// A fresh directory for one test's files (under `testScratchRoot`).
public func makeTempDirectory(_ prefix: String = "sidecar-test") throws -> URL {
    let url = testScratchRoot.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A fresh directory, removed with everything in it when the last reference goes (and at the
/// latest when the process exits, with `testScratchRoot`).
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(_ prefix: String = "sidecar-test") throws {
        url = try makeTempDirectory(prefix)
    }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The repository root, found from this file's path (for the shipped config files and the
/// built binaries).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
