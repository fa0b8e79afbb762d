#!/usr/bin/env bash
# The official Stigg Python SDK against the sidecar's Stigg-compatible routes. Makes a venv
# (kept in .venv-sdk between runs), installs the SDK from PyPI, runs Tests/compat.
# Expects a built debug binary (scripts/test.sh builds it first).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${SIDECAR_BINARY:-$(swift build --show-bin-path)/entitlement-sidecar}
[ -x "$binary" ] || { echo "no sidecar binary at $binary; run swift build first" >&2; exit 1; }
. scripts/lib.sh
ensure_python_venv
.venv-sdk/bin/python Tests/compat/stigg_sdk_check.py "$binary" "$PWD"
