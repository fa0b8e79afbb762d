#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSidecarShims

extension HTTPServerSettings {
    /// CPUs this process may run on, so a server pinned with `taskset` runs one loop per core.
    public static func availableCPUs() -> Int {
        let pinned = Int(sidecar_affinity_cpu_count())
        return pinned > 0 ? pinned : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
