import Foundation
import Logging
import SidecarCache
import SidecarModel
import SidecarConfig

/// Logs one JSON object per line (`SIDECAR_LOG_FORMAT=json`), for log shippers:
/// `{"time":"…","level":"info","label":"…","message":"…", "<metadata key>":"<value>", …}`.
/// Each line goes out in one `write(2)`, so lines from different threads never interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String
    let output: @Sendable ([UInt8]) -> Void

    public init(label: String, output: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.output = output
    }

    public static let standardError: @Sendable ([UInt8]) -> Void = { line in
        line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var writer = JSONWriter(capacity: 256)
        writer.raw(#"{"time":"#)
        writer.string(Timestamp.formatRFC3339(Date()))
        writer.raw(#","level":"#)
        writer.string(event.level.rawValue)
        writer.raw(#","label":"#)
        writer.string(label)
        writer.raw(#","message":"#)
        writer.string(event.message.description)
        if let error = event.error {
            writer.raw(#","error":"#)
            writer.string("\(error)")
        }
        let merged = event.metadata.map { metadata.merging($0) { _, new in new } } ?? metadata
        for key in merged.keys.sorted() where !["time", "level", "label", "message"].contains(key) && !(key == "error" && event.error != nil) {
            writer.raw(",")
            writer.string(key)
            writer.raw(":")
            writer.string(merged[key]!.description)
        }
        writer.raw("}\n")
        output(writer.bytes)
    }
}

/// Installs the process-wide log handler the settings ask for. Called once by `main`.
public func bootstrapLogging(_ config: SidecarConfig) {
    let level = Logger.Level(rawValue: config.logLevel) ?? .info
    LoggingSystem.bootstrap { label in
        switch config.logFormat {
        case .json:
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
