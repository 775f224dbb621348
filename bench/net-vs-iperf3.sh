#!/bin/sh
# io.net against the tools people trust, on loopback, alternating (who goes first flips every
# round): stream-send against `iperf3 -c` with 1 and 4 streams (-P), the same duration and the
# same 128 KiB writes; rr's p50 against `sockperf ping-pong --tcp`, both with 64-byte
# messages (sockperf's smallest is 14 bytes). sockperf prints half the round trip (its
# "latency"); io.net's rr latency is the whole round trip: the table doubles sockperf's.
# Ratios: stream MB/s tinyben / iperf3 (target >= 0.95), rr p50 tinyben / sockperf (target
# within 0.95-1.05). Each tool talks to its own server in another process, as a user runs
# them (`tinyben serve`, `iperf3 -s`, `sockperf server`, started here on free loopback ports,
# stopped at the end). On a shared machine throughput moves with the CPU share a tool gets;
# the CPU seconds per GB moved (client + server, from /proc) move much less: they are printed
# beside the ratios, and are what tells whether one tool does more work per byte.
#
# usage: bench/net-vs-iperf3.sh [ROUNDS] [SECONDS]       (defaults: 5 rounds, 3 s per test)
# env:   TINYBEN (default build/tinyben)
# Exit: 0; 1 a tool failed; 2 bad usage or a tool missing; 130 interrupted.
set -eu
. "$(dirname "$0")/lib.sh"
ROUNDS=${1:-5}
SECONDS_=${2:-3}
bench_positive ROUNDS "$ROUNDS"
bench_positive SECONDS "$SECONDS_"
bench_tools scripts/install-deps.sh iperf3 sockperf python3
bench_tinyben
bench_workdir
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
iperf_port=$(free_port)
sockperf_port=$(free_port)
serve_port=$(free_port)
"$TINYBEN" serve --listen "127.0.0.1:$serve_port" 2>"$work/serve.log" &
serve_pid=$!
bench_pids="$bench_pids $!"
iperf3 -s -B 127.0.0.1 -p "$iperf_port" >"$work/iperf3-server.log" 2>&1 &
iperf_pid=$!
bench_pids="$bench_pids $!"
sockperf server --tcp -i 127.0.0.1 -p "$sockperf_port" >"$work/sockperf-server.log" 2>&1 &
bench_pids="$bench_pids $!"
sleep 0.5
echo "# $(iperf3 --version | head -1); $(sockperf --version 2>&1 | head -1); $("$TINYBEN" --version); $(nproc) CPUs"
echo "# load average before: $(bench_load)"

results=$work/results.tsv   # test value cpu_s_per_GB
hz=$(getconf CLK_TCK)
server_cpu() { awk -v hz="$hz" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
# Runs a client, its user+system seconds into $work/client.cpu.
timed() {
	python3 -c 'import os, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
t = os.times()
open(sys.argv[1], "w").write(f"{t.children_user + t.children_system}\n")
sys.exit(rc)' "$work/client.cpu" "$@"
}
# CPU seconds per GB of one run: client + server (the server's /proc counters around it).
per_gb() {  # server_cpu_before server_cpu_after bytes
	python3 -c 'import sys; c = float(open(sys.argv[1]).read()); s = float(sys.argv[3]) - float(sys.argv[2])
print((c + s) / (int(sys.argv[4]) / 1e9))' "$work/client.cpu" "$1" "$2" "$3"
}
iperf() {  # P
	c0=$(server_cpu "$iperf_pid")
	timed iperf3 -c 127.0.0.1 -p "$iperf_port" -P "$1" -t "$SECONDS_" -l 128K -J >"$work/iperf.json" ||
		{ echo "iperf3 -P $1 failed" >&2; cat "$work/iperf.json" >&2; exit 1; }
	c1=$(server_cpu "$iperf_pid")
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
bps = d["end"]["sum_sent"]["bits_per_second"]
print(f"iperf3-p{sys.argv[2]}\t{bps / 8e6}\t", end="")
print(d["end"]["sum_sent"]["bytes"], file=open(sys.argv[3], "w"))' \
		"$work/iperf.json" "$1" "$work/bytes" >>"$results"
	per_gb "$c0" "$c1" "$(cat "$work/bytes")" >>"$results"
}
sockperf_rr() {
	sockperf ping-pong --tcp -i 127.0.0.1 -p "$sockperf_port" -t "$SECONDS_" -m 64 \
		>"$work/sockperf.out" 2>&1 || { echo "sockperf failed" >&2; cat "$work/sockperf.out" >&2; exit 1; }
	# "percentile 50.000 =    8.726": half the round trip, in us
	awk '/percentile 50.000 =/ {print "sockperf-rr\t" 2 * $NF "\t-"}' "$work/sockperf.out" >>"$results"
}
tb() {  # variant label
	c0=$(server_cpu "$serve_pid")
	timed "$TINYBEN" run -q -r 1 -b "io.net:$1" --peer "127.0.0.1:$serve_port" --set io.net.runtime_ms="${SECONDS_}000" \
		--set io.net.ramp_ms=0 --set io.net.msg_bytes=64 -o "$work/tb.csv" --force ||
		{ echo "tinyben io.net:$1 failed" >&2; exit 1; }
	c1=$(server_cpu "$serve_pid")
	python3 -c 'import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["status"] == "ok"]
m = "latency_p50" if sys.argv[2] == "rr" else "bw"
r = [r for r in rows if r["metric"] == m][0]
print(sys.argv[3] + "\t" + r["value"] + "\t", end="")
d = dict(kv.split("=", 1) for kv in r["detail"].split() if "=" in kv)
print(d.get("bytes", 0), file=open(sys.argv[4], "w"))' \
		"$work/tb.csv" "$1" "$2" "$work/bytes" >>"$results"
	if [ "$1" = rr ]; then echo - >>"$results"; else per_gb "$c0" "$c1" "$(cat "$work/bytes")" >>"$results"; fi
}

for round in $(seq "$ROUNDS"); do
	if [ $((round % 2)) = 1 ]; then
		iperf 1; tb stream-send tinyben-p1
		iperf 4; tb stream-send-p4 tinyben-p4
		sockperf_rr; tb rr tinyben-rr
	else
		tb stream-send tinyben-p1; iperf 1
		tb stream-send-p4 tinyben-p4; iperf 4
		tb rr tinyben-rr; sockperf_rr
	fi
	echo "round $round done" >&2
done
echo "# load average after: $(bench_load)"
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
v = lambda k, col=1: [float(r[col]) for r in rows if r[0] == k]
cv = lambda x: 100 * statistics.stdev(x) / statistics.mean(x) if len(x) > 1 else float("nan")
for label, ref, tb, unit in (("stream-p1", "iperf3-p1", "tinyben-p1", "MB/s"),
                             ("stream-p4", "iperf3-p4", "tinyben-p4", "MB/s"),
                             ("rr-p50", "sockperf-rr", "tinyben-rr", "us")):
    a, b = v(ref), v(tb)
    name = ref.split("-")[0]
    print(f"{label:10} {name} {statistics.median(a):.2f} {unit}  tinyben {statistics.median(b):.2f} "
          f"{unit}  ratio {statistics.median(b) / statistics.median(a):.3f}  "
          f"(CV {name} {cv(a):.1f} %, tinyben {cv(b):.1f} %; rounds {' '.join(f'{x:.1f}' for x in a)}"
          f" / {' '.join(f'{x:.1f}' for x in b)})")
    if unit == "MB/s":
        ca, cb = v(ref, 2), v(tb, 2)
        print(f"{label + '-cpu':10} {name} {statistics.median(ca):.3f} s/GB  tinyben "
              f"{statistics.median(cb):.3f} s/GB  ratio {statistics.median(cb) / statistics.median(ca):.3f}"
              f"  (CPU seconds per GB, client + server)")
print("medians of all rounds; ratio = tinyben / reference (streams: higher is better; rr-p50: the"
      " round trip, lower is better, sockperf's half round trip doubled; -cpu: CPU seconds per GB"
      " moved, lower is better)")
PY
