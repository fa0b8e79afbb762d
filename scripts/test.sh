#!/usr/bin/env bash
# Runs every test: the Swift suites, then the official Stigg Python SDK against the sidecar.
# Installs what is missing first (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_build_deps
apt_install curl
swift build --build-tests
swift test "$@"
scripts/sdk-compat-test.sh
