#!/bin/sh
# mem.tmb's "memcpy" and "memset" against a plain C loop over glibc (bench/memcpy_ref.c),
# same buffer size, run alternately so that drift of the (shared) machine hits both.
# Target: ratio tinyben / reference within 0.97 .. 1.03.
# Usage: bench/memcpy-vs-glibc.sh [BUILD_DIR]   env: SIZE_MIB (32) ROUNDS (5) REPS (5)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
tb=$build/tinyben
size=${SIZE_MIB:-32}
rounds=${ROUNDS:-5}
reps=${REPS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# Static like tinyben, so both call the same glibc routine picked by the same IFUNC.
cc -O2 -static -o "$tmp/ref" "$here/memcpy_ref.c"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "# $(date -u +%FT%TZ) size=${size}MiB rounds=$rounds reps=$reps load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
	for fn in memcpy memset; do
		"$tmp/ref" "$fn" "$size" "$reps" | median >>"$tmp/ref.$fn"
		"$tb" run -b "mem.tmb:$fn" -r "$reps" --set "mem.tmb.size_mib=$size" 2>/dev/null |
			awk -F, 'NR>1 && $14=="bandwidth" {print $18}' | median >>"$tmp/tb.$fn"
	done
done
printf '%-8s %12s %12s %8s\n' fn ref_MB/s tinyben_MB/s ratio
for fn in memcpy memset; do
	ref=$(median <"$tmp/ref.$fn")
	tbv=$(median <"$tmp/tb.$fn")
	printf '%-8s %12.1f %12.1f %8.3f   rounds ref: %s  tinyben: %s\n' "$fn" "$ref" "$tbv" \
		"$(echo "$tbv $ref" | awk '{print $1/$2}')" \
		"$(tr '\n' ' ' <"$tmp/ref.$fn")" "$(tr '\n' ' ' <"$tmp/tb.$fn")"
done
