#!/usr/bin/env bash
# First README command: install what the build and the default suite need, build the static
# tinyben, run the quick suite. CSV goes to stdout, progress and the summary to stderr; extra
# arguments go to `tinyben run` (e.g. -o plain.csv). A failing step prints its own error.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
scripts/install-deps.sh --run
log=build/setup.log
mkdir -p build
if [ ! -f build/build.ninja ]; then
	# A set-up that failed half-way leaves meson-private behind: start that one again cleanly.
	wipe=(); [ -d build/meson-private ] && wipe=(--wipe)
	tb_step "meson setup" "$log" meson setup "${wipe[@]}" build
fi
tb_step "ninja" "$log" ninja -C build
exec build/tinyben run --quick "$@"
