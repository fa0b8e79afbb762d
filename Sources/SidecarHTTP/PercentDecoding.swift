/// Percent-decoding of path segments and query components (RFC 3986 §2.1).
enum PercentDecoding {
    /// Decodes `%XX` escapes (and `+` as a space in query components); nil when an escape is
    /// malformed or the result is not UTF-8.
    static func decode<S: StringProtocol>(_ text: S, plusIsSpace: Bool) -> String? {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == 0x25 || (plusIsSpace && $0 == 0x2B) }) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == 0x25 {
                let high = utf8.index(after: index)
                guard high != utf8.endIndex else { return nil }
                let low = utf8.index(after: high)
                guard low != utf8.endIndex,
                      let h = HTTPParser.hexValue(utf8[high]), let l = HTTPParser.hexValue(utf8[low]) else { return nil }
                bytes.append(h << 4 | l)
                index = utf8.index(after: low)
            } else {
                bytes.append(plusIsSpace && byte == 0x2B ? 0x20 : byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// Why a query string could not be read.
public struct QueryDecodingError: Error, Equatable, Sendable {
    /// The name of the parameter whose encoding is broken (raw, if the name itself is broken).
    public let parameter: String
}

extension HTTPRequest {
    /// The query's `name=value` pairs, percent-decoded, in order. Pairs without `=` have an
    /// empty value. Scans UTF-8 bytes: splitting by `Character` costs grapheme breaking on
    /// the hot path.
    public func queryParameters() throws(QueryDecodingError) -> [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        var result: [(name: String, value: String)] = []
        result.reserveCapacity(6)
        let utf8 = query.utf8
        var pairStart = utf8.startIndex
        while pairStart != utf8.endIndex {
            let pairEnd = utf8[pairStart...].firstIndex(of: UInt8(ascii: "&")) ?? utf8.endIndex
            if pairStart != pairEnd {
                let equals = utf8[pairStart..<pairEnd].firstIndex(of: UInt8(ascii: "="))
                let rawName = query[pairStart..<(equals ?? pairEnd)]
                let rawValue = equals.map { query[utf8.index(after: $0)..<pairEnd] } ?? query[pairEnd..<pairEnd]
                guard let name = PercentDecoding.decode(rawName, plusIsSpace: true) else {
                    throw QueryDecodingError(parameter: String(rawName))
                }
                guard let value = PercentDecoding.decode(rawValue, plusIsSpace: true) else {
                    throw QueryDecodingError(parameter: name)
                }
                result.append((name, value))
            }
            pairStart = pairEnd == utf8.endIndex ? pairEnd : utf8.index(after: pairEnd)
        }
        return result
    }
}
