#!/usr/bin/env bash
# Builds release and runs the sidecar in the foreground (Ctrl-C or SIGTERM stops it).
# Arguments are passed on: scripts/run.sh --port 9000
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_build_deps
swift build -c release
exec .build/release/entitlement-sidecar "$@"
