// Writes a parsed JSON tree back out, for the pass-through parts of a usage record
// (`dimensions`) that the sidecar stores and forwards without interpreting.

extension JSONWriter {
    /// Compact JSON; object keys sorted so a stored record's bytes do not depend on
    /// Dictionary order.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let number): self.number(number)
        case .string(let text): string(text)
        case .array(let items):
            raw("[")
            for (index, item) in items.enumerated() {
                if index > 0 { raw(",") }
                self.value(item)
            }
            raw("]")
        case .object(let fields):
            raw("{")
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { raw(",") }
                string(key)
                raw(":")
                self.value(fields[key] ?? .null)
            }
            raw("}")
        }
    }
}
