import CCurl

/// One request on one easy handle, start to finish, on the calling thread.
enum CurlTransfer {
    static func perform(_ request: HTTPClientRequest, on handle: UnsafeMutableRawPointer, timeout: Duration, maxBodyBytes: Int) -> Result<HTTPClientResponse, HTTPClientError> {
        // Options stay set on a handle between transfers; its open connection is what we keep.
        defer { curl_easy_reset(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for header in request.headers {
            guard !header.name.contains(where: \.isNewline), !header.value.contains(where: \.isNewline) else {
                return .failure(.transport("header \(header.name) contains a line break"))
            }
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // libcurl would otherwise hold bodies over 1 MiB back for a 100 Continue.
        headerList = curl_slist_append(headerList, "Expect:")
        let accumulator = ResponseAccumulator(limit: maxBodyBytes)
        let context = Unmanaged.passUnretained(accumulator).toOpaque()
        let milliseconds = max(1, Int(timeout.nanoseconds / 1_000_000))

        sidecar_curl_set_pointer(handle, CURLOPT_URL, request.url)
        // Only the web: a misconfigured base URL must not read files or open other protocols.
        sidecar_curl_set_pointer(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        // libcurl's timeouts otherwise use signals, which threads cannot share.
        sidecar_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        sidecar_curl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
        sidecar_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds)
        sidecar_curl_set_pointer(handle, CURLOPT_HTTPHEADER, headerList)
        sidecar_curl_set_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxBodyBytes))
        // Every encoding libcurl can decode is offered (gzip, deflate...), as URLSession did:
        // a preload page is mostly repeated keys. The body limit applies to decoded bytes.
        sidecar_curl_set_pointer(handle, CURLOPT_ACCEPT_ENCODING, "")
        sidecar_curl_set_callback(handle, CURLOPT_WRITEFUNCTION, receiveBody)
        sidecar_curl_set_pointer(handle, CURLOPT_WRITEDATA, context)
        sidecar_curl_set_callback(handle, CURLOPT_HEADERFUNCTION, receiveHeader)
        sidecar_curl_set_pointer(handle, CURLOPT_HEADERDATA, context)

        let body = request.body ?? []
        let code: CURLcode = body.withUnsafeBytes { bytes in
            switch request.method {
            case "GET":
                sidecar_curl_set_long(handle, CURLOPT_HTTPGET, 1)
            case "HEAD":
                sidecar_curl_set_long(handle, CURLOPT_NOBODY, 1)
            default:
                if request.method != "POST" { sidecar_curl_set_pointer(handle, CURLOPT_CUSTOMREQUEST, request.method) }
                if request.body != nil || request.method == "POST" {
                    sidecar_curl_set_long(handle, CURLOPT_POST, 1)
                    sidecar_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                    // Not copied: `body` outlives the transfer, which ends inside this closure.
                    sidecar_curl_set_pointer(handle, CURLOPT_POSTFIELDS, bytes.baseAddress ?? UnsafeRawPointer(context))
                }
            }
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(CURL_ERROR_SIZE)) { message in
                message[0] = 0
                sidecar_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, message.baseAddress)
                let code = withExtendedLifetime(accumulator) { curl_easy_perform(handle) }
                if code != CURLE_OK { accumulator.failure = describe(code, message: message) }
                sidecar_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, nil)
                return code
            }
        }
        switch code {
        case CURLE_OK:
            var status = 0
            sidecar_curl_response_code(handle, &status)
            return .success(HTTPClientResponse(status: status, headers: accumulator.headers, body: accumulator.body))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(.timeout)
        case CURLE_FILESIZE_EXCEEDED:
            return .failure(.bodyTooLarge(limit: maxBodyBytes))
        case CURLE_WRITE_ERROR where accumulator.overflowed:
            return .failure(.bodyTooLarge(limit: maxBodyBytes))
        default:
            return .failure(.transport(accumulator.failure ?? "transfer failed"))
        }
    }

    /// libcurl's detailed message when it left one, its generic one otherwise.
    private static func describe(_ code: CURLcode, message: UnsafeMutableBufferPointer<CChar>) -> String {
        message[message.count - 1] = 0
        if message[0] != 0, let base = message.baseAddress { return String(cString: base) }
        return String(cString: curl_easy_strerror(code))
    }

    private static let receiveBody: sidecar_curl_data_callback = { data, size, count, context in
        guard let context else { return 0 }
        let accumulator = Unmanaged<ResponseAccumulator>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        guard accumulator.body.count + length <= accumulator.limit else {
            accumulator.overflowed = true
            return 0
        }
        accumulator.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
        return length
    }

    private static let receiveHeader: sidecar_curl_data_callback = { data, size, count, context in
        guard let context, let data else { return 0 }
        let accumulator = Unmanaged<ResponseAccumulator>.fromOpaque(context).takeUnretainedValue()
        accumulator.header(UnsafeRawBufferPointer(start: data, count: size * count))
        return size * count
    }
}

/// What libcurl's callbacks collect during one transfer, on the thread running it.
final class ResponseAccumulator {
    let limit: Int
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var overflowed = false
    var failure: String?

    init(limit: Int) { self.limit = limit }

    /// One header line as received, CRLF included.
    func header(_ line: UnsafeRawBufferPointer) {
        var end = line.count
        while end > 0, line[end - 1] == UInt8(ascii: "\n") || line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<end]), as: UTF8.self)
        if text.hasPrefix("HTTP/") {
            // A new status line: what came before belonged to an interim answer (100 Continue).
            headers.removeAll()
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = String(text[..<colon])
        let value = text[text.index(after: colon)...].trimmingSpaces
        headers.append((name: name, value: value))
    }
}

extension Substring {
    var trimmingSpaces: String {
        var trimmed = self
        while let first = trimmed.first, first == " " || first == "\t" { trimmed.removeFirst() }
        while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
        return String(trimmed)
    }
}
