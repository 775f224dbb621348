#!/bin/sh
# mem.tmb's spread: CV across repetitions per variant (target <= 2% on a quiet machine), and
# the best copy variant against mbw's MEMCPY at the same buffer size, run alternately.
# Usage: bench/tmb-cv.sh [BUILD_DIR]   env: SIZE_MIB (32) REPS (10) ROUNDS (3)
set -eu
. "$(dirname "$0")/lib.sh"
bench_tinyben "${1:+$1/tinyben}"
tb=$TINYBEN
bench_knobs SIZE_MIB=32 REPS=10 ROUNDS=3
bench_workdir

bench_header "size=${SIZE_MIB}MiB reps=$REPS rounds=$ROUNDS" "tinyben: $tb run -b mem.tmb -r $REPS --set mem.tmb.size_mib=$SIZE_MIB" \
	"mbw:     mbw -q -n 10 -t0 $SIZE_MIB   (MiB/s x 1.048576 = MB/s; iteration 0 left out)"
for r in $(seq "$ROUNDS"); do
	"$tb" run -b mem.tmb -r "$REPS" --set "mem.tmb.size_mib=$SIZE_MIB" 2>/dev/null |
		awk -F, 'NR>1 && $14=="bw" {print $13, $18}' >"$work/tb.$r"
	# A pipeline's status is its last command's: no rows is how a failed run shows here.
	[ -s "$work/tb.$r" ] || { echo "$tb run -b mem.tmb wrote no rows" >&2; exit 1; }
	if command -v mbw >/dev/null; then
		mbw -q -n 10 -t0 "$SIZE_MIB" |
			awk '$1 ~ /^[0-9]+$/ && $1 > 0 && $3 == "MEMCPY" {print $9 * 1.048576}' |
			median >>"$work/mbw"
	fi
done
# CV per variant and round (the spread the issue bounds), then the median of the rounds.
for r in $(seq "$ROUNDS"); do
	awk '{n[$1]++; s[$1]+=$2; q[$1]+=$2*$2; if (!($1 in o)) o[$1]=++k}
	     END {for (v in n) {m=s[v]/n[v]; sd=sqrt((q[v]-n[v]*m*m)/(n[v]-1)); printf "%d %s %.1f %.2f\n", o[v], v, m, 100*sd/m}}' \
		"$work/tb.$r"
done | sort -n | awk '{cv[$2]=cv[$2] " " $4; mean[$2]=mean[$2] " " $3; ord[$2]=$1}
	END {for (v in cv) print ord[v], v, mean[v], "|", cv[v]}' | sort -n |
	awk '{printf "%-18s mean MB/s per round:", $2; i=3; while ($i != "|") {printf " %s", $i; i++}
	      printf "   CV%% per round:"; i++; for (; i<=NF; i++) printf " %s", $i; print ""}'
best=$(cat "$work"/tb.* | awk '$1 ~ /copy/ {s[$1]+=$2; n[$1]++} END {for (v in s) print s[v]/n[v], v}' | sort -g | tail -1)
echo "best copy variant (mean): $best MB/s"
if [ -s "$work/mbw" ]; then
	m=$(median <"$work/mbw")
	echo "mbw MEMCPY median: $m MB/s; best/mbw = $(echo "$best $m" | awk '{printf "%.3f", $1/$3}')"
fi
