import CSQLite
import Foundation

/// The current row of a query, read by column index (0-based).
///
/// Only valid inside the row callback that received it: it reads straight from the
/// statement, which moves on to the next row as soon as the callback returns.
///
/// Non-optional getters follow SQLite's own conversions: NULL reads as 0, 0.0, "" or [].
/// Use `isNull` or the `optional…` getters where NULL means something.
public struct Row {
    let statement: OpaquePointer

    init(_ statement: OpaquePointer) { self.statement = statement }

    public var columnCount: Int { Int(sqlite3_column_count(statement)) }

    public func columnName(_ index: Int) -> String {
        sqlite3_column_name(statement, Int32(index)).map { String(cString: $0) } ?? ""
    }

    public func isNull(_ index: Int) -> Bool {
        sqlite3_column_type(statement, Int32(index)) == SQLITE_NULL
    }

    public func int64(_ index: Int) -> Int64 { sqlite3_column_int64(statement, Int32(index)) }
    public func int(_ index: Int) -> Int { Int(int64(index)) }
    public func double(_ index: Int) -> Double { sqlite3_column_double(statement, Int32(index)) }
    public func bool(_ index: Int) -> Bool { int64(index) != 0 }

    public func string(_ index: Int) -> String {
        let i = Int32(index)
        // text() must come before bytes(): it may convert the value, changing its length.
        guard let text = sqlite3_column_text(statement, i) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, i))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    public func blob(_ index: Int) -> [UInt8] {
        let i = Int32(index)
        guard let bytes = sqlite3_column_blob(statement, i) else { return [] }
        let count = Int(sqlite3_column_bytes(statement, i))
        return [UInt8](UnsafeRawBufferPointer(start: bytes, count: count))
    }

    public func data(_ index: Int) -> Data { Data(blob(index)) }

    public func optionalInt64(_ index: Int) -> Int64? { isNull(index) ? nil : int64(index) }
    public func optionalInt(_ index: Int) -> Int? { isNull(index) ? nil : int(index) }
    public func optionalDouble(_ index: Int) -> Double? { isNull(index) ? nil : double(index) }
    public func optionalBool(_ index: Int) -> Bool? { isNull(index) ? nil : bool(index) }
    public func optionalString(_ index: Int) -> String? { isNull(index) ? nil : string(index) }
    public func optionalBlob(_ index: Int) -> [UInt8]? { isNull(index) ? nil : blob(index) }
    public func optionalData(_ index: Int) -> Data? { isNull(index) ? nil : data(index) }

    /// The column as stored, without conversion.
    public func value(_ index: Int) -> SQLiteValue {
        switch sqlite3_column_type(statement, Int32(index)) {
        case SQLITE_INTEGER: return .integer(int64(index))
        case SQLITE_FLOAT: return .real(double(index))
        case SQLITE_TEXT: return .text(string(index))
        case SQLITE_BLOB: return .blob(blob(index))
        default: return .null
        }
    }
}
