#!/bin/sh
# mem.tmb and mem.latency against tinymembench (github.com/ssvb/tinymembench, built by you),
# alternating in one sitting (who goes first flips every round).
#
# Bandwidth: tinymembench prints, per line, the best of up to 10 windows of >= 0.5 s; tinyben
# is run with the same number of windows (-r REPS, default 10; --min-time 0.5 as tinymembench)
# and its per-run figure is likewise its best repetition. Per line this prints
#   best/best     = best run of tinyben over all rounds / best run of tinymembench
#   median/median = median over rounds of tinyben's per-run best / the same for tinymembench
# (tinymembench prints no per-window samples, so its median can only be taken over runs),
# and the CV of each tool's per-run figures and of the per-round ratio.
# Latency: tinymembench's 64 MiB line ("extra" ns over an L1 hit: it subtracts a loop that
# reads a 2-byte block) against mem.latency's latency_above_l1 (ns above the 1 KiB block) of
# the same method (rand- variants: uniform draws, next address dependent on the load) at
# 64 MiB, single and dual chains, 4 KiB pages ([MADV_NOHUGEPAGE]) and huge pages
# ([MADV_HUGEPAGE] / variant thp); both per-run figures are the minimum over repetitions, as
# tinymembench prints. Ratio = tinyben / tinymembench (lower is better for latency).
# Target (issue 17): bandwidth lines within +-3 %, latency within +-5 %.
#
# usage: bench/tmb-vs-tinymembench.sh PATH-TO-TINYMEMBENCH [BUILD_DIR]
# env:   ROUNDS (3), REPS (10), LATENCY (1; 0 = bandwidth only: tinymembench is stopped when
#        its latency part starts), VARIANTS (comma list of mem.tmb variants; default: every
#        line both tools have), TINYBEN (default BUILD_DIR/tinyben)
# A full tinymembench run takes 5-15 min on a busy 2-vCPU machine; a round is that plus
# tinyben's ~3 min (bandwidth) and ~2 min (latency).
set -eu
. "$(dirname "$0")/lib.sh"
usage() { echo "usage: $0 PATH-TO-TINYMEMBENCH [BUILD_DIR]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
tmb=$1
case $tmb in */*) ;; *) tmb=./$tmb ;; esac
[ -f "$tmb" ] && [ -x "$tmb" ] || { echo "$1: not an executable tinymembench" >&2; exit 2; }
bench_tinyben "${2:-$bench_root/build}/tinyben"
bench_knobs ROUNDS=3 REPS=10
LATENCY=${LATENCY:-1}
case $LATENCY in 0|1) ;; *) echo "LATENCY must be 0 or 1" >&2; exit 2 ;; esac
bench_tools scripts/install-deps.sh python3
bench_workdir

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');" \
	"load before: $(bench_load)"
echo "# tinyben:      $TINYBEN run -b mem.tmb:VARIANT -r $REPS --min-time 0.5"
[ "$LATENCY" = 0 ] ||
	echo "#               $TINYBEN run -b 'mem.latency:rand-*-67108864' -r $REPS --set mem.latency.max_kib=65536"
echo "# rounds: $ROUNDS, THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo n/a)"

TMB=$tmb TINYBEN=$TINYBEN ROUNDS=$ROUNDS REPS=$REPS LATENCY=$LATENCY VARIANTS=${VARIANTS:-} \
	WORK=$work python3 - <<'PY'
import csv, os, re, statistics, subprocess, sys

tmb, tb, work = os.environ["TMB"], os.environ["TINYBEN"], os.environ["WORK"]
rounds, reps = int(os.environ["ROUNDS"]), int(os.environ["REPS"])
latency = os.environ["LATENCY"] == "1"

# tinymembench's line labels and mem.tmb's variants (src/mem/tmb_kernels.c, tmb_name).
LINES = {
    "C copy backwards": "c-copy-backwards", "C copy": "c-copy",
    "C copy prefetched (32 bytes step)": "c-copy-pf32",
    "C copy prefetched (64 bytes step)": "c-copy-pf64", "C 2-pass copy": "c-2pass-copy",
    "C fill": "c-fill", "standard memcpy": "memcpy", "standard memset": "memset",
    "MOVSB copy": "movsb-copy", "MOVSD copy": "movsd-copy", "SSE2 copy": "sse2-copy",
    "SSE2 nontemporal copy": "sse2-nt-copy", "SSE2 2-pass copy": "sse2-2pass-copy",
    "SSE2 fill": "sse2-fill", "SSE2 nontemporal fill": "sse2-nt-fill",
}
wanted = [v for v in os.environ["VARIANTS"].split(",") if v] or list(LINES.values())
unknown = [v for v in wanted if v not in LINES.values()]
if unknown:
    sys.exit(f"no tinymembench line for: {', '.join(unknown)}")
LAT = [("single", "4k"), ("dual", "4k"), ("single", "thp"), ("dual", "thp")]
BLOCK = 64 << 20

def run_tinymembench(r):
    """One tinymembench run: {variant: MB/s}, {(chain, pages): ns} at 64 MiB."""
    bw, lat, pages = {}, {}, None
    # Line-buffered so the bandwidth part can be read (and the run stopped) as it comes.
    cmd = ["stdbuf", "-oL", tmb] if subprocess.run(["sh", "-c", "command -v stdbuf"],
                                                   capture_output=True).returncode == 0 else [tmb]
    with open(os.path.join(work, f"tinymembench.{r}.txt"), "w") as log, \
         subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as p:
        for line in p.stdout:
            log.write(line)
            m = re.match(r"^ (\S.*?)\s+:\s+([0-9.]+) MB/s", line)
            if m and m.group(1) in LINES:
                bw[LINES[m.group(1)]] = float(m.group(2))
            if "Memory latency test" in line and not latency:
                p.terminate()
                break
            if line.startswith("block size"):
                pages = "thp" if "[MADV_HUGEPAGE]" in line else "4k"
            m = re.match(r"^\s*(\d+) :\s+([0-9.]+) ns\s+/\s+([0-9.]+) ns", line)
            if m and int(m.group(1)) == BLOCK and pages:
                lat[("single", pages)] = float(m.group(2))
                lat[("dual", pages)] = float(m.group(3))
        rc = p.wait()
    if r == 1:
        with open(log.name) as f:
            print(f"# tinymembench: {tmb}: {f.readline().strip()}", flush=True)
    if rc not in (0, -15) or not bw:
        sys.exit(f"tinymembench failed (exit {rc}); its output: {log.name}")
    return bw, lat

def tinyben_rows(args, out):
    p = subprocess.run([tb, "run", "-q", *args, "-o", out, "--force"], capture_output=True,
                       text=True)
    if p.returncode != 0:
        sys.exit(f"tinyben {' '.join(args)} failed (exit {p.returncode}): {p.stderr.strip()}")
    with open(out, newline="") as f:
        return [x for x in csv.DictReader(f) if x["status"] == "ok"]

def run_tinyben(r):
    rows = tinyben_rows(["-b", ",".join(f"mem.tmb:{v}" for v in wanted), "-r", str(reps),
                         "--min-time", "0.5"], os.path.join(work, f"tb.{r}.csv"))
    bw = {v: max(float(x["value"]) for x in rows if x["variant"] == v)
          for v in wanted if any(x["variant"] == v for x in rows)}
    lat = {}
    if latency:
        rows = tinyben_rows(["-b", f"mem.latency:rand-*-{BLOCK}", "-r", str(reps), "--set",
                             f"mem.latency.max_kib={BLOCK >> 10}"],
                            os.path.join(work, f"tblat.{r}.csv"))
        for chain, pages in LAT:
            v = [float(x["value"]) for x in rows if x["metric"] == "latency_above_l1"
                 and x["variant"] == f"rand-{chain}-{pages}-{BLOCK}"]
            if v:
                lat[(chain, pages)] = min(v)
    return bw, lat

res = {"tinymembench": [], "tinyben": []}
for r in range(1, rounds + 1):
    order = (("tinymembench", run_tinymembench), ("tinyben", run_tinyben))
    for name, fn in (order if r % 2 else order[::-1]):
        res[name].append(fn(r))
        print(f"round {r}/{rounds}: {name} done", file=sys.stderr, flush=True)

def cv(xs):
    return 100 * statistics.stdev(xs) / statistics.mean(xs) if len(xs) > 1 else float("nan")

print(f"{'variant':17} {'tinymembench line':34} {'tmb best':>9} {'tb best':>9} {'best/best':>9}"
      f" {'tmb med':>9} {'tb med':>9} {'med/med':>8} {'CV% tmb':>7} {'CV% tb':>6} {'CV% ratio':>9}"
      "  per-round ratio")
def line(key, label, a, b, lower):
    if len(a) != len(b) or not a:
        print(f"{key:17} {label:34} {'(missing in ' + ('tinyben' if a else 'tinymembench') + ')':>9}")
        return
    best = (min if lower else max)
    pr = [y / x if x else float("nan") for x, y in zip(a, b)]
    print(f"{key:17} {label:34} {best(a):9.1f} {best(b):9.1f} {best(b) / best(a):9.3f}"
          f" {statistics.median(a):9.1f} {statistics.median(b):9.1f}"
          f" {statistics.median(b) / statistics.median(a):8.3f} {cv(a):7.2f} {cv(b):6.2f}"
          f" {cv(pr):9.2f}  {' '.join(f'{x:.3f}' for x in pr)}")
labels = {v: k for k, v in LINES.items()}
for v in wanted:
    a = [x[0][v] for x in res["tinymembench"] if v in x[0]]
    b = [x[0][v] for x in res["tinyben"] if v in x[0]]
    line(v, labels[v], a, b, False)
if latency:
    for chain, pages in LAT:
        a = [x[1][(chain, pages)] for x in res["tinymembench"] if (chain, pages) in x[1]]
        b = [x[1][(chain, pages)] for x in res["tinyben"] if (chain, pages) in x[1]]
        key = f"lat-{chain}-{pages}"
        line(key, f"64 MiB {chain}, {'huge' if pages == 'thp' else '4 KiB'} pages, ns > L1", a, b,
             True)
print("MB/s = 10^6 B/s; latency in ns above L1 (best = lowest); ratio = tinyben / tinymembench")
PY
echo "# load after: $(bench_load)"
