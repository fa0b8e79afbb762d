import SidecarModel
import Foundation

// Reading and decoding the snapshot file. Every failure stops start-up (DESIGN.md §5), so
// each one must say where: line and column for syntax, and for a well-formed but wrongly
// typed value the path (`customers[1].entitlements[0].usageLimit`) plus that value's position.

extension OfflineSnapshot {
    /// Reads and decodes the file at `path`. The error's `file` is `path` as given.
    public static func load(path: String) throws(OfflineSnapshotError) -> OfflineSnapshot {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw OfflineSnapshotError(file: path, reason: "cannot read the offline snapshot: \(error.localizedDescription)")
        }
        do {
            return try OfflineSnapshot(parsing: [UInt8](data))
        } catch {
            var located = error
            located.file = path
            throw located
        }
    }

    /// Decodes snapshot JSON: `{"customers":[{"customerId":..., "resourceId":..., "accessDeniedReason":...,
    /// "entitlements":[...]}]}`.
    public init(parsing bytes: [UInt8]) throws(OfflineSnapshotError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw OfflineSnapshotError(line: error.line, column: error.column, reason: error.reason)
        }
        do {
            try self.init(entries: Self.decodeEntries(json))
        } catch let error as EntitlementDecodingError {
            throw Self.located(error, in: bytes)
        } catch let error as OfflineSnapshotError {
            throw error
        } catch {
            throw OfflineSnapshotError(reason: "\(error)")
        }
    }

    private static func decodeEntries(_ json: JSONValue) throws -> [Entry] {
        let root = try FieldReader(json, at: [])
        guard let customers = try root.array("customers") else { throw root.missing("customers") }
        var entries: [Entry] = []
        entries.reserveCapacity(customers.count)
        for (index, element) in customers.enumerated() {
            entries.append(try decodeEntry(element, index: index))
        }
        return entries
    }

    /// One element of `customers`.
    static func decodeEntry(_ element: JSONValue, index: Int) throws -> Entry {
        let path: [JSONPathComponent] = [.key("customers"), .index(index)]
        let reader = try FieldReader(element, at: path)
        let customerId = try reader.required("customerId", reader.string)
        guard !customerId.isEmpty else {
            throw EntitlementDecodingError(path: reader.path("customerId"), reason: "must not be empty")
        }
        let resourceId = try reader.string("resourceId")
        if resourceId?.isEmpty == true {
            throw EntitlementDecodingError(path: reader.path("resourceId"), reason: "must not be empty (use null for no resource)")
        }
        // Each element is itself shaped like an entitlements state (plus the two ids).
        let state = try EntitlementsState(json: element, at: path)
        return Entry(customerId: customerId, resourceId: resourceId, state: state)
    }

    /// Where a decoding error's path points in `bytes`, as `init(parsing:)` reports it.
    static func located(_ error: EntitlementDecodingError, in bytes: [UInt8]) -> OfflineSnapshotError {
        // A missing field has no position of its own; point at the object that lacks it.
        var path = error.path[...]
        var offset = JSONParser.offset(of: Array(path), in: bytes)
        while offset == nil, !path.isEmpty {
            path = path.dropLast()
            offset = JSONParser.offset(of: Array(path), in: bytes)
        }
        let position = offset.map { JSONParser.lineAndColumn(of: $0, in: bytes) }
        return OfflineSnapshotError(line: position?.line, column: position?.column, reason: error.description)
    }
}
