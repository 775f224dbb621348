#!/bin/sh
# cpu.exits' getppid and clock_gettime against `perf bench syscall basic` (getppid) and a
# trivial C loop (bench/exits-ref.c), alternating, several rounds; medians and ratios.
# usage: bench/exits-vs-ref.sh [ROUNDS]        (env: TINYBEN, N calls per reference loop)
set -eu
. "$(dirname "$0")/lib.sh"
ROUNDS=${1:-5}
bench_positive ROUNDS "$ROUNDS"
bench_tinyben
bench_knobs N=2000000
bench_workdir
cc -O2 -o "$work/ref" "$bench_here/exits-ref.c"
have_perf=0
perf bench syscall basic -l 1000 >/dev/null 2>&1 && have_perf=1
res=$work/res
: > "$res"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	if [ "$have_perf" = 1 ]; then
		perf bench syscall basic -l "$N" 2>&1 | awk '/usecs\/op/ { print "perf getppid", $1 * 1000 }' >> "$res"
	fi
	"$work/ref" "$N" | sed 's/^/ref /' >> "$res"
	"$TINYBEN" run -q -b 'cpu.exits:getppid,cpu.exits:clock_gettime' -r 3 -o "$work/tb.csv" --force
	python3 - "$work/tb.csv" >> "$res" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r["status"] == "ok"
        and r["metric"] == "ns_per_op"]
for v in ("getppid", "clock_gettime"):
    print("tb", v, statistics.median(float(r["value"]) for r in rows if r["variant"] == v))
PY
	r=$((r + 1))
done
python3 - "$res" <<'PY'
import statistics, sys
d = {}
for line in open(sys.argv[1]):
    tool, v, x = line.split()
    d.setdefault((tool, v), []).append(float(x))
m = {k: statistics.median(x) for k, x in d.items()}
for v in ("getppid", "clock_gettime"):
    tb = m[("tb", v)]
    out = f"{v:14} tinyben {tb:9.2f} ns   C loop {m[('ref', v)]:9.2f} ns (tb/ref {tb / m[('ref', v)]:.3f})"
    if ("perf", v) in m:
        out += f"   perf bench {m[('perf', v)]:9.2f} ns (tb/perf {tb / m[('perf', v)]:.3f})"
    print(out)
print(f"(medians of {len(d[('tb', 'getppid')])} rounds, ns per call; tinyben subtracts its loop overhead)")
PY
