#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An incremental HTTP/1.1 request parser: bytes go in as they arrive, in any split, and
/// complete requests come out. State survives between feeds and bytes are scanned once, so
/// feeding byte by byte costs no more than feeding whole.
public struct HTTPParser: Sendable {
    public enum Event: Sendable {
        case request(HTTPRequest)
        case needMore
        case error(HTTPParseError)
    }

    /// What the parser is waiting for; the connection picks its timeout from this.
    public enum Phase: Sendable, Equatable { case idle, head, body }

    enum State: Sendable {
        case requestLine
        case headers
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case failed(HTTPParseError)
    }

    let limits: HTTPLimits
    var buffer: [UInt8] = []
    /// Start of the bytes not yet consumed.
    var readIndex = 0
    /// Where the search for the next LF resumes, so no byte is scanned twice.
    var scanIndex = 0
    var state: State = .requestLine
    var head = PartialHead()
    var headerBytes = 0
    var fieldCount = 0
    var body: [UInt8] = []
    /// Set when a request asked for `100 Continue` before sending its body; the connection
    /// sends the interim response and clears it.
    public var pendingContinue = false

    /// The request head being read. Its bytes stay in `buffer` where they arrived (nothing is
    /// compacted away before the head is complete), so only offsets are kept until then.
    struct PartialHead: Sendable {
        /// Where the request line starts in `buffer`; the offsets below count from it.
        var start = 0
        var methodEnd = 0
        /// Set once the request line is valid.
        var target: Range<Int>?
        var fieldsStart = 0
        var version = HTTPVersion.http11
        /// The request line and field lines, copied out of `buffer` once the head is complete.
        var bytes: [UInt8] = []
        var connection = HTTPRequest.ConnectionTokens()
    }

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
        buffer.reserveCapacity(4096)
    }

    public var phase: Phase {
        switch state {
        case .requestLine: readIndex < buffer.count ? .head : .idle
        case .headers, .failed: .head
        case .body, .chunkSize, .chunkData, .chunkDataEnd, .trailers: .body
        }
    }

    /// Bytes received but not yet consumed by a complete request.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
    }

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// Advances as far as the buffered bytes allow.
    public mutating func next() -> Event {
        while true {
            let step: Step
            switch state {
            case .failed(let error): return .error(error)
            case .requestLine: step = parseRequestLine()
            case .headers: step = parseHeaderLine(trailer: false)
            case .body(let remaining): step = parseBody(remaining: remaining)
            case .chunkSize: step = parseChunkSize()
            case .chunkData(let remaining): step = parseChunkData(remaining: remaining)
            case .chunkDataEnd: step = parseChunkDataEnd()
            case .trailers: step = parseHeaderLine(trailer: true)
            }
            switch step {
            case .continue: continue
            case .needMore: return .needMore
            case .complete: return .request(finishRequest())
            case .fail(let error):
                state = .failed(error)
                return .error(error)
            }
        }
    }

    enum Step { case `continue`, needMore, complete, fail(HTTPParseError) }

    /// Finds the next CRLF-terminated line; bare LF and stray CR are framing errors.
    mutating func nextLine(limit: Int, tooLong: HTTPParseError) -> Result<Range<Int>?, HTTPParseError> {
        let end = buffer.count
        let found: Int? = buffer.withUnsafeBufferPointer { raw in
            guard scanIndex < end, let base = raw.baseAddress else { return nil }
            guard let hit = memchr(base + scanIndex, 0x0A, end - scanIndex) else { return nil }
            return UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
        }
        guard let lf = found else {
            scanIndex = end
            // A trailing CR may be the line's own terminator, whose LF is still on its way: it
            // does not count, so the answer never depends on where a read ended.
            let pending = end - readIndex
            let line = pending > 0 && buffer[end - 1] == 0x0D ? pending - 1 : pending
            return line > limit ? .failure(tooLong) : .success(nil)
        }
        guard lf > readIndex, buffer[lf - 1] == 0x0D else { return .failure(.bareLineFeed) }
        let line = readIndex..<(lf - 1)
        if line.count > limit { return .failure(tooLong) }
        readIndex = lf + 1
        scanIndex = readIndex
        return .success(line)
    }

    mutating func finishRequest() -> HTTPRequest {
        // A request line is valid before any request completes.
        let request = HTTPRequest(
            head: head.bytes, methodEnd: head.methodEnd, target: head.target ?? 0..<0, fieldsStart: head.fieldsStart,
            version: head.version, body: body, connection: head.connection)
        head = PartialHead()
        body = []
        headerBytes = 0
        fieldCount = 0
        state = .requestLine
        compact()
        return request
    }

    /// The path of the request being read, once its request line was valid (for reporting a
    /// framing error against it).
    public var currentPath: Substring? {
        guard let target = head.target else { return nil }
        let bytes = head.bytes.isEmpty ? Array(buffer[head.start..<(head.start + head.fieldsStart)]) : head.bytes
        guard let path = HTTPRequest.split(target: target, in: bytes).path else { return "/" }
        return Substring(String(decoding: bytes[path], as: UTF8.self))
    }

    /// Drops consumed bytes; cheap when the buffer is drained, which is the common case.
    mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
            scanIndex = 0
        } else if readIndex >= 64 * 1024 {
            buffer.removeFirst(readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }
}
