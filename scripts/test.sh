#!/usr/bin/env bash
# Second README command: install dependencies, build, pass the whole test suite.
# Extra arguments go to `meson test` (e.g. --suite mem).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
scripts/install-deps.sh
log=build/setup.log
mkdir -p build
if [ -f build/build.ninja ]; then
	# A build set up by quick.sh saw only the build packages: look again for what the tests
	# added (libfuse3 for the attestation emulators), or their tests would skip.
	tb_step "meson setup --reconfigure" "$log" meson setup --reconfigure build
else
	# A set-up that failed half-way leaves meson-private behind: start that one again cleanly.
	wipe=(); [ -d build/meson-private ] && wipe=(--wipe)
	tb_step "meson setup" "$log" meson setup "${wipe[@]}" build
fi
tb_step "ninja" "$log" ninja -C build
file build/tinyben | grep -q 'statically linked' || { echo "tinyben: build/tinyben is not statically linked" >&2; exit 1; }
# The cloud suite builds a Debian guest image and boots it (about 10 minutes under TCG): it runs
# on its own, `meson test -C build --suite cloud` (CI does, in its fresh root), unless asked here.
[ $# -gt 0 ] || set -- --no-suite cloud
meson test -C build --print-errorlogs "$@"
