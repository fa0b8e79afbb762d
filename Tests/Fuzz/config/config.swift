import Foundation
import SidecarConfig

// The config file (`SIDECAR_CONFIG`) over arbitrary bytes, through the same call start-up
// makes: read, decode, then every value through its setting's rule. It must end in a config or
// a ConfigError, and no error may echo a secret that the file holds.

/// The settings whose values must never appear in a message.
private let secretKeys = ["STIGG_API_KEY", "SIDECAR_AUTH_TOKEN", "SIDECAR_WEBHOOK_SECRET"]

/// One file per process, rewritten for each input; scripts/fuzz points TMPDIR into its build
/// folder, so a run that dies leaves nothing in the system's /tmp.
private let path: String = {
    let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    let path = "\(directory)/sidecar-fuzz-config-\(getpid()).json"
    atexit { unlink("\(ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")/sidecar-fuzz-config-\(getpid()).json") }
    return path
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let contents = Data(bytes: data, count: size)
    guard FileManager.default.createFile(atPath: path, contents: contents) else {
        fatalError("cannot write \(path)")
    }
    let secrets = ((try? SidecarConfig.fileValues(path: path)) ?? [:])
        .filter { secretKeys.contains($0.key) && $0.value.count >= 8 }
        .map(\.value)
    do {
        _ = try SidecarConfig.resolve(environment: ["SIDECAR_CONFIG": path], flags: [:])
    } catch {
        let message = error.description
        for secret in secrets where message.contains(secret) {
            fatalError("a secret from the file appears in the error: \(message)")
        }
    }
    return 0
}
