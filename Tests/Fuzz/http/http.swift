import SidecarHTTP

// The HTTP/1.1 request parser over arbitrary bytes, as a connection would feed it: the input
// is one byte stream of pipelined requests, parsed to its end or its first error. It is fed
// whole, byte by byte and in pseudo-random splits, and the three must agree: a parser whose
// answer depends on how TCP cut the stream is how request smuggling starts.
//
// Small limits make the 414/431/413 paths reachable by inputs libFuzzer can grow.

private let limits: HTTPLimits = {
    var limits = HTTPLimits()
    limits.maxRequestLineBytes = 256
    limits.maxHeaderBytes = 1024
    limits.maxHeaderCount = 16
    limits.maxBodyBytes = 2048
    return limits
}()

/// What a request carried, comparable across feedings.
private struct Parsed: Equatable {
    var method: String
    var target: String
    var version: String
    var headers: [String]
    var body: [UInt8]
}

private struct Outcome: Equatable {
    var requests: [Parsed] = []
    /// nil: the stream ended waiting for more bytes.
    var error: String?
}

private func check(_ request: HTTPRequest) -> Parsed {
    require(!request.method.isEmpty, "empty method accepted")
    require(request.body.count <= limits.maxBodyBytes, "body of \(request.body.count) bytes passed the limit")
    let lengths = request.headers.filter { $0.name.lowercased() == "content-length" }
    if lengths.count == 1, let declared = Int(lengths[0].value) {
        require(request.body.count == declared, "Content-Length \(declared) but \(request.body.count) body bytes")
    }
    _ = request.wantsKeepAlive
    _ = (request.path, request.query)
    let version = request.version == .http11 ? "1.1" : "1.0"
    return Parsed(
        method: request.method, target: request.target, version: version,
        headers: request.headers.map { "\($0.name): \($0.value)" }, body: request.body)
}

/// Feeds `bytes` cut at `cuts` (ascending offsets) and drains the parser after each piece.
private func parse(_ bytes: [UInt8], cuts: [Int]) -> Outcome {
    var parser = HTTPParser(limits: limits)
    var outcome = Outcome()
    var start = 0
    for end in cuts + [bytes.count] where end > start || end == bytes.count {
        parser.append(bytes[start..<end])
        start = end
        drain: while true {
            switch parser.next() {
            case .request(let request): outcome.requests.append(check(request))
            case .needMore: break drain
            case .error(let error):
                // A failed parser stays failed: the connection closes after the error response.
                guard case .error(let again) = parser.next(), again == error else {
                    fatalError("parser did not stay failed after \(error)")
                }
                outcome.error = "\(error)"
                return outcome
            }
        }
    }
    return outcome
}

/// Deterministic split points derived from the input, so a reproducer replays exactly.
private func randomCuts(_ bytes: [UInt8]) -> [Int] {
    var state: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { state = (state ^ UInt64(byte)) &* 0x100_0000_01b3 }
    var cuts: [Int] = []
    var offset = 0
    while true {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        offset += 1 + Int((state >> 33) % 64)
        guard offset < bytes.count else { return cuts }
        cuts.append(offset)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = parse(bytes, cuts: [])
    let pieces = parse(bytes, cuts: randomCuts(bytes))
    check(whole, against: pieces, "random splits")
    if bytes.count <= 4096 {
        let single = parse(bytes, cuts: Array(bytes.indices.dropFirst()))
        check(whole, against: single, "byte by byte")
    }
    return 0
}

private func check(_ whole: Outcome, against split: Outcome, _ how: String) {
    guard whole.requests == split.requests else {
        fatalError("\(how): \(split.requests.count) requests (error: \(split.error ?? "none")) vs "
            + "\(whole.requests.count) fed whole (error: \(whole.error ?? "none"))\n"
            + "split: \(split.requests)\nwhole: \(whole.requests)")
    }
    // Which error is reported may legitimately depend on how much was buffered (a line over
    // the limit is 414 before its LF arrives, a bare LF once it has); whether there is one may not.
    guard (whole.error == nil) == (split.error == nil) else {
        fatalError("\(how): error \(split.error ?? "none") vs \(whole.error ?? "none") fed whole")
    }
}

/// `precondition` without its message in -O builds is no use to whoever reads the crash log.
private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
