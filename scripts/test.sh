#!/usr/bin/env bash
# Runs every test: the Swift suites, the official Stigg Python SDK against the sidecar,
# schemathesis against docs/openapi.yaml, the documented commands, the client examples, and
# the outbox crash test.
# Installs what is missing first (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_build_deps
apt_install curl
# redis-server for the Redis client and fleet tests (each starts its own on a free port).
ensure_redis
# promtool checks /metrics and config/prometheus (PromtoolTests).
ensure_promtool
# Python with prometheus_client for the /metrics test, the Stigg SDK for the check below and
# schemathesis for the OpenAPI check.
ensure_python_venv
# The module layering of DESIGN.md §2: no import that the design does not allow.
scripts/check-imports
swift build --build-tests
# Serially: many suites drive real sockets with blocking reads, and on a 2-core machine Swift
# Testing's cooperative pool has 2 threads, so suites running side by side starve each other
# and the timing assertions (timeouts, slow clients, upstream deadlines) measure the pool
# instead of the code. 287 tests take about 31 s this way.
swift test --no-parallel "$@"
scripts/sdk-compat-test.sh
# docs/openapi.yaml against a live offline sidecar: no 5xx, every response conforms.
scripts/check-openapi
# docs/examples (the official Python SDK and plain-HTTP Node) against a live offline sidecar.
scripts/check-examples
# The shell commands of README.md and docs/*.md, run against live servers (or skipped, with why).
scripts/check-docs
# kill -9 during usage intake and forwarding, 20 cycles (about 40 s): nothing acknowledged is
# lost or counted twice upstream.
scripts/crash-test 20
# Each parser's fuzz target for 8 s (seeds and fixed findings replayed first), about 2 minutes with the build.
scripts/fuzz 8
