/// A response. `Date`, `Content-Length` and `Connection` are written by the server.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders {
        // Prepared bytes would no longer say what the fields say.
        didSet { preparedHeaders = nil }
    }
    public var body: [UInt8]
    /// `headers` already in wire form (`prepared()`), so a response answered many times is
    /// not serialized field by field every time.
    public private(set) var preparedHeaders: [UInt8]?
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

    /// The same response with its header fields serialized once, for a response that is sent
    /// many times as it is (the answer cache, fixed answers).
    public func prepared() -> HTTPResponse {
        var copy = self
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headers.fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 })
        for (name, value) in headers.fields {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        copy.preparedHeaders = bytes
        return copy
    }
}

extension HTTPResponse {
    /// Appends the wire form. `bodyOmitted` is for HEAD: the length of the body that a GET
    /// would have sent is still announced (RFC 9110 §9.3.2).
    func serialize(into out: inout [UInt8], date: ArraySlice<UInt8>, keepAlive: Bool, version: HTTPVersion, bodyOmitted: Bool) {
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status.code, to: &out)
        out.append(0x20)
        out.append(contentsOf: status.reason.utf8)
        out.append(contentsOf: "\r\nDate: ".utf8)
        out.append(contentsOf: date)
        out.append(contentsOf: "\r\n".utf8)
        if let preparedHeaders {
            out.append(contentsOf: preparedHeaders)
        } else {
            for (name, value) in headers.fields {
                out.append(contentsOf: name.utf8)
                out.append(contentsOf: ": ".utf8)
                out.append(contentsOf: value.utf8)
                out.append(contentsOf: "\r\n".utf8)
            }
        }
        if status.allowsBody {
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(body.count, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        if !keepAlive {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if version == .http10 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
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
