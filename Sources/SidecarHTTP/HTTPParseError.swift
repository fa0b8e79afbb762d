/// Why a request could not be framed. Every case ends the connection after its status is sent,
/// because the byte stream can no longer be trusted to split into requests.
public enum HTTPParseError: Error, Equatable, Sendable {
    case requestLineTooLong
    case headersTooLarge
    case tooManyHeaders
    case bodyTooLarge
    case malformedRequestLine(String)
    case unsupportedVersion
    case invalidHeader(String)
    case invalidContentLength
    case contentLengthWithTransferEncoding
    /// A coding we do not implement comes before `chunked` (RFC 9112 §6.1: 501).
    case unsupportedTransferEncoding
    case invalidChunk(String)
    case bareLineFeed
    case missingHost
    case duplicateHost
    case invalidHost

    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: .uriTooLong
        case .headersTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedTransferEncoding: .notImplemented
        default: .badRequest
        }
    }

    public var code: String {
        switch self {
        case .requestLineTooLong: "request_line_too_long"
        case .headersTooLarge, .tooManyHeaders: "headers_too_large"
        case .bodyTooLarge: "body_too_large"
        case .unsupportedVersion: "http_version_not_supported"
        case .unsupportedTransferEncoding: "transfer_encoding_not_supported"
        default: "bad_request"
        }
    }

    public var message: String {
        switch self {
        case .requestLineTooLong: "request line exceeds the limit"
        case .headersTooLarge: "header section exceeds the limit"
        case .tooManyHeaders: "too many header fields"
        case .bodyTooLarge: "request body exceeds the limit"
        case .malformedRequestLine(let why): "malformed request line: \(why)"
        case .unsupportedVersion: "only HTTP/1.0 and HTTP/1.1 are supported"
        case .invalidHeader(let why): "invalid header field: \(why)"
        case .invalidContentLength: "invalid or duplicate Content-Length"
        case .contentLengthWithTransferEncoding: "Content-Length together with Transfer-Encoding"
        case .unsupportedTransferEncoding: "only the chunked transfer coding is supported"
        case .invalidChunk(let why): "invalid chunked body: \(why)"
        case .bareLineFeed: "line ends in a bare LF; CRLF is required"
        case .missingHost: "HTTP/1.1 request without a Host header"
        case .duplicateHost: "more than one Host header"
        case .invalidHost: "Host is not a valid uri-host[:port]"
        }
    }
}
