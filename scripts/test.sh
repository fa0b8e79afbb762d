#!/usr/bin/env bash
# Runs every test. Installs what is missing first (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_build_deps
apt_install curl
swift build --build-tests
swift test "$@"
