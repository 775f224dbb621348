#!/bin/sh
# cc.attest's TPM variants against tpm2-tools on the same swtpm (a private one, started here on
# a unix socket): per round N calls of `tpm2_pcrread sha256:16` and of `tpm2_quote` (PCRs 0-7
# with a restricted ECDSA P-256 key made once by tpm2_createprimary and made persistent, as
# cc.attest makes its own), each timed from outside, alternating with `tinyben run -b cc.attest:tpm-pcr-read,
# cc.attest:tpm-quote` at N requests. Ratio = tinyben p50 / tpm2-tools p50 per call: below 1
# means tinyben adds nothing of its own (a tpm2-tools call also pays a process start, the
# TCTI's loading and its session set-up; the script times `tpm2_pcrread --version` too and
# prints tpm2-tools' figure without it).
#
# usage: bench/tpm-vs-tpm2-tools.sh [ROUNDS] [N]     env TINYBEN (default build/tinyben)
# Exit: 0; 1 when a tool failed; 2 bad usage or a tool is not installed; 130/143 interrupted.
set -eu
. "$(dirname "$0")/lib.sh"
ROUNDS=${1:-5}
N=${2:-20}
for v in "$ROUNDS" "$N"; do
	case $v in ''|*[!0-9]*|0) echo "usage: $0 [ROUNDS] [N] (positive integers)" >&2; exit 2 ;; esac
done
bench_tools "apt-get install swtpm tpm2-tools" swtpm tpm2_pcrread tpm2_quote tpm2_createprimary \
	tpm2_evictcontrol python3
bench_tinyben
bench_workdir
sock=$work/tpm.sock
# tpm2-tools' swtpm TCTI finds the control channel at the socket's path + ".ctrl".
swtpm socket --tpm2 --tpmstate dir="$work" --server type=unixio,path="$sock" \
	--ctrl type=unixio,path="$sock.ctrl" --flags startup-clear --log file="$work/swtpm.log" &
bench_pids=$!
i=0
until [ -S "$sock" ]; do
	i=$((i + 1)); [ $i -lt 200 ] || { echo "swtpm did not start: $(cat "$work/swtpm.log")" >&2; exit 1; }
	sleep 0.05
done
echo "$(swtpm --version | head -n 1); tpm2-tools $(tpm2_pcrread --version | sed -n 's/.*version="\([^"]*\)".*/\1/p'); $("$TINYBEN" --version)"
WORK=$work SOCK=$sock ROUNDS=$ROUNDS N=$N TINYBEN=$TINYBEN python3 - <<'PY'
import csv, io, os, statistics, subprocess, sys, time
E = os.environ
work, sock, rounds, n, tinyben = E["WORK"], E["SOCK"], int(E["ROUNDS"]), int(E["N"]), E["TINYBEN"]
env = dict(os.environ, TPM2TOOLS_TCTI="swtpm:path=" + sock)
ak = os.path.join(work, "ak.ctx")

def tool(*args):
    p = subprocess.run(args, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        print(f"{args[0]} failed: " + " / ".join(p.stderr.strip().splitlines()[-4:]), file=sys.stderr)
        sys.exit(1)

tool("tpm2_createprimary", "-C", "o", "-G", "ecc256:ecdsa-sha256:null", "-a",
     "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign", "-c", ak)
# A persistent handle: each tpm2_quote then names the key, with no context file to load
# (a saved transient context does not survive another client's session on a TPM without a
# resource manager).
tool("tpm2_evictcontrol", "-C", "o", "-c", ak, "0x81000001")
calls = {
    "pcr-read": ["tpm2_pcrread", "sha256:16"],
    "quote": ["tpm2_quote", "-c", "0x81000001", "-l", "sha256:0,1,2,3,4,5,6,7", "-q",
              "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
              "-m", os.path.join(work, "q.msg"), "-s", os.path.join(work, "q.sig")],
}

def timed(args):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        tool(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6

def tpm2_tools(what):
    return timed(calls[what])

# What a call costs before it talks to the TPM: the same program asked for its version (its
# libraries loaded, no TCTI, no command). tpm2-tools minus this is its TPM round trip.
def startup():
    return timed(["tpm2_pcrread", "--version"])

def tb(what):
    p = subprocess.run([tinyben, "run", "-q", "-b", f"cc.attest:tpm-{what}", "-r", "1",
                        "--set", f"cc.attest.requests={n}", "--set", f"cc.attest.tpm_device={sock}"],
                       capture_output=True, text=True)
    rows = [r for r in csv.DictReader(io.StringIO(p.stdout))
            if r["metric"] == "latency_p50" and r["status"] == "ok"]
    if p.returncode != 0 or not rows:
        print(f"tinyben run -b cc.attest:tpm-{what} failed: {p.stderr.strip()[-300:]} "
              f"{p.stdout.strip()[-300:]}", file=sys.stderr)
        sys.exit(1)
    return float(rows[0]["value"])

res = {}
for r in range(rounds):
    res.setdefault("startup", []).append(startup())
    print(f"round {r + 1} tpm2-tools start-up alone p50 {res['startup'][-1]:10.1f} us", flush=True)
    for what in calls:
        order = (tpm2_tools, tb) if r % 2 == 0 else (tb, tpm2_tools)
        for f in order:
            us = f(what)
            res.setdefault((f.__name__, what), []).append(us)
            print(f"round {r + 1} {what:8} {'tpm2-tools' if f is tpm2_tools else 'tinyben':10} "
                  f"p50 {us:10.1f} us", flush=True)
print()
def cv(xs):
    return 100 * statistics.stdev(xs) / statistics.mean(xs) if len(xs) > 1 else float("nan")
for what in calls:
    a, b = res[("tpm2_tools", what)], res[("tb", what)]
    ratios = [y / x for x, y in zip(a, b)]
    net = [x - s for x, s in zip(a, res["startup"])]
    print(f"{what:8} tpm2-tools {statistics.median(a):.1f} us  tinyben {statistics.median(b):.1f} us  "
          f"ratio {statistics.median(ratios):.4f}  (CV of per-round ratios {cv(ratios):.1f} %)  "
          f"tpm2-tools minus its start-up {statistics.median(net):.1f} us")
PY
