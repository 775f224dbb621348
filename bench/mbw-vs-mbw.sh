#!/bin/sh
# mem.mbw against Debian's mbw, same array size, alternating method by method in one run.
# Prints, per method, the median of mbw's per-iteration figures (iteration 0 left out: mbw
# allocates its arrays with calloc, so its first copy also pays the page faults), mbw's own
# AVG line, tinyben's median copy_bw, and the ratio tinyben / mbw-median.
# Targets (issue 2): MEMCPY and MCBLOCK within 0.97 .. 1.03. DUMB: Debian's mbw binary turns
# its DUMB loop into a memcpy call (docs/DESIGN.md, "Known traps"), ours stays an element
# loop, so DUMB is compared with the reference experiments' real loop instead: their
# DUMB/MEMCPY was 5391/18394 = 0.293; ours must not be lower.
# Usage: bench/mbw-vs-mbw.sh [BUILD_DIR]   env: SIZE_MIB (1024) ROUNDS (5) ITERS (10)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
tb=$build/tinyben
size=${SIZE_MIB:-1024}
rounds=${ROUNDS:-5}
iters=${ITERS:-10}
command -v mbw >/dev/null || { echo "mbw not installed (apt-get install mbw)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "# $(date -u +%FT%TZ) size=${size}MiB rounds=$rounds mbw -n $iters; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# mbw:     mbw -q -n $iters -t{0,1,2} $size"
echo "# tinyben: $tb run -b mem.mbw:METHOD -r 5 --set mem.mbw.size_mib=$size"
for r in $(seq "$rounds"); do
	t=0
	for m in MEMCPY DUMB MCBLOCK; do
		mbw -q -n "$iters" -t"$t" "$size" >"$tmp/out"
		awk -v m="$m" '$1 ~ /^[0-9]+$/ && $1 > 0 && $3 == m {print $9}' "$tmp/out" |
			median >>"$tmp/mbw.$m"
		awk -v m="$m" '$1 == "AVG" && $3 == m {print $9}' "$tmp/out" >>"$tmp/mbwavg.$m"
		"$tb" run -b "mem.mbw:$m" -r 5 --set "mem.mbw.size_mib=$size" 2>/dev/null |
			awk -F, 'NR>1 && $14=="copy_bw" {print $18}' | median >>"$tmp/tb.$m"
		t=$((t + 1))
	done
done
printf '%-8s %14s %12s %14s %8s\n' method mbw_median mbw_AVG tinyben_median ratio
for m in MEMCPY DUMB MCBLOCK; do
	a=$(median <"$tmp/mbw.$m")
	avg=$(median <"$tmp/mbwavg.$m")
	b=$(median <"$tmp/tb.$m")
	printf '%-8s %14.1f %12.1f %14.1f %8.3f   rounds mbw: %s tinyben: %s\n' "$m" "$a" "$avg" "$b" \
		"$(echo "$b $a" | awk '{print $1/$2}')" \
		"$(tr '\n' ' ' <"$tmp/mbw.$m")" "$(tr '\n' ' ' <"$tmp/tb.$m")"
done
d=$(median <"$tmp/tb.DUMB")
c=$(median <"$tmp/tb.MEMCPY")
echo "tinyben DUMB/MEMCPY = $(echo "$d $c" | awk '{printf "%.3f", $1/$2}') (reference experiments' real loop: 0.293)"
