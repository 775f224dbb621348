#!/bin/sh
# io.uring against fio: 4 KiB random reads with O_DIRECT at QD 1 and QD 32, the same file
# size, runtime and warm-up, fio and tinyben alternating in every round (which one goes first
# alternates too), then the medians over the rounds and the ratios tinyben / fio.
# Targets (issue 6): IOPS >= 0.98 x fio, median completion latency <= 1.02 x fio.
#
# usage: bench/uring-vs-fio.sh [DIR] [SIZE] [RUNTIME_S] [ROUNDS]
#   DIR      file system to measure (default: .); needs room for two SIZE files (fio's and
#            tinyben's), both removed at the end
#   SIZE     file size, fio/tinyben suffixes (default 1G)
#   RUNTIME  seconds per job (default 5); ROUNDS (default 3)
# env TINYBEN (default build/tinyben), FIO (default fio).
set -eu
. "$(dirname "$0")/lib.sh"
DIR=${1:-.}
SIZE=${2:-1G}
RT=${3:-5}
ROUNDS=${4:-3}
bench_positive RUNTIME_S "$RT"
bench_positive ROUNDS "$ROUNDS"
case $SIZE in
[1-9]*[KMG] | [1-9]*) case ${SIZE%[KMG]} in *[!0-9]*) SIZE= ;; esac ;;
*) SIZE= ;;
esac
[ -n "$SIZE" ] || { echo "SIZE must be a whole number with an optional K, M or G (e.g. 1G)" >&2; exit 2; }
FIO=${FIO:-fio}
bench_tools "apt-get install fio" "$FIO"
bench_tinyben

bench_workdir "$DIR"
res="$work/results.txt"
: >"$res"

fio_job() { # qd -> "iops clat_p50_us"
	"$FIO" --name=tb --filename="$work/fio.dat" --size="$SIZE" --ioengine=io_uring \
		--direct=1 --bs=4k --iodepth="$1" --rw=randread --ramp_time=1 --runtime="$RT" \
		--time_based --output-format=json 2>/dev/null |
	python3 -c 'import json,sys
j=json.load(sys.stdin)["jobs"][0]["read"]
print(j["iops"], j["clat_ns"]["percentile"]["50.000000"]/1e3)'
}

tb_job() { # qd -> "iops clat_p50_us"
	"$TINYBEN" run -q -b "io.uring:randread-qd$1" -r 1 --dir "$work" \
		--set io.uring.size="$SIZE" --set io.uring.runtime_ms=$((RT * 1000)) \
		--set io.uring.ramp_ms=1000 |
	python3 -c 'import csv,sys
r={x["metric"]: float(x["value"]) for x in csv.DictReader(sys.stdin) if x["status"]=="ok"}
print(r["iops"], r["latency_p50"])'
}

echo "fio:     $("$FIO" --version)  --ioengine=io_uring --direct=1 --bs=4k --rw=randread --size=$SIZE --runtime=$RT --ramp_time=1"
echo "tinyben: $("$TINYBEN" --version)  -b io.uring:randread-qdN --set io.uring.size=$SIZE"
echo "dir:     $DIR ($(df -h "$DIR" | awk 'NR==2 {print $1 ", " $4 " free"}'))"
for round in $(seq 1 "$ROUNDS"); do
	for qd in 1 32; do
		if [ $((round % 2)) -eq 1 ]; then order="fio tinyben"; else order="tinyben fio"; fi
		for tool in $order; do
			if [ "$tool" = fio ]; then out=$(fio_job "$qd"); else out=$(tb_job "$qd"); fi
			echo "$tool $qd $out" >>"$res"
			echo "round $round qd $qd $tool: iops clat_p50_us = $out"
		done
	done
done

python3 - "$res" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print()
print(f"{'qd':>3} {'fio IOPS':>10} {'tb IOPS':>10} {'ratio':>6}   {'fio p50 us':>10} {'tb p50 us':>10} {'ratio':>6}")
for qd in ("1", "32"):
    med = {}
    for tool in ("fio", "tinyben"):
        r = [x for x in rows if x[0] == tool and x[1] == qd]
        med[tool] = (statistics.median(float(x[2]) for x in r), statistics.median(float(x[3]) for x in r))
    f, t = med["fio"], med["tinyben"]
    iops_ok = "ok" if t[0] / f[0] >= 0.98 else "BELOW"
    lat_ok = "ok" if t[1] / f[1] <= 1.02 else "ABOVE"
    print(f"{qd:>3} {f[0]:10.0f} {t[0]:10.0f} {t[0]/f[0]:6.3f} {iops_ok:5} {f[1]:10.1f} {t[1]:10.1f} {t[1]/f[1]:6.3f} {lat_ok}")
    # The two runs of one round are neighbours in time: their ratio cancels slow drift of
    # a shared host, so the median of per-round ratios is printed too.
    fr = [x for x in rows if x[0] == "fio" and x[1] == qd]
    tr = [x for x in rows if x[0] == "tinyben" and x[1] == qd]
    pi = statistics.median(float(b[2]) / float(a[2]) for a, b in zip(fr, tr))
    pl = statistics.median(float(b[3]) / float(a[3]) for a, b in zip(fr, tr))
    print(f"    median of per-round ratios: IOPS {pi:.3f}, p50 latency {pl:.3f}")
print("targets: IOPS ratio >= 0.98, median latency ratio <= 1.02 (medians over rounds)")
PY
