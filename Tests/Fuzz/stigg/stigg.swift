import SidecarModel

// Stigg's entitlement bodies over arbitrary bytes: the state decoder (`GET .../entitlements`)
// and the check decoder (`GET .../entitlements/check`). A decoded state or entitlement must
// survive the store's round trip unchanged (the cache writes states with JSONWriter and reads
// them back with the same decoder), or last-known-good data would drift on every restart.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let state = try? EntitlementsState.decodeResponse(bytes) {
        var writer = JSONWriter()
        writer.entitlementsState(state)
        let again: EntitlementsState
        do {
            again = try EntitlementsState(json: try JSONParser.parse(writer.bytes))
        } catch {
            fatalError("stored state does not decode (\(error)): \(String(decoding: writer.bytes, as: UTF8.self))")
        }
        require(again == state, "state changed through the store:\n\(state)\n\(again)")
    }
    if let entitlement = try? Entitlement.decodeCheckResponse(bytes) {
        var writer = JSONWriter()
        writer.entitlement(entitlement)
        let again: Entitlement
        do {
            again = try Entitlement(json: try JSONParser.parse(writer.bytes))
        } catch {
            fatalError("written entitlement does not decode (\(error)): \(String(decoding: writer.bytes, as: UTF8.self))")
        }
        require(again == entitlement, "entitlement changed through the writer:\n\(entitlement)\n\(again)")
    }
    // The element decoder that skips unknown types, on each element of a listing.
    if let root = try? JSONParser.parse(bytes), case .array(let items)? = root["data"]?["entitlements"] {
        for item in items.prefix(16) { _ = try? Entitlement.decodeIfKnown(item) }
    }
    return 0
}

/// `precondition` without its message in -O builds is no use to whoever reads the crash log.
private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
