import Foundation
import SidecarConfig
import SidecarTestSupport
import Testing

/// Root bypasses file permissions, so permission tests run the binary as `nobody` then.
let canDropPrivileges = geteuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

/// Runs the binary as an unprivileged user (through setpriv when the tests run as root).
func runUnprivileged(_ arguments: [String], environment: [String: String]) throws -> ProcessRunner.Result {
    guard geteuid() == 0 else { return try runBinary(arguments, environment: environment) }
    return try ProcessRunner.run(
        "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", binaryPath] + arguments,
        environment: BackgroundProcess.cleanEnvironment(environment))
}

@Suite("Start-up checks (issue 14): each failure names the setting, the value and the OS's reason")
struct StartupChecksTests {
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory() }

    /// Settings that pass every start-up check, so each test breaks exactly one thing. The
    /// address is not local (TEST-NET-1): were a check to let its case through, the bind
    /// fails and the run ends instead of serving forever.
    var base: [String: String] { ["SIDECAR_DB_PATH": scratch.path("db.sqlite"), "SIDECAR_HOST": "192.0.2.1", "SIDECAR_PORT": "0"] }

    @Test("STIGG_API_KEY set but empty or blank: exit 64 with a message, never offline on demo data", arguments: ["", "   ", "\n"])
    func blankKey(key: String) throws {
        let result = try runBinary([], environment: base.merging(["STIGG_API_KEY": key]) { $1 })
        #expect(result.status == 64)
        #expect(result.error.contains("STIGG_API_KEY") && result.error.contains("blank"), "\(result.error)")
    }

    @Test("--api-key-file: empty or blank exits 64; unreadable names the OS reason; the key is trimmed")
    func keyFile() throws {
        for contents in ["", " \n"] {
            let path = try scratch.write("key", contents)
            let result = try runBinary(["--api-key-file", path], environment: base)
            #expect(result.status == 64)
            #expect(result.error.contains("--api-key-file") && result.error.contains("empty or blank"), "\(result.error)")
        }
        let missing = try runBinary(["--api-key-file", scratch.path("nope")], environment: base)
        #expect(missing.status == 64)
        #expect(missing.error.contains(scratch.path("nope")) && missing.error.contains("No such file or directory"), "\(missing.error)")
        #expect(try SidecarConfig.apiKey(fromFile: try scratch.write("key", "  sk-123\n")) == "sk-123")
    }

    @Test("an unknown SIDECAR_ variable is found with the setting it most likely meant")
    func unknownVariables() {
        let found = SidecarConfig.unknownSettings(in: [
            "SIDECAR_PROT": "9", "SIDECAR_REFRESH_INTERVL": "5s", "SIDECAR_PORT": "1", "HOME": "/root", "STIGG_API_KEY": "k",
        ])
        #expect(found.map(\.name) == ["SIDECAR_PROT", "SIDECAR_REFRESH_INTERVL"])
        #expect(found.map(\.closest) == ["SIDECAR_PORT", "SIDECAR_REFRESH_INTERVAL"])
    }

    @Test("the sidecar warns about an unknown SIDECAR_ variable at start and runs on")
    func unknownVariableWarning() throws {
        let sidecar = try SidecarProcess(environment: ["SIDECAR_PROT": "9", "SIDECAR_DB_PATH": scratch.path("db.sqlite")])
        #expect(sidecar.logText.contains("SIDECAR_PROT") && sidecar.logText.contains("closest=SIDECAR_PORT"), "\(sidecar.logText)")
        #expect(try runBinary(["health", "--port", String(sidecar.port)]).status == 0, "it runs on")
        sidecar.terminate()
        #expect(sidecar.waitForExit() == 0)
    }

    @Test("a database in a missing directory: exit 64 naming SIDECAR_DB_PATH, the value and the OS reason")
    func databaseDirectoryMissing() throws {
        let db = scratch.path("missing/db.sqlite")
        let result = try runBinary([], environment: base.merging(["SIDECAR_DB_PATH": db]) { $1 })
        #expect(result.status == 64)
        #expect(result.error.contains("SIDECAR_DB_PATH=\"\(db)\"") && result.error.contains("No such file or directory"), "\(result.error)")
        #expect(!result.error.contains("SQLITE_CANTOPEN"))
    }

    @Test("a database path whose directory is a file, or which is a directory, is refused before opening")
    func databasePathShapes() throws {
        var config = SidecarConfig()
        config.dbPath = try scratch.write("file", "x") + "/db.sqlite"
        #expect(throws: ConfigError.self) { try config.checkDatabasePath() }
        do { try config.checkDatabasePath() } catch { #expect(error.key == "SIDECAR_DB_PATH" && error.description.contains("Not a directory"), "\(error)") }
        config.dbPath = scratch.url.path
        do { try config.checkDatabasePath() } catch { #expect(error.description.contains("is a directory"), "\(error)") }
        config.dbPath = scratch.path("fine.sqlite")
        #expect(throws: Never.self) { try config.checkDatabasePath() }
    }

    @Test("a database in a read-only directory: exit 64 with the OS reason", .enabled(if: canDropPrivileges))
    func databaseDirectoryReadOnly() throws {
        let directory = scratch.path("ro")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o555])
        defer { chmod(directory, 0o755) }
        let result = try runUnprivileged([], environment: base.merging(["SIDECAR_DB_PATH": directory + "/db.sqlite"]) { $1 })
        #expect(result.status == 64)
        #expect(result.error.contains("SIDECAR_DB_PATH=\"\(directory)/db.sqlite\"") && result.error.contains("not writable (Permission denied)"), "\(result.error)")
    }

    @Test("SIDECAR_CONFIG naming a directory or a missing file: the setting, the value and the OS reason")
    func configFileProblems() throws {
        for (path, reason) in [(scratch.url.path, "Is a directory"), (scratch.path("none.json"), "No such file or directory")] {
            let result = try runBinary([], environment: base.merging(["SIDECAR_CONFIG": path]) { $1 })
            #expect(result.status == 64)
            #expect(result.error.contains("SIDECAR_CONFIG=\"\(path)\"") && result.error.contains(reason), "\(result.error)")
            #expect(!result.error.contains("NSCocoaErrorDomain"))
        }
    }

    @Test("an unreadable SIDECAR_CONFIG file: Permission denied", .enabled(if: canDropPrivileges))
    func configFileUnreadable() throws {
        let path = try scratch.write("secret.json", "{}")
        chmod(path, 0o000)
        let result = try runUnprivileged([], environment: base.merging(["SIDECAR_CONFIG": path]) { $1 })
        #expect(result.status == 64)
        #expect(result.error.contains("SIDECAR_CONFIG=\"\(path)\"") && result.error.contains("Permission denied"), "\(result.error)")
    }

    @Test("a port in use: exit 1 naming SIDECAR_HOST and SIDECAR_PORT with the value")
    func portInUse() throws {
        let first = try SidecarProcess(environment: ["SIDECAR_DB_PATH": scratch.path("first.sqlite")])
        defer { first.terminate(); _ = first.waitForExit() }
        let result = try runBinary(["--port", String(first.port)], environment: ["SIDECAR_DB_PATH": scratch.path("second.sqlite")])
        #expect(result.status == 1)
        #expect(result.error.contains("SIDECAR_HOST=127.0.0.1 SIDECAR_PORT=\(first.port)"), "\(result.error)")
        #expect(result.error.contains("in use"), "the OS reason: \(result.error)")
    }
}
