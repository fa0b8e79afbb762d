import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The standard `process_*` families (the names every Prometheus client library uses), read
/// from `/proc` at scrape time, so dashboards and alerts written for any exporter work here.
struct ProcessMetrics {
    var residentBytes: Double?
    var virtualBytes: Double?
    var cpuSeconds: Double?
    var startTimeSeconds: Double?
    var openFDs: Double?
    var maxFDs: Double?

    /// Reads `/proc/self/stat`, `/proc/stat` (boot time) and `/proc/self/fd`. A value that
    /// cannot be read is left out rather than reported as 0.
    static func read() -> ProcessMetrics {
        var metrics = ProcessMetrics()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            // Fields after "pid (comm)": the command name may hold spaces and parentheses, so
            // split after the last ')'. Field 3 (state) is the first of the rest.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
            if let user = field(14), let system = field(15), ticks > 0 { metrics.cpuSeconds = (user + system) / ticks }
            if let start = field(22), ticks > 0, let boot = bootTime() { metrics.startTimeSeconds = boot + start / ticks }
            metrics.virtualBytes = field(23)
            if let pages = field(24), pageSize > 0 { metrics.residentBytes = pages * pageSize }
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            // The listing itself holds one descriptor while it runs.
            metrics.openFDs = Double(max(0, entries.count - 1))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            metrics.maxFDs = Double(limit.rlim_cur)
        }
        return metrics
    }

    private static func bootTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    func render(into out: inout PrometheusText) {
        let families: [(String, PrometheusText.Kind, String, Double?)] = [
            ("process_cpu_seconds_total", .counter, "Total user and system CPU time spent in seconds.", cpuSeconds),
            ("process_resident_memory_bytes", .gauge, "Resident memory size in bytes.", residentBytes),
            ("process_virtual_memory_bytes", .gauge, "Virtual memory size in bytes.", virtualBytes),
            ("process_start_time_seconds", .gauge, "Start time of the process since unix epoch in seconds.", startTimeSeconds),
            ("process_open_fds", .gauge, "Number of open file descriptors.", openFDs),
            ("process_max_fds", .gauge, "Maximum number of open file descriptors.", maxFDs),
        ]
        for (name, kind, help, value) in families {
            guard let value else { continue }
            out.family(name, kind, help: help)
            out.sample(name, value)
        }
    }
}
