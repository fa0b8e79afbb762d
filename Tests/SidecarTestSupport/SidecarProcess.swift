import Foundation
import Synchronization

/// The real `entitlement-sidecar` binary, started on port 0 for a test; the port is read
/// from its "listening" log line.
public final class SidecarProcess: Sendable {
    public let port: Int
    private let process: Process
    private let log: LogCollector

    /// The binary SwiftPM built next to the test bundle.
    public static var binaryURL: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("entitlement-sidecar")
    }

    public static let repositoryRoot = SidecarTestSupport.repositoryRoot

    public init(arguments: [String] = [], environment: [String: String] = [:], timeoutSeconds: Double = 15) throws {
        let process = Process()
        process.executableURL = SidecarProcess.binaryURL
        process.arguments = ["--port", "0"] + arguments
        // A private database and the shipped snapshot unless the test says otherwise, so
        // tests never share state through the working directory.
        let defaults = [
            "SIDECAR_DB_PATH": try makeTempDirectory("sidecar-process").appendingPathComponent("sidecar.sqlite").path,
            "SIDECAR_OFFLINE_FILE": SidecarProcess.repositoryRoot.appendingPathComponent("config/offline-entitlements.json").path,
        ]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIDECAR_") && !$0.key.hasPrefix("STIGG_") }
            .merging(defaults) { $1 }.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let log = LogCollector(pipe.fileHandleForReading)
        try process.run()
        self.process = process
        self.log = log
        guard let port = log.waitForPort(timeoutSeconds: timeoutSeconds) else {
            process.terminate()
            throw RawClient.ClientError(description: "sidecar did not start listening: \(log.text)")
        }
        self.port = port
    }

    public func terminate() { process.terminate() }

    /// Sends `signal`: SIGKILL stops it with no shutdown at all (nothing released, nothing
    /// flushed), as a crash or an OOM kill would.
    public func send(signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for exit; returns the exit status. A sidecar still running after `timeout` is
    /// killed (-9) and reported as -1, so a lost signal fails its test instead of hanging the run.
    public func waitForExit(timeout: Duration = .seconds(30)) -> Int32 {
        if !waitUntil(timeout: timeout, { !process.isRunning }) {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    public var isRunning: Bool { process.isRunning }
    public var logText: String { log.text }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Collects a child's stderr on a background thread.
final class LogCollector: Sendable {
    private let buffer = Mutex("")
    private let handle: FileHandle

    init(_ handle: FileHandle) {
        self.handle = handle
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                buffer.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
    }

    var text: String { buffer.withLock { $0 } }

    func waitForPort(timeoutSeconds: Double) -> Int? {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if let match = text.firstMatch(of: /port=(\d+)/) { return Int(match.1) }
            usleep(5000)
        }
        return nil
    }
}
