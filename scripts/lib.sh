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
    apt_install libsqlite3-dev libcurl4-openssl-dev pkg-config
}

ensure_redis() {
    # The SidecarRedis tests start their own redis-server (Debian's) on a free loopback port.
    apt_install redis-server
}

ensure_python_venv() {
    # .venv-sdk (kept between runs, git-ignored): the official Stigg SDK for the compatibility
    # check and docs/examples, prometheus_client, the real Prometheus text parser the /metrics
    # test uses, and schemathesis, which checks the sidecar against docs/openapi.yaml.
    if [ ! -x .venv-sdk/bin/python ]; then
        python3 -m venv .venv-sdk || { apt_install python3-venv; python3 -m venv .venv-sdk; }
    fi
    .venv-sdk/bin/pip install --quiet --disable-pip-version-check --upgrade --pre stigg prometheus_client schemathesis
}

ensure_promtool() {
    # promtool (Debian's prometheus package) checks /metrics and config/prometheus. Without the
    # recommended node exporter and its collectors: only the tool is needed.
    if ! command -v promtool >/dev/null; then
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        echo "installing: prometheus (for promtool)" >&2
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    fi
}
