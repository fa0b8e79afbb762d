import SidecarCache
import SidecarModel

// The offline snapshot file (`SIDECAR_OFFLINE_FILE`) over arbitrary bytes. A file that does
// not load stops start-up with a message naming the line and column, so an error's position
// must lie inside the file; a file that loads must survive the store's round trip per state.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let snapshot: OfflineSnapshot
    do {
        snapshot = try OfflineSnapshot(parsing: bytes)
    } catch {
        if let line = error.line {
            let lines = bytes.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            require(line >= 1 && line <= lines, "error on line \(line) of a \(lines)-line file")
        }
        if let column = error.column { require(column >= 1, "error at column \(column)") }
        _ = error.description
        return 0
    }
    for entry in snapshot.entries {
        require(!entry.customerId.isEmpty, "snapshot entry with an empty customerId")
        require(snapshot.state(for: entry.key) != nil, "entry \(entry.key) not found by its key")
        var writer = JSONWriter()
        writer.entitlementsState(entry.state)
        guard let again = try? EntitlementsState(json: try JSONParser.parse(writer.bytes)) else {
            fatalError("stored state does not decode: \(String(decoding: writer.bytes, as: UTF8.self))")
        }
        require(again == entry.state, "state of \(entry.key) changed through the store")
    }
    return 0
}

/// `precondition` without its message in -O builds is no use to whoever reads the crash log.
private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
