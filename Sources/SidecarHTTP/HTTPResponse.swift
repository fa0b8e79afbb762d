/// A response. `Date`, `Content-Length` and `Connection` are written by the server.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// For test doubles of flaky servers: cut the connection instead of finishing the response.
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

    /// The error shape every route shares: `{"error":{"code":"...","message":"..."}}`.
    public static func error(_ status: HTTPStatus, code: String, message: String, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var body = Array(#"{"error":{"code":"#.utf8)
        appendJSONString(code, to: &body)
        body.append(contentsOf: #","message":"#.utf8)
        appendJSONString(message, to: &body)
        body.append(contentsOf: "}}".utf8)
        return json(status, body, headers: headers)
    }

    static func appendJSONString(_ string: String, to out: inout [UInt8]) {
        out.append(0x22)
        for byte in string.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
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
