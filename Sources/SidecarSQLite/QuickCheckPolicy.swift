import Foundation

/// When `SQLiteConnection.openOrRecover` runs `PRAGMA quick_check`, which reads every page
/// (1.8 s on a 1 GB file): on every open, never, or only when the file's last connection did
/// not say it closed cleanly.
public enum QuickCheckPolicy: Sendable, Equatable {
    case always
    case never
    /// A file that a crash, `kill -9` or a power loss left behind is checked; one whose last
    /// run ended with `SQLiteConnection.recordCleanClose()` is trusted. So is a file with no
    /// record of either: an existing one is checked, a new one has nothing to check.
    case afterUncleanClose
}

extension SQLiteConnection {
    /// The file beside the database that says its last run ended cleanly. It lives outside
    /// the database so that reading it cannot trip over the damage the check is meant to find.
    static func cleanCloseMarker(for path: String) -> String? {
        path.isEmpty || path == ":memory:" || path.hasPrefix("file:") ? nil : path + "-clean-close"
    }

    /// Whether `path` must be checked under `.afterUncleanClose`; forgets the clean close,
    /// since from now on the file is open again.
    static func needsCheckAfterUncleanClose(_ path: String) -> Bool {
        guard let marker = cleanCloseMarker(for: path) else { return false }
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: path) else { return false }
        guard fileManager.fileExists(atPath: marker) else { return true }
        try? fileManager.removeItem(atPath: marker)
        // A marker that could not be removed would vouch for a run that might crash: check.
        return fileManager.fileExists(atPath: marker)
    }

    /// Records that this run is ending cleanly, so the next `openOrRecover` with
    /// `.afterUncleanClose` skips the full check. Call it last, after the final writes.
    public func recordCleanClose() {
        guard let marker = SQLiteConnection.cleanCloseMarker(for: path) else { return }
        _ = FileManager.default.createFile(atPath: marker, contents: Data("clean\n".utf8))
    }
}
