import Foundation

// Checks made before the sidecar opens anything, so a path that cannot work stops start-up
// with the setting, the value and the OS's reason (DESIGN.md §11), not "SQLite error 14".

extension SidecarConfig {
    /// This configuration with the paths checked and the offline snapshot located.
    /// `executablePath` is the running binary (for the snapshot shipped beside it).
    public func preflighted(executablePath: String?) throws(ConfigError) -> SidecarConfig {
        try checkDatabasePath()
        var config = self
        if isOffline {
            config.offlineFile = try locateOfflineFile(executablePath: executablePath, workingDirectory: FileManager.default.currentDirectoryPath)
        }
        return config
    }

    /// The database's directory must exist and be writable even when the file exists: SQLite
    /// in WAL mode creates `-wal` and `-shm` files beside it.
    public func checkDatabasePath() throws(ConfigError) {
        let expected = "a database file in an existing directory the sidecar may write to"
        let directory = (dbPath as NSString).deletingLastPathComponent
        if let problem = FileReading.writableDirectoryProblem(directory.isEmpty ? "." : directory) {
            throw ConfigError(key: "SIDECAR_DB_PATH", value: dbPath, expected: expected, reason: problem)
        }
        guard FileReading.exists(dbPath) else { return }
        if FileReading.isDirectory(dbPath) {
            throw ConfigError(key: "SIDECAR_DB_PATH", value: dbPath, expected: expected, reason: "it is a directory")
        }
        guard access(dbPath, R_OK | W_OK) == 0 else {
            throw ConfigError(key: "SIDECAR_DB_PATH", value: dbPath, expected: expected, reason: "the file is not writable (\(FileReading.reason(errno)))")
        }
    }

    /// Where the offline snapshot is. A path that was set must exist as given. The default,
    /// `config/offline-entitlements.json`, is relative to the working directory, which only
    /// works from a checkout; when it is not there, the places a release or an image puts it
    /// are tried, first match wins.
    public func locateOfflineFile(executablePath: String?, workingDirectory: String) throws(ConfigError) -> String {
        if FileReading.exists(offlineFile.hasPrefix("/") ? offlineFile : workingDirectory + "/" + offlineFile) { return offlineFile }
        let hint = "a snapshot file: set SIDECAR_OFFLINE_FILE (or --offline-file) to its path, or set STIGG_API_KEY to run online"
        guard offlineFile == Setting.defaultValue(\.offlineFile) else {
            throw ConfigError(key: "SIDECAR_OFFLINE_FILE", value: offlineFile, expected: hint, reason: FileReading.reason(ENOENT))
        }
        let candidates = offlineFileCandidates(executablePath: executablePath)
        guard let found = candidates.first(where: FileReading.exists) else {
            throw ConfigError(
                key: "SIDECAR_OFFLINE_FILE", value: offlineFile, expected: hint,
                reason: "not in the working directory nor in " + candidates.joined(separator: ", "))
        }
        return found
    }

    /// Beside the config file; `config/` in the binary's directory or up to three levels
    /// above it (a checkout's `.build/<triple>/<configuration>/`, an unpacked release); the
    /// usual install prefixes; the container image's `/etc/entitlement-sidecar/`.
    func offlineFileCandidates(executablePath: String?) -> [String] {
        let name = (offlineFile as NSString).lastPathComponent
        var candidates: [String] = []
        if let configFile {
            candidates.append(((configFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name))
        }
        if let executablePath {
            var directory = (executablePath as NSString).deletingLastPathComponent
            let binDirectory = directory
            for _ in 0...3 where !directory.isEmpty {
                candidates.append(directory + "/config/" + name)
                directory = (directory as NSString).deletingLastPathComponent
            }
            let prefix = (binDirectory as NSString).deletingLastPathComponent
            candidates += [prefix + "/share/entitlement-sidecar/" + name, prefix + "/etc/entitlement-sidecar/" + name]
        }
        candidates.append("/etc/entitlement-sidecar/" + name)
        var seen = Set<String>()
        return candidates.map { ($0 as NSString).standardizingPath }.filter { seen.insert($0).inserted }
    }
}
