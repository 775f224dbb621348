#!/bin/sh
# mem.tmb's "memcpy" and "memset" against a plain C loop over glibc (bench/memcpy_ref.c),
# same buffer size, run alternately so that drift of the (shared) machine hits both.
# Target: ratio tinyben / reference within 0.97 .. 1.03. Every sample of all rounds is pooled;
# medians and bests are compared (on a busy machine the best is the steadier estimate).
# Usage: bench/memcpy-vs-glibc.sh [BUILD_DIR]   env: SIZE_MIB (32) ROUNDS (5) REPS (5)
#        TINYBEN (default BUILD_DIR/tinyben)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
tb=${TINYBEN:-$build/tinyben}
[ -x "$tb" ] || { echo "$tb: not built (ninja -C build)" >&2; exit 2; }
size=${SIZE_MIB:-32}
rounds=${ROUNDS:-5}
reps=${REPS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Static like tinyben, so both call the same glibc routine picked by the same IFUNC.
cc -O2 -static -o "$tmp/ref" "$here/memcpy_ref.c"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "# $(date -u +%FT%TZ) size=${size}MiB rounds=$rounds reps=$reps load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
	for fn in memcpy memset; do
		"$tmp/ref" "$fn" "$size" "$reps" >>"$tmp/ref.$fn"
		"$tb" run -q -b "mem.tmb:$fn" -r "$reps" --set "mem.tmb.size_mib=$size" \
			-o "$tmp/tb.csv" --force ||
			{ rc=$?; [ "$rc" -ne 130 ] || exit 130
			  echo "tinyben run -b mem.tmb:$fn failed (exit $rc)" >&2; exit 1; }
		awk -F, 'NR>1 && $14=="bw" && $19=="ok" {print $18}' "$tmp/tb.csv" >>"$tmp/tb.$fn"
	done
done
for fn in memcpy memset; do
	[ -s "$tmp/tb.$fn" ] || { echo "tinyben wrote no ok bw rows for mem.tmb:$fn" >&2; exit 1; }
done
best() { sort -g | tail -1; }
printf '%-8s %10s %10s %10s %10s %8s %8s\n' fn ref_med ref_best tb_med tb_best r_med r_best
for fn in memcpy memset; do
	a=$(median <"$tmp/ref.$fn"); ab=$(best <"$tmp/ref.$fn")
	b=$(median <"$tmp/tb.$fn"); bb=$(best <"$tmp/tb.$fn")
	printf '%-8s %10.1f %10.1f %10.1f %10.1f %8.3f %8.3f  (n=%d/%d, MB/s = 10^6 B/s)\n' "$fn" \
		"$a" "$ab" "$b" "$bb" "$(echo "$b $a" | awk '{print $1/$2}')" \
		"$(echo "$bb $ab" | awk '{print $1/$2}')" "$(wc -l <"$tmp/ref.$fn")" "$(wc -l <"$tmp/tb.$fn")"
done
