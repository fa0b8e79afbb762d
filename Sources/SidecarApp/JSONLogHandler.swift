import Foundation
import Logging
import SidecarCache
import SidecarModel
import SidecarConfig

/// Logs one JSON object per line (`SIDECAR_LOG_FORMAT=json`), for log shippers:
/// `{"time":"…","level":"info","label":"…","message":"…","port":8787,"forwarding":true, …}`.
/// Metadata keeps its type: a value logged as `.stringConvertible(8787)` is the number 8787,
/// a `Bool` is `true`/`false`, dictionaries and arrays nest; `.string` stays a string (ids
/// such as `"007"` must not turn into numbers). Each line goes out in one `write(2)`, so
/// lines from different threads never interleave.
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
            Self.writeValue(merged[key]!, into: &writer)
        }
        writer.raw("}\n")
        output(writer.bytes)
    }
}

extension JSONLogHandler {
    static func writeValue(_ value: Logger.Metadata.Value, into writer: inout JSONWriter) {
        switch value {
        case .string(let string):
            writer.string(string)
        case .stringConvertible(let convertible):
            switch convertible {
            case let bool as Bool: writer.bool(bool)
            case let integer as any BinaryInteger:
                if let exact = Int64(exactly: integer) { writer.integer(exact) } else { writer.string(convertible.description) }
            case let double as Double where double.isFinite: writer.number(double)
            case let float as Float where float.isFinite: writer.number(Double(float))
            default: writer.string(convertible.description)
            }
        case .dictionary(let dictionary):
            writer.raw("{")
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { writer.raw(",") }
                writer.string(key)
                writer.raw(":")
                writeValue(dictionary[key]!, into: &writer)
            }
            writer.raw("}")
        case .array(let array):
            writer.raw("[")
            for (index, element) in array.enumerated() {
                if index > 0 { writer.raw(",") }
                writeValue(element, into: &writer)
            }
            writer.raw("]")
        }
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
