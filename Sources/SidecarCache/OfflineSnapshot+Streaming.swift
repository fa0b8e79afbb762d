import Foundation
import SidecarModel

extension OfflineSnapshot {
    /// Decodes the file at `path` one customer at a time, handing each entry to `body`, so
    /// neither the whole JSON tree nor every decoded state exists at once (DESIGN.md §9: a
    /// first import of 100,000 customers within 256 MiB). The file is mapped, not copied.
    ///
    /// Returns how many entries were handed over, or nil when the file is not an object with
    /// one `customers` array: `load` then says what is wrong. Errors name the file, line and
    /// column as `load`'s do; a throw from `body` propagates as it is.
    public static func stream(path: String, _ body: (Entry) throws -> Void) throws -> Int? {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw OfflineSnapshotError(file: path, reason: "cannot read the offline snapshot: \(error.localizedDescription)")
        }
        // The first index of each key, to name both places of a duplicate.
        var seen: [StateKey: Int] = [:]
        do {
            let outcome = try data.withUnsafeBytes { raw in
                try JSONParser.forEachElement(ofArray: "customers", in: raw.bindMemory(to: UInt8.self)) { index, element in
                    let entry = try decodeEntry(element, index: index)
                    if let first = seen.updateValue(index, forKey: entry.key) {
                        throw OfflineSnapshotError(
                            file: path, reason: "customers[\(index)]: duplicate state for \(entry.key), first given at customers[\(first)]")
                    }
                    try body(entry)
                }
            }
            guard case .streamed(let count) = outcome else { return nil }
            return count
        } catch let error as JSONParseError {
            throw OfflineSnapshotError(file: path, line: error.line, column: error.column, reason: error.reason)
        } catch let error as EntitlementDecodingError {
            var located = located(error, in: [UInt8](data))
            located.file = path
            throw located
        }
    }
}
