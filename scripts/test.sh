#!/usr/bin/env bash
# Second README command: install dependencies, build, pass the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
file build/tinyben | grep -q 'statically linked' || { echo "tinyben is not statically linked" >&2; exit 1; }
meson test -C build --print-errorlogs "$@"
