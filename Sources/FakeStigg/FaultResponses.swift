import SidecarModel
import SidecarHTTP

/// The bodies and statuses that faults answer with.
enum FaultResponses {
    /// The answer for an answer-changing fault; `real` is the normal answer when the fault
    /// transforms it or the rule processes the request first.
    static func response(for fault: Fault, real: HTTPResponse?, shape: ErrorShape) -> HTTPResponse? {
        switch fault {
        case .status(let code, let retryAfter):
            let headers: HTTPHeaders = retryAfter.map { ["Retry-After": String($0)] } ?? [:]
            return FakeError.injected(status: code).response(shape, headers: headers)
        case .dropConnection:
            return drop()
        case .malformedJSON:
            return .json(.ok, Array(#"{"data":{"accessDeniedReason":null,"entitlements":[{"type":"FEATURE",,"isGranted":tru"#.utf8))
        case .htmlOK:
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(html.utf8))
        case .truncatedBody:
            guard let real else { return nil }
            return brokenStream(real, keeping: max(1, real.body.count / 2))
        case .hugeBody(let bytes):
            return .json(.ok, hugeBody(bytes: bytes))
        case .wrongTypes:
            guard var response = real, let parsed = try? JSONParser.parse(response.body) else { return real }
            response.body = mangle(parsed, key: nil).jsonBytes
            return response
        case .hang, .latency:
            return nil
        }
    }

    /// The connection closes before a byte of the response is sent.
    static func drop() -> HTTPResponse {
        var response = HTTPResponse(status: .ok)
        response.abort = .beforeResponse
        return response
    }

    /// The head announces the whole body, then the connection closes after `keeping` bytes.
    static func brokenStream(_ response: HTTPResponse, keeping count: Int) -> HTTPResponse {
        var broken = response
        broken.abort = .afterBodyBytes(count)
        return broken
    }

    static let html = """
        <!DOCTYPE html>
        <html><head><title>502 Bad Gateway</title></head>
        <body><h1>We'll be right back</h1><p>The service is under maintenance.</p></body></html>
        """

    /// Valid JSON in the entitlements shape, `{"data":{"accessDeniedReason":null,
    /// "entitlements":[...]}}`, padded with boolean features to at least `bytes` bytes: a
    /// client must refuse it for its size (DESIGN.md §11: over 8 MiB), not for its syntax.
    static func hugeBody(bytes: Int) -> [UInt8] {
        var body = Array(#"{"data":{"accessDeniedReason":null,"entitlements":["#.utf8)
        body.reserveCapacity(bytes + 256)
        let tail = Array("]}}".utf8)
        var index = 0
        while body.count + tail.count < bytes || index == 0 {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            index += 1
            body.append(contentsOf: #"{"type":"FEATURE","isGranted":true,"accessDeniedReason":null,"feature":{"id":"feature-huge-"#.utf8)
            body.append(contentsOf: String(index).utf8)
            body.append(contentsOf: #"","displayName":"Padding","featureType":"BOOLEAN","featureStatus":"ACTIVE"}}"#.utf8)
        }
        body.append(contentsOf: tail)
        return body
    }

    /// Numbers and booleans become strings (`"usageLimit":"10000"`), and string `id`s become
    /// numbers, so even a customer list (which has no numbers) comes out wrongly typed.
    static func mangle(_ value: JSONValue, key: String?) -> JSONValue {
        switch value {
        case .number: .string(value.jsonText)
        case .bool(let flag): .string(flag ? "true" : "false")
        case .string where key == "id": .number(42)
        case .array(let items): .array(items.map { mangle($0, key: nil) })
        case .object(let fields): .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.key, mangle($0.value, key: $0.key)) }))
        case .null, .string: value
        }
    }
}
