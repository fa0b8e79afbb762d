#!/usr/bin/env bash
# Runs every test: the Swift suites, then the official Stigg Python SDK against the sidecar.
# Installs what is missing first (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_build_deps
apt_install curl
swift build --build-tests
# Serially: many suites drive real sockets with blocking reads, and on a 2-core machine Swift
# Testing's cooperative pool has 2 threads, so suites running side by side starve each other
# and the timing assertions (timeouts, slow clients, upstream deadlines) measure the pool
# instead of the code. 195 tests take about 25 s this way.
swift test --no-parallel "$@"
scripts/sdk-compat-test.sh
