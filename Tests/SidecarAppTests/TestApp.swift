import Foundation
import Logging
import SidecarApp
import SidecarConfig
import SidecarTestSupport

let demoSnapshotPath = repositoryRoot.appendingPathComponent("config/offline-entitlements.json").path


/// A started application on port 0 with the demo snapshot and a temp database.
func makeApp(
    fallback: String? = nil, offlineFile: String = demoSnapshotPath, dbPath: String? = nil,
    configure: (inout SidecarConfig) -> Void = { _ in }
) throws -> Application {
    var config = SidecarConfig()
    config.port = 0
    config.offline = true
    config.offlineFile = offlineFile
    config.dbPath = try dbPath ?? makeTempDirectory().appendingPathComponent("sidecar.sqlite").path
    config.fallbackJSON = fallback
    configure(&config)
    return try startApp(config)
}

/// Builds and starts `config` with a quiet logger.
func startApp(_ config: SidecarConfig) throws -> Application {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let app = try buildApplication(config: config, logger: logger)
    try app.start()
    return app
}

extension Application {
    /// One GET on a fresh connection.
    func get(_ target: String, method: String = "GET") throws -> RawResponse {
        let client = try RawClient(port: port)
        try client.send("\(method) \(target) HTTP/1.1\r\nHost: t\r\n\r\n")
        guard let response = try client.readResponse(hasBody: method != "HEAD") else {
            throw RawClient.ClientError(description: "no response")
        }
        return response
    }

    /// One POST on a fresh connection; `chunked` sends the body in three chunks.
    func post(_ target: String, _ body: String, chunked: Bool = false, headers: String = "") throws -> RawResponse {
        let client = try RawClient(port: port)
        let bytes = Array(body.utf8)
        if chunked {
            var request = "POST \(target) HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\(headers)Transfer-Encoding: chunked\r\n\r\n"
            let third = max(1, bytes.count / 3)
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + third)
                request += String(end - start, radix: 16) + "\r\n" + String(decoding: bytes[start..<end], as: UTF8.self) + "\r\n"
                start = end
            }
            try client.send(request + "0\r\n\r\n")
        } else {
            try client.send("POST \(target) HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(bytes.count)\r\n\r\n" + body)
        }
        guard let response = try client.readResponse() else { throw RawClient.ClientError(description: "no response") }
        return response
    }
}

extension RawResponse {
    /// The body parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
    var sidecar: [String: Any] { json["sidecar"] as? [String: Any] ?? [:] }
    var errorMessage: String { (json["error"] as? [String: Any])?["message"] as? String ?? "" }
}
