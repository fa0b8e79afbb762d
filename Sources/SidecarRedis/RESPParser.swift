/// Bounds on what one reply may claim, so a broken or hostile server cannot make the client
/// allocate without limit. Past any of them the parser fails with a protocol error.
public struct RESPLimits: Sendable, Hashable {
    /// Longest bulk string accepted (Redis's own `proto-max-bulk-len` default is 512 MiB;
    /// the sidecar stores entitlement states of a few KiB).
    public var maxBulkLength: Int = 64 * 1024 * 1024
    /// Most elements one array may announce.
    public var maxArrayLength: Int = 1 << 20
    /// Deepest nesting of arrays (XREAD replies are 4 deep).
    public var maxDepth: Int = 16
    /// Longest simple string, error or integer line, CRLF excluded.
    public var maxLineLength: Int = 64 * 1024

    public init() {}
}

/// An incremental RESP2 reply parser: bytes go in as they arrive, in pieces of any size, and
/// complete replies come out in order. It keeps only the unfinished reply between calls.
/// RESP3-only types are rejected: the client never sends `HELLO 3`, so a server that sends
/// them is not speaking to us.
public struct RESPParser: Sendable {
    private enum State: Sendable {
        /// Waiting for a reply's type byte.
        case type
        /// Reading a `+ - : $ *` line until CR.
        case line(UInt8)
        /// Saw CR at the end of a line; LF must follow.
        case lineLF(UInt8)
        /// Copying a bulk string's payload.
        case bulk(remaining: Int)
        /// After the payload: CR then LF must follow.
        case bulkCR, bulkLF
    }

    private struct Frame: Sendable {
        var remaining: Int
        var elements: [RESPValue]
    }

    public let limits: RESPLimits
    private var state: State = .type
    private var line: [UInt8] = []
    private var payload: [UInt8] = []
    private var stack: [Frame] = []
    private var failure: RedisError?

    public init(limits: RESPLimits = RESPLimits()) {
        self.limits = limits
    }

    /// Whether a reply has started but not finished (bytes are buffered).
    public var isMidReply: Bool {
        if case .type = state { return !stack.isEmpty }
        return true
    }

    /// Parses `bytes`, handing each completed top-level reply to `emit`. After a protocol
    /// error the parser stays failed: the stream has lost its framing for good.
    public mutating func parse(
        _ bytes: UnsafeRawBufferPointer, _ emit: (RESPValue) -> Void
    ) throws(RedisError) {
        if let failure { throw failure }
        do throws(RedisError) {
            try step(bytes, emit)
        } catch {
            failure = error
            throw error
        }
    }

    /// Convenience for tests and small inputs.
    public mutating func parse(_ bytes: [UInt8]) throws(RedisError) -> [RESPValue] {
        var values: [RESPValue] = []
        // withUnsafeBytes only rethrows untyped errors, so the typed one rides in a Result.
        let outcome = bytes.withUnsafeBytes { raw in
            Result { () throws(RedisError) in try parse(raw) { values.append($0) } }
        }
        try outcome.get()
        return values
    }

    private mutating func step(_ bytes: UnsafeRawBufferPointer, _ emit: (RESPValue) -> Void) throws(RedisError) {
        var i = 0
        let count = bytes.count
        while i < count {
            let byte = bytes[i]
            switch state {
            case .type:
                switch byte {
                case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "$"), UInt8(ascii: "*"):
                    state = .line(byte)
                    line.removeAll(keepingCapacity: true)
                case UInt8(ascii: "_"), UInt8(ascii: ","), UInt8(ascii: "#"), UInt8(ascii: "("), UInt8(ascii: "!"),
                    UInt8(ascii: "="), UInt8(ascii: "%"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "|"):
                    throw .protocolError("RESP3 reply type '\(Character(Unicode.Scalar(byte)))' on a RESP2 connection")
                default:
                    throw .protocolError("unknown reply type byte 0x\(hexByte(byte))")
                }
                i += 1
            case .line(let type):
                // Scan to the CR in one go rather than re-entering the switch per byte.
                var j = i
                while j < count, bytes[j] != RESP.cr {
                    if bytes[j] == RESP.lf { throw .protocolError("line feed without carriage return in a reply line") }
                    j += 1
                }
                if line.count + (j - i) > limits.maxLineLength {
                    throw .protocolError("reply line longer than \(limits.maxLineLength) bytes")
                }
                line.append(contentsOf: bytes[i..<j])
                if j < count { state = .lineLF(type) }
                i = j + 1
            case .lineLF(let type):
                guard byte == RESP.lf else { throw .protocolError("carriage return not followed by line feed") }
                i += 1
                state = .type
                if let value = try finishLine(type) { try complete(value, emit) }
            case .bulk(let remaining):
                let take = min(remaining, count - i)
                payload.append(contentsOf: bytes[i..<(i + take)])
                i += take
                state = remaining == take ? .bulkCR : .bulk(remaining: remaining - take)
            case .bulkCR:
                guard byte == RESP.cr else { throw .protocolError("bulk string longer than its announced length") }
                state = .bulkLF
                i += 1
            case .bulkLF:
                guard byte == RESP.lf else { throw .protocolError("bulk string not terminated by CRLF") }
                state = .type
                i += 1
                let value = RESPValue.bulkString(payload)
                payload = []
                try complete(value, emit)
            }
        }
    }

    /// The value a finished line stands for, or nil when it opened a bulk string or an array.
    private mutating func finishLine(_ type: UInt8) throws(RedisError) -> RESPValue? {
        switch type {
        case UInt8(ascii: "+"): return .simpleString(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: "-"): return .error(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: ":"): return .integer(try integer(line, what: "integer reply"))
        case UInt8(ascii: "$"):
            let length = try integer(line, what: "bulk string length")
            if length == -1 { return .null }
            guard length >= 0 else { throw .protocolError("negative bulk string length \(length)") }
            guard length <= limits.maxBulkLength else {
                throw .protocolError("bulk string of \(length) bytes exceeds the limit of \(limits.maxBulkLength)")
            }
            payload = []
            payload.reserveCapacity(Int(min(length, 64 * 1024)))
            state = length == 0 ? .bulkCR : .bulk(remaining: Int(length))
            return nil
        default:
            let length = try integer(line, what: "array length")
            if length == -1 { return .null }
            guard length >= 0 else { throw .protocolError("negative array length \(length)") }
            guard length <= limits.maxArrayLength else {
                throw .protocolError("array of \(length) elements exceeds the limit of \(limits.maxArrayLength)")
            }
            guard stack.count < limits.maxDepth else {
                throw .protocolError("arrays nested deeper than \(limits.maxDepth)")
            }
            if length == 0 { return .array([]) }
            var elements: [RESPValue] = []
            elements.reserveCapacity(Int(min(length, 1024)))
            stack.append(Frame(remaining: Int(length), elements: elements))
            return nil
        }
    }

    /// Adds a finished value to the array being built, closing every array it completes.
    private mutating func complete(_ value: RESPValue, _ emit: (RESPValue) -> Void) throws(RedisError) {
        var value = value
        while !stack.isEmpty {
            let top = stack.count - 1
            stack[top].elements.append(value)
            stack[top].remaining -= 1
            if stack[top].remaining > 0 { return }
            value = .array(stack.removeLast().elements)
        }
        emit(value)
    }

    private func integer(_ text: [UInt8], what: String) throws(RedisError) -> Int64 {
        var digits = text[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 19 else { throw .protocolError("malformed \(what)") }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .protocolError("malformed \(what)") }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw .protocolError("\(what) out of range") }
            value = sum
        }
        return negative ? -value : value
    }
}

func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
}
