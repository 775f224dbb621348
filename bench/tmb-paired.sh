#!/bin/sh
# mem.tmb's kernels and tinymembench's in one process, on the same buffers, alternating window
# by window (bench/tmb_paired.c): whether the kernels match, with the load of a shared machine
# cancelled out of each paired ratio. Whole-run comparisons (bench/tmb-vs-tinymembench.sh)
# answer "do the two tools report the same?", which on a busy host swings by +-10-20 %.
#
# usage: TMB_SRC=DIR bench/tmb-paired.sh [KERNEL...]
#   TMB_SRC   a tinymembench source tree (github.com/ssvb/tinymembench); built in a temporary
#             directory with this tree's src/mem/tmb_kernels.c, never committed
#   env: WINDOWS (80), CALLS (10 calls a window), SIZE_MIB (32: 320 MiB moved a window)
# Prints per kernel the median of the paired ratios tinyben / tinymembench (bandwidth; above 1
# means ours is faster), its quartiles, best/best and median/median, and both MB/s.
# Exit: 0; 1 a build or run failed; 2 bad usage; 130 interrupted.
set -eu
usage() { echo "usage: TMB_SRC=DIR $0 [KERNEL...]" >&2; exit 2; }
case ${1:-} in -h|--help) usage ;; esac
[ -n "${TMB_SRC:-}" ] || { echo "tmb-paired: set TMB_SRC to a tinymembench source tree" >&2; usage; }
for f in util.c util.h x86-sse2.S x86-sse2.h; do
	[ -f "$TMB_SRC/$f" ] || { echo "tmb-paired: $TMB_SRC/$f: no such file (not a tinymembench tree?)" >&2; exit 2; }
done
. "$(dirname "$0")/lib.sh"
bench_knobs WINDOWS=80 CALLS=10 SIZE_MIB=32
bench_workdir
# tinymembench's own flags for its objects (its Makefile: -O2); ours as meson builds them
# (-O2 via buildtype=release is what the static binary uses; -O3 is not used for kernels).
cc -O2 -c -o "$work/util.o" "$TMB_SRC/util.c" 2>"$work/build.log" &&
	cc -O2 -c -o "$work/sse2.o" "$TMB_SRC/x86-sse2.S" 2>>"$work/build.log" &&
	cc -O2 -std=gnu11 -I"$bench_root/src" -I"$bench_root/include" -c -o "$work/kernels.o" "$bench_root/src/mem/tmb_kernels.c" \
		2>>"$work/build.log" &&
	cc -O2 -std=gnu11 -I"$bench_root/src" -I"$bench_root/include" -I"$TMB_SRC" -o "$work/tmb_paired" "$bench_here/tmb_paired.c" \
		"$work/kernels.o" "$work/util.o" "$work/sse2.o" -lm 2>>"$work/build.log" ||
	{ echo "tmb-paired: build failed:" >&2; cat "$work/build.log" >&2; exit 1; }
bench_header "windows=$WINDOWS calls=$CALLS size=${SIZE_MIB}MiB"
"$work/tmb_paired" "$WINDOWS" "$CALLS" "$SIZE_MIB" "$@" || { rc=$?; [ "$rc" -eq 2 ] && exit 2; exit 1; }
