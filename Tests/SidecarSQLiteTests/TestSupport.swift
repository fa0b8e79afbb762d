import Foundation
@testable import SidecarSQLite

/// A unique directory under the system temp dir, removed when `body` returns or throws.
func withTempDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("SidecarSQLiteTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

func withTempDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("SidecarSQLiteTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

/// A connection to `test.sqlite` inside `dir`.
func openTestDatabase(
    in dir: URL, name: String = "test.sqlite", configuration: SQLiteConfiguration = .init()
) throws -> SQLiteConnection {
    try SQLiteConnection(path: dir.appendingPathComponent(name).path, configuration: configuration)
}

/// Runs `body` and returns the `SQLiteError` it threw, or nil if it did not throw one.
func sqliteError(_ body: () throws -> Void) -> SQLiteError? {
    do {
        try body()
        return nil
    } catch let error as SQLiteError {
        return error
    } catch {
        return nil
    }
}
