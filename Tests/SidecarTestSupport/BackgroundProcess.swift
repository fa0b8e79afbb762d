import Foundation
import Synchronization

/// A program run in the background for a test, stderr and stdout collected, for what
/// `SidecarProcess` does not cover: another working directory, a sidecar with no TCP port.
public final class BackgroundProcess: Sendable {
    private let process: Process
    private let log: LogCollector

    /// The current environment without any `SIDECAR_*` or `STIGG_*` variable, plus `extra`,
    /// so a developer's own settings cannot change a test's outcome.
    public static func cleanEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIDECAR_") && !$0.key.hasPrefix("STIGG_") }
            .merging(extra) { $1 }
    }

    public init(_ path: String, _ arguments: [String], environment: [String: String], workingDirectory: URL? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        log = LogCollector(pipe.fileHandleForReading)
        try process.run()
        self.process = process
    }

    public var logText: String { log.text }
    public var isRunning: Bool { process.isRunning }

    /// Polls the output until `fragment` shows up, the process exits, or the deadline passes.
    public func waitForLog(_ fragment: String, timeoutSeconds: Double = 15) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if log.text.contains(fragment) { return true }
            if !process.isRunning { return log.text.contains(fragment) }
            usleep(5000)
        }
        return false
    }

    public func terminate() { if process.isRunning { process.terminate() } }

    /// The exit status, or nil when the process was still running at the deadline (it is
    /// then killed, so a test fails instead of hanging).
    public func waitForExit(timeoutSeconds: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit { terminate() }
}
