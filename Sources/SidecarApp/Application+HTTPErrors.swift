import SidecarHTTP
import SidecarModel

extension HTTPResponse {
    /// The error shape every route shares, `{"error":{"code":"...","message":"..."}}`, written
    /// by SidecarModel's JSONWriter, the one JSON escaper of the project.
    static func error(_ status: HTTPStatus, code: String, message: String, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var writer = JSONWriter(capacity: 48 + code.utf8.count + message.utf8.count)
        writer.raw(#"{"error":{"code":"#)
        writer.string(code)
        writer.raw(#","message":"#)
        writer.string(message)
        writer.raw("}}")
        return .json(status, writer.bytes, headers: headers)
    }
}

extension Application {
    /// Renders the errors SidecarHTTP answers by itself (framing, 404, 405, 408, 503 `timeout`,
    /// ...) in the same shape as the routes' own.
    static let errorRenderer: HTTPErrorRenderer = { status, code, message in
        .error(status, code: code, message: message)
    }
}
