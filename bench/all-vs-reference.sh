#!/bin/sh
# Every bench/*-vs-*.sh comparison in one sitting, alternating: each round runs every
# comparison once (one round of its own script, which alternates the two tools inside it),
# and the order of the comparisons rotates from round to round, so slow drift of a shared
# machine spreads over all of them. Prints each round's ratios as they come, then one table:
# per line the median of the per-round ratios tinyben / reference, their CV (the noise of
# the ratio itself: stdev / mean of the per-round ratios) and the rounds; for tinymembench
# also the pooled best/best and median/median of the per-run figures.
#
# usage: bench/all-vs-reference.sh [PATH-TO-TINYMEMBENCH]
#   without a path the tinymembench comparison is left out (its table line says so)
# env: ROUNDS (3), TINYBEN (default build/tinyben), DIR (where io.uring and io.sqlite put
#      their files; default: a new directory under the current one, removed at the end),
#      ONLY (comma list of: mbw,memcpy,tmb,lz4,exits,redis,fio,sqlite,net,tpm; default all),
#      MD (a file to write the table to as Markdown, with date, machine and load; refused
#      if it exists), plus the knobs of the scripts: MBW_MIB (256), LZ4_LEVELS ("1"),
#      REDIS_N (100000), FIO_SIZE (1G), FIO_RUNTIME (5), TMB_REPS (10), TMB_LATENCY (1),
#      NET_SECONDS (3), TPM_N (20: calls of each tool per round)
# Run from anywhere; needs the reference tools (scripts/install-deps.sh) and python3.
# Exit: 0; 1 when a comparison failed in some round (the table is still printed, the reason
# in its "not in the table" lines); 2 bad usage; 130 interrupted (each script cleans up).
# Time: about 6 min a round without tinymembench on a busy 2-vCPU machine; tinymembench adds
# its own run (5-15 min) and tinyben's (~5 min) to every round.
set -eu
. "$(dirname "$0")/lib.sh"
usage() { echo "usage: $0 [PATH-TO-TINYMEMBENCH]" >&2; exit 2; }
[ $# -le 1 ] || usage
tmb=${1:-}
if [ -n "$tmb" ]; then
	case $tmb in /*) ;; *) tmb=$(pwd)/$tmb ;; esac
	[ -f "$tmb" ] && [ -x "$tmb" ] || { echo "$1: not an executable tinymembench" >&2; exit 2; }
fi
bench_tinyben
bench_knobs ROUNDS=3
MD=${MD:-}
if [ -n "$MD" ] && [ -e "$MD" ]; then
	echo "$MD exists: not replacing it (remove it or name another file)" >&2; exit 2
fi
bench_tools scripts/install-deps.sh python3
bench_workdir
if [ -z "${DIR:-}" ]; then
	DIR=$(mktemp -d "$(pwd)/all-vs-reference-io.XXXXXX")
	bench_rm=$DIR
fi
[ -d "$DIR" ] && [ -w "$DIR" ] || { echo "DIR=$DIR: not a writable directory" >&2; exit 2; }

ROOT=$bench_root TMB=$tmb TINYBEN=$TINYBEN ROUNDS=$ROUNDS WORK=$work IODIR=$DIR MD=$MD \
	ONLY=${ONLY:-} python3 - <<'PY'
import datetime, os, platform, re, signal, statistics, subprocess, sys

E = os.environ
root, tmb, work, iodir = E["ROOT"], E["TMB"], E["WORK"], E["IODIR"]
rounds = int(E["ROUNDS"])
env = dict(E, TINYBEN=E["TINYBEN"])
bench = os.path.join(root, "bench")
build = os.path.dirname(E["TINYBEN"])
g = lambda k, d: E.get(k) or d

def num(s):
    return float(s.strip("()x"))

def fields(out):
    return [l.split() for l in out.splitlines()]

def matches(pattern, out):
    """The matches of pattern at the start of each line of out."""
    return [m for m in map(re.compile(pattern).match, out.splitlines()) if m]

def row(line, better, m, ref, tb, ratio):
    """A table row from a match whose groups ref, tb and ratio are numbers."""
    return (line, float(m[ratio]), better, float(m[ref]), float(m[tb]))

# name -> (command, parser of its stdout -> [(line, ratio, better, ref, tb)])
# better: "higher" when a larger ratio means tinyben is faster, "lower" when smaller is.
def p_mbw(out):
    return [(f"mem.mbw {f[0]} (medians)", num(f[6]), "higher", num(f[1]), num(f[4]))
            for f in fields(out) if f and f[0] in ("MEMCPY", "DUMB", "MCBLOCK") and len(f) >= 8]

def p_memcpy(out):
    return [(f"mem.tmb {f[0]} vs glibc loop (medians)", num(f[5]), "higher", num(f[1]), num(f[3]))
            for f in fields(out) if f and f[0] in ("memcpy", "memset") and len(f) >= 7]

def p_tmb(out):
    rows = []
    for l in out.splitlines():
        f = l.split()
        if not f or f[0] == "variant" or not re.match(r"^[a-z0-9-]+$", f[0]):
            continue
        nums = re.findall(r"\s(\d+\.\d+)", l)
        if len(nums) < 6:
            continue
        a, b = float(nums[0]), float(nums[1])
        lat = f[0].startswith("lat-")
        name = (f"mem.latency 64 MiB {f[0][4:]} (ns > L1)" if lat else f"mem.tmb {f[0]}")
        rows.append((name, b / a if a else float("nan"), "lower" if lat else "higher", a, b))
    return rows

def p_lz4(out):
    return [r for m in matches(r"^\s*(\d+)\s+\S+/\S+\s+([0-9.]+)\s+([0-9.]+)\s+\(([0-9.]+)\)\s+[0-9.]+"
                               r"\s+\([0-9.]+\)\s+([0-9.]+)\s+([0-9.]+)\s+\(([0-9.]+)\)", out)
            for r in (row(f"cpu.lz4 level {m[1]} compress (best)", "higher", m, 2, 3, 4),
                      row(f"cpu.lz4 level {m[1]} decompress (best)", "higher", m, 5, 6, 7))]

def p_exits(out):
    rows = []
    for l in out.splitlines():
        m = re.match(r"^(\S+)\s+tinyben\s+([0-9.]+) ns\s+C loop\s+([0-9.]+) ns \(tb/ref ([0-9.]+)\)", l)
        if m:
            rows.append(row(f"cpu.exits {m[1]} vs C loop", "lower", m, 3, 2, 4))
        m2 = re.search(r"perf bench\s+([0-9.]+) ns \(tb/perf ([0-9.]+)\)", l)
        if m and m2:
            rows.append((f"cpu.exits {m[1]} vs perf bench", float(m2[2]), "lower", float(m2[1]), float(m[2])))
    return rows

def p_redis(out):
    return [(f"io.redis P={f[0]} {f[1]} rps", num(f[4]), "higher", num(f[2]), num(f[3]))
            for f in fields(out) if len(f) >= 5 and f[0] in ("1", "16") and f[1] in ("SET", "GET")]

def p_fio(out):
    return [r for f in fields(out) if len(f) >= 9 and f[0] in ("1", "32") and re.match(r"^\d+$", f[1])
            for r in ((f"io.uring QD{f[0]} IOPS", num(f[3]), "higher", num(f[1]), num(f[2])),
                      (f"io.uring QD{f[0]} p50 latency", num(f[7]), "lower", num(f[5]), num(f[6])))]

def p_sqlite(out):
    return [row(f"io.sqlite {m[1]} time", "lower", m, 2, 3, 4)
            for m in matches(r"^(\w+)\s+sqlite3 ([0-9.]+) s\s+tinyben ([0-9.]+) s\s+ratio ([0-9.]+)", out)]

def p_net(out):
    return [row(f"io.net stream-send P={m[1][-1]} MB/s vs iperf3", "higher", m, 2, 3, 4)
            if m[1] != "rr-p50" else row("io.net rr p50 round trip vs sockperf", "lower", m, 2, 3, 4)
            for m in matches(r"^(stream-p\d|rr-p50)\s+\S+ ([0-9.]+) \S+\s+tinyben ([0-9.]+) \S+\s+ratio ([0-9.]+)",
                             out)]

def fmt(ratio):
    """3 decimals; a ratio far below 1 (tpm: a CLI's process start against one request) keeps
    its digits."""
    return f"{ratio:.3f}" if ratio >= 0.01 else f"{ratio:.1e}"

def p_tpm(out):
    return [row(f"cc.attest tpm-{m[1]} p50 vs tpm2-tools", "lower", m, 2, 3, 4)
            for m in matches(r"^(\S+)\s+tpm2-tools ([0-9.]+) us\s+tinyben ([0-9.]+) us\s+ratio ([0-9.]+)", out)]

comparisons = {
    "mbw": ([os.path.join(bench, "mbw-vs-mbw.sh"), build],
            dict(SIZE_MIB=g("MBW_MIB", "256"), ROUNDS="1"), p_mbw),
    "memcpy": ([os.path.join(bench, "memcpy-vs-glibc.sh"), build], dict(ROUNDS="1"), p_memcpy),
    "tmb": ([os.path.join(bench, "tmb-vs-tinymembench.sh"), tmb, build],
            dict(ROUNDS="1", REPS=g("TMB_REPS", "10"), LATENCY=g("TMB_LATENCY", "1")), p_tmb),
    "lz4": ([os.path.join(bench, "lz4-vs-lz4cli.sh"), "1"], dict(LEVELS=g("LZ4_LEVELS", "1")), p_lz4),
    "exits": ([os.path.join(bench, "exits-vs-ref.sh"), "1"], {}, p_exits),
    "redis": ([os.path.join(bench, "redis-vs-redis-benchmark.sh"), "1", g("REDIS_N", "100000")],
              {}, p_redis),
    "fio": ([os.path.join(bench, "uring-vs-fio.sh"), iodir, g("FIO_SIZE", "1G"),
             g("FIO_RUNTIME", "5"), "1"], {}, p_fio),
    "sqlite": ([os.path.join(bench, "sqlite-vs-sqlite3.sh"), iodir, "1"], {}, p_sqlite),
    "net": ([os.path.join(bench, "net-vs-iperf3.sh"), "1", g("NET_SECONDS", "3")], {}, p_net),
    "tpm": ([os.path.join(bench, "tpm-vs-tpm2-tools.sh"), "1", g("TPM_N", "20")], {}, p_tpm),
}
only = [x for x in E["ONLY"].split(",") if x]
bad = [x for x in only if x not in comparisons]
if bad:
    print(f"ONLY: unknown comparison {', '.join(bad)} (have: {','.join(comparisons)})", file=sys.stderr)
    sys.exit(2)
names = only or list(comparisons)
skipped = {}
failed = set()   # comparisons that failed in some round: the exit status says so
if "tmb" in names and not tmb:
    names.remove("tmb")
    skipped["tmb"] = "no PATH-TO-TINYMEMBENCH given"
missing = set(n for n in names if not os.path.exists(comparisons[n][0][0]))
for n in missing:
    names.remove(n)
    skipped[n] = f"{comparisons[n][0][0]} not found"

load = lambda: open("/proc/loadavg").read().split()[:3]
started = datetime.datetime.now(datetime.timezone.utc)
load_before = load()
loads = []
results = {}     # line -> list of (round, ratio, better, ref, tb)
order_of = []
for r in range(rounds):
    k = r % len(names) if names else 0
    for name in names[k:] + names[:k]:
        cmd, extra, parse = comparisons[name]
        t0 = datetime.datetime.now()
        p = subprocess.Popen(cmd, env=dict(env, **extra), cwd=root, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            p.stdout, p.stderr = p.communicate()
        except KeyboardInterrupt:
            # Let the script clean up after itself (its trap), then stop quietly.
            p.send_signal(signal.SIGINT)
            try:
                p.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
            print(f"interrupted during {name}", file=sys.stderr)
            sys.exit(130)
        secs = (datetime.datetime.now() - t0).total_seconds()
        with open(os.path.join(work, f"{name}.{r + 1}.out"), "w") as f:
            f.write(p.stdout + "\n--- stderr\n" + p.stderr)
        rows = parse(p.stdout) if p.returncode == 0 else []
        loads.append(float(load()[0]))
        if p.returncode != 0 or not rows:
            why = p.stderr.strip().splitlines()[-1:] or [f"exit {p.returncode}"]
            print(f"round {r + 1} {name}: FAILED ({why[0]})", flush=True)
            # Its output goes with the work directory at the end: show the tail now.
            for l in (p.stdout + p.stderr).strip().splitlines()[-15:]:
                print(f"    {l}", flush=True)
            skipped.setdefault(name, f"failed in round {r + 1}: {why[0]}")
            failed.add(name)
            continue
        for line, ratio, better, a, b in rows:
            if line not in results:
                results[line] = []
                order_of.append((name, line))
            results[line].append((r + 1, ratio, better, a, b))
        print(f"round {r + 1} {name} ({secs:.0f} s, load {loads[-1]:.1f}): "
              + ", ".join(f"{x[0]} {fmt(x[1])}" for x in rows), flush=True)

def cv(xs):
    return 100 * statistics.stdev(xs) / statistics.mean(xs) if len(xs) > 1 else float("nan")

table = []
for name, line in order_of:
    v = results[line]
    ratios = [x[1] for x in v]
    better = v[0][2]
    extra = ""
    if name == "tmb":
        a, b = [x[3] for x in v], [x[4] for x in v]
        best = min if better == "lower" else max
        extra = (f"best/best {best(b) / best(a):.3f}, med/med "
                 f"{statistics.median(b) / statistics.median(a):.3f}")
    table.append((line, statistics.median(ratios), cv(ratios), len(ratios), better,
                  " ".join(fmt(x) for x in ratios), extra))

ended = datetime.datetime.now(datetime.timezone.utc)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
machine = (f"{os.cpu_count()} vCPUs, {cpu}, {platform.release()}, "
           f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') >> 30} GiB")
noise = (f"load average {' '.join(load_before)} before; {min(loads):.1f}-{max(loads):.1f} after each "
         f"comparison" if loads else "")
print()
print(f"# {started:%Y-%m-%d %H:%M}-{ended:%H:%M} UTC, {rounds} rounds; {machine}; {noise}")
w = max([len(t[0]) for t in table] + [10])
print(f"{'comparison':{w}} {'ratio':>7} {'CV %':>6} {'n':>2}  better  per-round ratios")
for line, med, c, n, better, pr, extra in table:
    print(f"{line:{w}} {fmt(med):>7} {c:6.1f} {n:2}  {better:6}  {pr}{'   ' + extra if extra else ''}")
for n, why in skipped.items():
    print(f"{n}: not in the table: {why}")
print("ratio = tinyben / reference, median of the per-round ratios; CV = stdev/mean of those;"
      " better: which way a ratio favours tinyben")

if E["MD"]:
    with open(E["MD"], "x") as f:
        f.write(f"Measured {started:%Y-%m-%d %H:%M}-{ended:%H:%M} UTC with "
                f"`bench/all-vs-reference.sh{' TINYMEMBENCH' if tmb else ''}`, {rounds} rounds.  \n")
        f.write(f"Machine: {machine}.  \nNoise: {noise}.\n\n")
        f.write("| comparison | ratio tinyben / reference | CV of the ratio | rounds | better "
                "| per-round ratios |\n|---|---:|---:|---:|---|---|\n")
        for line, med, c, n, better, pr, extra in table:
            f.write(f"| {line} | {fmt(med)} | {c:.1f} % | {n} | {better} | {pr}"
                    f"{' (' + extra + ')' if extra else ''} |\n")
        for n, why in skipped.items():
            f.write(f"\n{n}: not measured ({why}).")
        f.write("\n")
if failed:
    print(f"failed: {', '.join(sorted(failed))} (the tail of their output is above)",
          file=sys.stderr)
    sys.exit(1)
PY
