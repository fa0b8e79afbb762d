import SidecarRedis

// The Redis reply parser over arbitrary bytes, with small limits so they are reachable.
// Besides not crashing: the replies (or the protocol error) must not depend on how the bytes
// were split into reads — fed whole, byte by byte, and cut at places taken from the input —
// since TCP decides where a read ends.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = RESPLimits()
    limits.maxBulkLength = 512
    limits.maxArrayLength = 64
    limits.maxDepth = 6
    limits.maxLineLength = 128
    let whole = feed([bytes], limits: limits)
    let single = feed(bytes.map { [$0] }, limits: limits)
    require(single == whole, "byte by byte differs from whole: \(single) vs \(whole)")
    // Cut points derived from the input itself, so a failing case replays exactly.
    var chunks: [[UInt8]] = []
    var index = 0
    var step = 1
    while index < bytes.count {
        step = (step * 31 + Int(bytes[index])) % 13 + 1
        let end = min(bytes.count, index + step)
        chunks.append(Array(bytes[index..<end]))
        index = end
    }
    let split = feed(chunks, limits: limits)
    require(split == whole, "split reads differ from whole: \(split) vs \(whole)")
    return 0
}

/// Every reply the parser completed, then whether it failed. Only the fact of failing is
/// compared: a line that is both too long and ends in a bare LF is refused either way, and
/// which of the two reasons is seen first may depend on the split.
private struct Outcome: Equatable, CustomStringConvertible {
    var replies: [RESPValue] = []
    var failure: String?
    var failed: Bool { failure != nil }
    var description: String { "\(replies.count) replies, failed: \(failure ?? "no")" }

    static func == (a: Outcome, b: Outcome) -> Bool { a.replies == b.replies && a.failed == b.failed }
}

private func feed(_ chunks: [[UInt8]], limits: RESPLimits) -> Outcome {
    var parser = RESPParser(limits: limits)
    var outcome = Outcome()
    for chunk in chunks {
        // The streaming entry point: replies completed before an error in the same read count.
        let failed: String? = chunk.withUnsafeBytes { raw in
            do throws(RedisError) {
                try parser.parse(raw) { outcome.replies.append($0) }
                return nil
            } catch {
                return "\(error)"
            }
        }
        if let failed {
            outcome.failure = failed
            return outcome
        }
    }
    return outcome
}

private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
