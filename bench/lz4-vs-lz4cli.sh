#!/bin/sh
# cpu.lz4 against Debian's `lz4 -b` on the very same bytes: alternating, several rounds.
#
# usage: bench/lz4-vs-lz4cli.sh [ROUNDS]     (env: TINYBEN, SIZE_MIB, LEVELS, SECS, CORPUS)
# `lz4 -bN -iS` reports the fastest ~1 s batch of at least S seconds of work; tinyben reports
# every repetition (each at least --min-time S), so both tinyben's best repetition (like for
# like) and its median are compared. `lz4 -b` prints progress with carriage returns: the
# last "MB/s , MB/s" pair of the output is the result (docs/DESIGN.md, known traps).
set -eu
. "$(dirname "$0")/lib.sh"
ROUNDS=${1:-3}
bench_positive ROUNDS "$ROUNDS"
bench_knobs SIZE_MIB=64 SECS=3
LEVELS=${LEVELS:-"1 9 12"}
bench_tools "apt-get install lz4" lz4
bench_tinyben

bench_workdir
if [ -n "${CORPUS:-}" ]; then
	corpus=$CORPUS
else
	corpus=$work/corpus.bin
	"$TINYBEN" corpus -o "$corpus" --size "$SIZE_MIB" >&2
fi
lz4 --version 2>&1 | head -1 >&2
echo "corpus: $corpus ($(wc -c < "$corpus") bytes), $ROUNDS rounds, lz4 -i$SECS," \
	"tinyben --min-time 1 -r $SECS" >&2

res=$work/results.txt
: > "$res"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for L in $LEVELS; do
		# lz4 -b: "... (ratio), C MB/s , D MB/s" after the last carriage return.
		line=$(lz4 -b"$L" -i"$SECS" "$corpus" 2>&1 | tr '\r' '\n' | grep 'MB/s ,' | tail -1)
		echo "$line" | sed -n 's/.*(\([0-9.]*\)), *\([0-9.]*\) MB\/s , *\([0-9.]*\) MB\/s.*/lz4 '"$L"' \1 \2 \3/p' >> "$res"
		"$TINYBEN" run -q -b "cpu.lz4:level$L" --corpus "$corpus" --min-time 1 -r "$SECS" \
			-o "$work/tb-$r-$L.csv"
		python3 - "$work/tb-$r-$L.csv" "$L" >> "$res" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r["status"] == "ok"]
def vals(m): return [float(r["value"]) for r in rows if r["metric"] == m]
c, d, ratio = vals("compress_bw"), vals("decompress_bw"), vals("ratio")
print("tb", sys.argv[2], ratio[0], max(c), max(d), statistics.median(c), statistics.median(d))
PY
		tail -2 "$res" | sed "s/^/round $r: /" >&2
	done
	r=$((r + 1))
done

python3 - "$res" "$LEVELS" <<'PY'
import statistics, sys
lz4, tb = {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    (lz4 if f[0] == "lz4" else tb).setdefault(f[1], []).append([float(x) for x in f[2:]])
med = lambda xs, i: statistics.median(x[i] for x in xs)
print("level  ratio lz4/tb      compress MB/s: lz4  tb best (x)  tb median (x)"
      "   decompress MB/s: lz4  tb best (x)  tb median (x)")
for L in sys.argv[2].split():
    a, b = lz4[L], tb[L]
    lc, ld, tc, td, tcm, tdm = med(a, 1), med(a, 2), med(b, 1), med(b, 2), med(b, 3), med(b, 4)
    print(f"{L:>5}  {med(a,0):.3f}/{med(b,0):.3f}   {lc:14.1f} {tc:8.1f} ({tc/lc:.3f}) {tcm:8.1f} ({tcm/lc:.3f})"
          f"   {ld:16.1f} {td:8.1f} ({td/ld:.3f}) {tdm:8.1f} ({tdm/ld:.3f})")
print("(medians over rounds; lz4 -b reports its fastest batch, so 'tb best' is like for like)")
PY
