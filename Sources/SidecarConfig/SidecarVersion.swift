/// The sidecar's version, the one place it is written: `entitlement-sidecar --version`,
/// `/status` and `sidecar_build_info` all read it.
public enum SidecarVersion {
    public static let current = "0.4.0"
}
