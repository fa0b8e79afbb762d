#!/usr/bin/env bash
# Runs every test: the Swift suites, the official Stigg Python SDK against the sidecar, and
# the outbox crash test.
# Installs what is missing first (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_build_deps
apt_install curl
# Python with prometheus_client for the /metrics test, and the Stigg SDK for the check below.
ensure_python_venv
swift build --build-tests
# Serially: many suites drive real sockets with blocking reads, and on a 2-core machine Swift
# Testing's cooperative pool has 2 threads, so suites running side by side starve each other
# and the timing assertions (timeouts, slow clients, upstream deadlines) measure the pool
# instead of the code. 264 tests take about 26 s this way.
swift test --no-parallel "$@"
scripts/sdk-compat-test.sh
# kill -9 during usage intake and forwarding, 20 cycles (about 40 s): nothing acknowledged is
# lost or counted twice upstream.
scripts/crash-test 20
# Each parser's fuzz target for 8 s (seeds and fixed findings replayed first), about 2 minutes with the build.
scripts/fuzz 8
