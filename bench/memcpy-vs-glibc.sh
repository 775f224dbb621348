#!/bin/sh
# mem.tmb's "memcpy" and "memset" against a plain C loop over glibc (bench/memcpy_ref.c),
# same buffer size, run alternately so that drift of the (shared) machine hits both.
# Target: ratio tinyben / reference within 0.97 .. 1.03. Every sample of all rounds is pooled;
# medians and bests are compared (on a busy machine the best is the steadier estimate).
# Usage: bench/memcpy-vs-glibc.sh [BUILD_DIR]   env: SIZE_MIB (32) ROUNDS (5) REPS (5)
#        TINYBEN (default BUILD_DIR/tinyben)
set -eu
. "$(dirname "$0")/lib.sh"
bench_tinyben "${1:-$bench_root/build}/tinyben"
bench_knobs SIZE_MIB=32 ROUNDS=5 REPS=5
bench_workdir
# Static like tinyben, so both call the same glibc routine picked by the same IFUNC.
cc -O2 -static -o "$work/ref" "$bench_here/memcpy_ref.c"

bench_header "size=${SIZE_MIB}MiB rounds=$ROUNDS reps=$REPS"
for r in $(seq "$ROUNDS"); do
	for fn in memcpy memset; do
		"$work/ref" "$fn" "$SIZE_MIB" "$REPS" >>"$work/ref.$fn"
		"$TINYBEN" run -q -b "mem.tmb:$fn" -r "$REPS" --set "mem.tmb.size_mib=$SIZE_MIB" \
			-o "$work/tb.csv" --force ||
			{ rc=$?; [ "$rc" -ne 130 ] || exit 130
			  echo "tinyben run -b mem.tmb:$fn failed (exit $rc)" >&2; exit 1; }
		bench_values bw "$work/tb.csv" >>"$work/tb.$fn"
	done
done
for fn in memcpy memset; do
	[ -s "$work/tb.$fn" ] || { echo "tinyben wrote no ok bw rows for mem.tmb:$fn" >&2; exit 1; }
done
printf '%-8s %10s %10s %10s %10s %8s %8s\n' fn ref_med ref_best tb_med tb_best r_med r_best
for fn in memcpy memset; do
	a=$(median <"$work/ref.$fn"); ab=$(best <"$work/ref.$fn")
	b=$(median <"$work/tb.$fn"); bb=$(best <"$work/tb.$fn")
	printf '%-8s %10.1f %10.1f %10.1f %10.1f %8.3f %8.3f  (n=%d/%d, MB/s = 10^6 B/s)\n' "$fn" \
		"$a" "$ab" "$b" "$bb" "$(ratio "$b" "$a")" "$(ratio "$bb" "$ab")" \
		"$(wc -l <"$work/ref.$fn")" "$(wc -l <"$work/tb.$fn")"
done
