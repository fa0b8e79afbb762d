/// A command as Redis receives it: an array of binary-safe bulk strings.
public struct RedisCommand: Sendable, Hashable, ExpressibleByArrayLiteral {
    public var arguments: [[UInt8]]

    public init(bytes arguments: [[UInt8]]) {
        self.arguments = arguments
    }

    public init(_ arguments: [String]) {
        self.arguments = arguments.map { Array($0.utf8) }
    }

    public init(arrayLiteral elements: String...) {
        self.init(elements)
    }

    public func appending(_ argument: String) -> RedisCommand {
        appending(bytes: Array(argument.utf8))
    }

    public func appending(bytes argument: [UInt8]) -> RedisCommand {
        var copy = self
        copy.arguments.append(argument)
        return copy
    }

    /// The command name, upper-cased, for error messages (never its arguments, which may be
    /// a password or a customer's data).
    public var name: String {
        String(decoding: arguments.first ?? [], as: UTF8.self).uppercased()
    }

    public func encode(into out: inout [UInt8]) {
        RESP.appendLine(UInt8(ascii: "*"), String(arguments.count).utf8, to: &out)
        for argument in arguments { RESP.appendBulk(argument, to: &out) }
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }
}
