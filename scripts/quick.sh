#!/usr/bin/env bash
# First README command: install build dependencies, build the static tinyben, run the quick suite.
# CSV goes to stdout, progress and the summary to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build-only
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
exec build/tinyben run --quick "$@"
