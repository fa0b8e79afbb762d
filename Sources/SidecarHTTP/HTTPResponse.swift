/// A response. `Date`, `Content-Length` and `Connection` are written by the server.
public struct HTTPResponse: Sendable {
    // Each change makes the prepared bytes no longer say what the response says.
    public var status: HTTPStatus { didSet { preparedHead = nil } }
    public var headers: HTTPHeaders { didSet { preparedHead = nil } }
    public var body: [UInt8] { didSet { preparedHead = nil } }
    /// The head in wire form around the `Date` value (`prepared()`), so a response answered
    /// many times is not serialized field by field every time.
    private(set) var preparedHead: PreparedHead?

    struct PreparedHead: Sendable {
        /// "HTTP/1.1 <status>\r\nDate: "
        let statusLine: [UInt8]
        /// CRLF after the date, the fields, `Content-Length` when a body is allowed, and the
        /// empty line that ends the head (dropped when a `Connection` field must follow).
        let fields: [UInt8]
    }

    /// Cuts the connection instead of finishing the response. FakeStigg uses it to play a
    /// flaky upstream (dropped connections, truncated bodies) so the sidecar's client is tested
    /// against real broken sockets. It stays here, not behind a hook the fake installs,
    /// because a hook would still need this mark on the response to know which one to cut;
    /// its cost on the production path is one nil check per response.
    public var abort: Abort?

    public enum Abort: Sendable, Equatable {
        /// Close without sending a byte.
        case beforeResponse
        /// Send the head (with the full `Content-Length`) and this many body bytes, then close.
        case afterBodyBytes(Int)
    }

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON body with its content type.
    public static func json(_ status: HTTPStatus = .ok, _ body: [UInt8], headers: HTTPHeaders = [:]) -> HTTPResponse {
        var response = HTTPResponse(status: status, headers: headers, body: body)
        response.headers.add("Content-Type", "application/json")
        return response
    }

    /// The same response with its head serialized once (all but the date and `Connection`), for
    /// a response that is sent many times as it is (the answer cache, fixed answers).
    public func prepared() -> HTTPResponse {
        var copy = self
        var statusLine = Array("HTTP/1.1 ".utf8)
        appendDecimal(status.code, to: &statusLine)
        statusLine.append(0x20)
        statusLine.append(contentsOf: status.reason.utf8)
        statusLine.append(contentsOf: "\r\nDate: ".utf8)
        var fields = Array("\r\n".utf8)
        appendFields(to: &fields)
        fields.append(contentsOf: "\r\n".utf8)
        copy.preparedHead = PreparedHead(statusLine: statusLine, fields: fields)
        return copy
    }

    /// The header fields, and `Content-Length` when a body is allowed.
    private func appendFields(to out: inout [UInt8]) {
        for (name, value) in headers.fields {
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        if status.allowsBody {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(body.count, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
    }
}

extension HTTPResponse {
    /// Appends the wire form. `bodyOmitted` is for HEAD: the length of the body that a GET
    /// would have sent is still announced (RFC 9110 §9.3.2).
    func serialize(into out: inout [UInt8], date: ArraySlice<UInt8>, keepAlive: Bool, version: HTTPVersion, bodyOmitted: Bool) {
        let connection: String? = if !keepAlive {
            "Connection: close\r\n"
        } else if version == .http10 {
            "Connection: keep-alive\r\n"
        } else {
            nil
        }
        if let preparedHead {
            out.append(contentsOf: preparedHead.statusLine)
            out.append(contentsOf: date)
            if let connection {
                out.append(contentsOf: preparedHead.fields[..<(preparedHead.fields.count - 2)])
                out.append(contentsOf: connection.utf8)
                out.append(contentsOf: "\r\n".utf8)
            } else {
                out.append(contentsOf: preparedHead.fields)
            }
        } else {
            out.append(contentsOf: "HTTP/1.1 ".utf8)
            appendDecimal(status.code, to: &out)
            out.append(0x20)
            out.append(contentsOf: status.reason.utf8)
            out.append(contentsOf: "\r\nDate: ".utf8)
            out.append(contentsOf: date)
            out.append(contentsOf: "\r\n".utf8)
            appendFields(to: &out)
            if let connection { out.append(contentsOf: connection.utf8) }
            out.append(contentsOf: "\r\n".utf8)
        }
        if status.allowsBody && !bodyOmitted {
            out.append(contentsOf: body)
        }
    }
}

func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    if value < 10 {
        out.append(UInt8(0x30 + value))
        return
    }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var n = value.magnitude
    var count = 0
    withUnsafeMutableBytes(of: &digits) { buf in
        while n > 0 {
            buf[19 - count] = UInt8(0x30 + n % 10)
            n /= 10
            count += 1
        }
        if value < 0 { out.append(0x2D) }
        out.append(contentsOf: buf[(20 - count)...])
    }
}
