import SidecarModel

// The JSON reader over arbitrary bytes. Besides not crashing:
// - an error points inside the input (its line and column are shown to operators);
// - what parses survives our writer: write, parse again, same tree, same bytes written again
//   (dimensions are stored and forwarded through this round trip);
// - a parse keeping only some members accepts and rejects exactly what the full parse does;
// - locating a value by path (the snapshot's error positions) never reads out of bounds, on
//   any text, and finds every member of a document that parsed.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Keeping some members checks the rest exactly as a full parse does: same error, or success.
    let kept = Result { () throws(JSONParseError) in try JSONParser.parse(bytes, keeping: ["data", "a"]) }
    let value: JSONValue
    do {
        value = try JSONParser.parse(bytes)
    } catch {
        guard case .failure(let keptError) = kept, keptError == error else {
            fatalError("keeping some members answered \(kept) where the full parse failed with \(error)")
        }
        require(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside \(size) bytes")
        require(error.line >= 1 && error.column >= 1, "error at line \(error.line), column \(error.column)")
        _ = error.description
        // Also on text that does not parse: the locator must give up, not run off the end.
        _ = JSONParser.offset(of: [.key("data"), .index(0), .key("a")], in: bytes)
        _ = JSONParser.offset(of: [.index(1), .index(0)], in: bytes)
        return 0
    }
    guard case .success = kept else { fatalError("keeping some members failed (\(kept)) on JSON that parses") }
    var writer = JSONWriter()
    writer.value(value)
    let again: JSONValue
    do {
        again = try JSONParser.parse(writer.bytes)
    } catch {
        fatalError("written JSON does not parse (\(error)): \(String(decoding: writer.bytes, as: UTF8.self))")
    }
    require(again == value, "round trip changed the value: \(value) -> \(again)")
    var second = JSONWriter()
    second.value(again)
    require(second.bytes == writer.bytes, "writing is not stable")

    switch value {
    case .object(let fields):
        for key in fields.keys.prefix(8) {
            guard let offset = JSONParser.offset(of: [.key(key)], in: bytes) else {
                fatalError("member \"\(key)\" of a parsed object not located")
            }
            require(offset < size, "member located at \(offset), past the end")
        }
    case .array(let items):
        for index in items.indices.prefix(8) {
            guard let offset = JSONParser.offset(of: [.index(index)], in: bytes) else {
                fatalError("element [\(index)] of a parsed array not located")
            }
            require(offset < size, "element located at \(offset), past the end")
        }
    default: break
    }
    return 0
}

/// `precondition` without its message in -O builds is no use to whoever reads the crash log.
private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
