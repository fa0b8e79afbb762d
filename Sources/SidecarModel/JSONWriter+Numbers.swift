// Number formatting. Usage counts and limits are almost always whole numbers, and Stigg
// writes them as `10000`, not `10000.0`; that case must not allocate a String.

extension JSONWriter {
    /// Integral values below 1e18 are written as integers; other finite values use Swift's
    /// shortest round-trip form (`0.1`, `1e-07`, `1e+20`, all valid JSON numbers). JSON has no
    /// NaN or infinity, so those become `null` rather than an unparseable body.
    public mutating func number(_ value: Double?) {
        guard let value else { return null() }
        guard value.isFinite else { return null() }
        if value.rounded(.towardZero) == value && value.magnitude < 1e18 {
            integer(Int64(value))
            return
        }
        bytes.append(contentsOf: value.description.utf8)
    }

    public mutating func integer(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
        }
        var magnitude = value.magnitude
        if magnitude < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var index = 20
            while magnitude > 0 {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index..<20]))
        }
    }

    public mutating func integer(_ value: Int) {
        integer(Int64(value))
    }
}
