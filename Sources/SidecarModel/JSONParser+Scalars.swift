// Strings and numbers: the two token kinds with enough rules to deserve their own file.

extension JSONCursor {
    mutating func parseString() throws(JSONParseError) -> String {
        let opening = position
        position += 1
        let start = position
        // Fast path: most strings have no escapes and can be decoded straight from the buffer.
        while position < buffer.count {
            let byte = buffer[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("unescaped control character in string") }
            position += 1
        }
        var bytes = Array(buffer[start..<position])
        while position < buffer.count {
            let byte = buffer[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &bytes)
            case 0..<0x20:
                throw error("unescaped control character in string")
            default:
                bytes.append(byte)
                position += 1
            }
        }
        throw error("unterminated string", at: opening)
    }

    private mutating func parseEscape(into bytes: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = position
        position += 1
        guard position < buffer.count else { throw error("unterminated string") }
        let code = buffer[position]
        position += 1
        switch code {
        case UInt8(ascii: "\""): bytes.append(0x22)
        case UInt8(ascii: "\\"): bytes.append(0x5C)
        case UInt8(ascii: "/"): bytes.append(0x2F)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4(escapeStart: escapeStart)
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must pair with a following \uDC00-\uDFFF escape.
                if position + 1 < buffer.count && buffer[position] == UInt8(ascii: "\\")
                    && buffer[position + 1] == UInt8(ascii: "u") {
                    let save = position
                    position += 2
                    let low = try parseHex4(escapeStart: save)
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        position = save
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if (0xDC00..<0xE000).contains(scalar) {
                scalar = 0xFFFD  // a lone low surrogate is not a character; keep going, like browsers
            }
            let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            bytes.append(contentsOf: UTF8.encode(unicode)!)
        default:
            throw error("invalid escape sequence", at: escapeStart)
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        guard buffer.count - position >= 4 else { throw error("invalid \\u escape", at: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = buffer[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape", at: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = position
        var isPlainInteger = true
        if buffer[position] == UInt8(ascii: "-") { position += 1 }
        guard position < buffer.count, isDigit(buffer[position]) else { throw error("invalid number", at: start) }
        if buffer[position] == UInt8(ascii: "0") {
            position += 1
            if position < buffer.count && isDigit(buffer[position]) {
                throw error("invalid number: leading zero", at: start)
            }
        } else {
            while position < buffer.count && isDigit(buffer[position]) { position += 1 }
        }
        if position < buffer.count && buffer[position] == UInt8(ascii: ".") {
            isPlainInteger = false
            position += 1
            guard position < buffer.count, isDigit(buffer[position]) else {
                throw error("invalid number: expected a digit after '.'", at: start)
            }
            while position < buffer.count && isDigit(buffer[position]) { position += 1 }
        }
        if position < buffer.count && (buffer[position] | 0x20) == UInt8(ascii: "e") {
            isPlainInteger = false
            position += 1
            if position < buffer.count && (buffer[position] == UInt8(ascii: "+") || buffer[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard position < buffer.count, isDigit(buffer[position]) else {
                throw error("invalid number: expected a digit in the exponent", at: start)
            }
            while position < buffer.count && isDigit(buffer[position]) { position += 1 }
        }
        let token = UnsafeBufferPointer(rebasing: buffer[start..<position])
        // An integer that fits in Int64 converts with the same correct rounding as strtod;
        // skipping the String round trip matters when loading 100k cached states.
        if isPlainInteger && token.count <= 18 {
            var magnitude: Int64 = 0
            for byte in token where byte != UInt8(ascii: "-") {
                magnitude = magnitude * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return token[0] == UInt8(ascii: "-") ? -Double(magnitude) : Double(magnitude)
        }
        guard let value = Double(String(decoding: token, as: UTF8.self)), value.isFinite else {
            throw error("number out of range", at: start)
        }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
