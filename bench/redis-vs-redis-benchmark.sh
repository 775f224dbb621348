#!/usr/bin/env bash
# io.redis against redis-benchmark: one redis-server on a private unix socket, then
# `redis-benchmark -c 50 -P P -n N -d 3 -t set,get --csv` and tinyben's io.redis with the same
# settings, alternating (who goes first flips every round), at P=1 and P=16.
# Prints every round, the medians, and the rps ratios tinyben / redis-benchmark (target >= 1.0).
#
# usage: bench/redis-vs-redis-benchmark.sh [ROUNDS] [N]      (defaults: 7 rounds, 100000 requests)
# env:   TINYBEN=path/to/tinyben (default build/tinyben), CLIENTS=50, DATA=3,
#        TRANSPORT=unix (default) or tcp (127.0.0.1 on a free port),
#        N16=requests at P=16 (default N; at P=16, 100000 requests last only ~0.1 s, so one
#        scheduling hiccup on a busy machine moves the figure: a larger N16 steadies it)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$bench_root"
ROUNDS=${1:-7}
N=${2:-100000}
bench_positive ROUNDS "$ROUNDS"
bench_positive N "$N"
CLIENTS=${CLIENTS:-50}
DATA=${DATA:-3}
TRANSPORT=${TRANSPORT:-unix}
N16=${N16:-$N}

bench_tools "apt-get install redis-server redis-tools" redis-server redis-benchmark redis-cli
bench_tinyben

bench_workdir
sock=$work/redis.sock

case $TRANSPORT in
unix)
	port=0
	target=(-s "$sock")
	addr=$sock ;;
tcp)
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	target=(-h 127.0.0.1 -p "$port")
	addr=127.0.0.1:$port ;;
*)
	echo "TRANSPORT must be unix or tcp" >&2; exit 2 ;;
esac
redis-server --port "$port" --bind 127.0.0.1 --unixsocket "$sock" --unixsocketperm 700 --save '' \
	--appendonly no --dir "$work" --daemonize no --logfile "$work/log" &
bench_pids=$!
for _ in $(seq 100); do
	redis-cli "${target[@]}" ping 2>/dev/null | grep -q PONG && break
	sleep 0.1
done
redis-cli "${target[@]}" ping | grep -q PONG

results=$work/results.tsv  # tool P cmd rps cpu_s p50_us
TIMEFORMAT='%U %S'

n_for() { if [ "$1" = 16 ]; then echo "$N16"; else echo "$N"; fi; }

ref() {  # P
	local t
	{ time redis-benchmark "${target[@]}" -c "$CLIENTS" -P "$1" -n "$(n_for "$1")" -d "$DATA" -t set,get --csv \
		>"$work/rb.csv"; } 2>"$work/rb.time"
	t=$(awk '{print $1 + $2}' "$work/rb.time")
	# "SET","rps",...: rps is for the whole test (DESIGN.md, known traps)
	awk -F'"' -v P="$1" -v t="$t" '$2=="SET"||$2=="GET" {print "redis-benchmark\t" P "\t" $2 "\t" $4 "\t" t/2 "\t" $10 * 1000}' \
		"$work/rb.csv" >>"$results"
}

tb() {  # P
	local sel="io.redis:SET,io.redis:GET" pipe=1
	[ "$1" = 16 ] && sel="io.redis:SET-P16,io.redis:GET-P16"
	[ "$1" != 16 ] && pipe=$1
	"$TINYBEN" run -q -r 1 -b "$sel" --redis "$addr" --set io.redis.clients="$CLIENTS" \
		--set io.redis.requests="$(n_for "$1")" --set io.redis.data_bytes="$DATA" \
		--set io.redis.pipeline="$pipe" >"$work/tb.csv"
	python3 - "$work/tb.csv" "$1" >>"$results" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["status"] == "ok"]
for r in rows:
    if r["metric"] == "rps":
        d = dict(kv.split("=", 1) for kv in r["detail"].split() if "=" in kv)
        p50 = [x["value"] for x in rows if x["variant"] == r["variant"] and x["metric"] == "latency_p50"][0]
        print(f"tinyben\t{sys.argv[2]}\t{r['variant'].split('-')[0]}\t{r['value']}\t{d['client_cpu_s']}\t{p50}")
PY
}

echo "# load average before: $(bench_load)"
echo "# redis-server $(redis-server --version | awk '{sub("v=", "", $3); print $3}'), $TRANSPORT ($addr), clients=$CLIENTS data=$DATA n=$N (P=16: $N16), $ROUNDS rounds, $(nproc) CPUs"
for round in $(seq "$ROUNDS"); do
	for P in 1 16; do
		if [ $((round % 2)) = 1 ]; then ref "$P"; tb "$P"; else tb "$P"; ref "$P"; fi
	done
	echo "round $round done" >&2
done

echo "# load average after: $(bench_load)"
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
def med(tool, p, cmd, col):
    v = [float(r[col]) for r in rows if r[0] == tool and r[1] == p and r[2] == cmd]
    return statistics.median(v), v
print(f"{'P':>3} {'cmd':4} {'redis-benchmark rps':>20} {'tinyben rps':>12} {'ratio':>6}"
      f" {'rb cpu s':>9} {'tb cpu s':>9} {'rb p50 us':>9} {'tb p50 us':>9}   rps per round (rb/tb)")
for p in ("1", "16"):
    for cmd in ("SET", "GET"):
        rb, rbv = med("redis-benchmark", p, cmd, 3)
        t, tv = med("tinyben", p, cmd, 3)
        rbc, _ = med("redis-benchmark", p, cmd, 4)
        tc, _ = med("tinyben", p, cmd, 4)
        rbl, _ = med("redis-benchmark", p, cmd, 5)
        tl, _ = med("tinyben", p, cmd, 5)
        rounds = " ".join(f"{a/1000:.0f}k/{b/1000:.0f}k" for a, b in zip(rbv, tv))
        print(f"{p:>3} {cmd:4} {rb:20.0f} {t:12.0f} {t/rb:6.2f} {rbc:9.3f} {tc:9.3f} {rbl:9.0f} {tl:9.0f}   {rounds}")
print("medians of all rounds; rb cpu s: redis-benchmark's user+sys for its two tests / 2 (includes its"
      " start-up); tb cpu s: tinyben's client thread during the measured test")
PY
