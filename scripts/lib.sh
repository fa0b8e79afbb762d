# Shared by the scripts: install what the build needs on Debian when it is missing.
# Sourced, not run.

apt_install() {
    # $@: Debian packages; installs only the missing ones.
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

ensure_build_deps() {
    command -v swift >/dev/null || { echo "swift is not on PATH (install the Swift 6 toolchain)" >&2; exit 1; }
    apt_install libsqlite3-dev pkg-config
}
