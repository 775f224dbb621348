#!/bin/sh
# io.sqlite against the sqlite3 shell run the way pts/sqlite runs it: the 2,500 INSERT lines
# piped into `sqlite3 benchmark.db` (autocommit: one pass, rollback journal; wal: PRAGMA
# journal_mode='wal' in its own shell, then three passes), timed from outside, alternating
# with tinyben's io.sqlite in every round. Ratio = tinyben seconds / sqlite3 seconds: near 1
# means tinyben measures what the reference measures (it saves only the shell's start-up).
#
# usage: bench/sqlite-vs-sqlite3.sh [DIR] [ROUNDS]     env TINYBEN (default build/tinyben)
set -eu
. "$(dirname "$0")/lib.sh"
DIR=${1:-.}
ROUNDS=${2:-5}
bench_positive ROUNDS "$ROUNDS"
bench_tools "apt-get install sqlite3" sqlite3
bench_tinyben
bench_workdir "$DIR"
echo "sqlite3 shell $(sqlite3 --version | cut -d' ' -f1); $("$TINYBEN" --version); dir $DIR"
python3 - "$work" "$ROUNDS" "$TINYBEN" <<'PY'
import csv, io, os, random, statistics, subprocess, sys, time
work, rounds, tinyben = sys.argv[1], int(sys.argv[2]), sys.argv[3]
create = ("CREATE TABLE pts1 ('I' SMALLINT NOT NULL, 'DT' TIMESTAMP NOT NULL DEFAULT "
          "CURRENT_TIMESTAMP, 'F1' VARCHAR(4) NOT NULL, 'F2' VARCHAR(16) NOT NULL);")
rnd = random.Random(1)
ins = "".join(f"INSERT INTO 'pts1' ('I', 'DT', 'F1', 'F2') VALUES ('{i}', CURRENT_TIMESTAMP, "
              f"'{rnd.randint(1000, 9999)}', '{rnd.randint(10**15, 10**16 - 1)}');\n"
              for i in range(1, 2501))
db = os.path.join(work, "benchmark.db")

def clean():
    for s in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(db + s):
            os.unlink(db + s)

def shell(variant):
    clean()
    subprocess.run(["sqlite3", db, create], check=True)
    if variant == "wal":
        subprocess.run(["sqlite3", db, "PRAGMA journal_mode='wal';"], check=True,
                       stdout=subprocess.DEVNULL)
    t0 = time.perf_counter()
    for _ in range(3 if variant == "wal" else 1):
        subprocess.run(["sqlite3", db], input=ins, text=True, check=True)
    t = time.perf_counter() - t0
    clean()
    return t

def tb(variant):
    p = subprocess.run([tinyben, "run", "-q", "-b", f"io.sqlite:{variant}", "-r", "1",
                        "--dir", work], capture_output=True, text=True, check=True)
    rows = [r for r in csv.DictReader(io.StringIO(p.stdout)) if r["metric"] == "elapsed"]
    return float(rows[0]["value"])

res = {}
for r in range(rounds):
    for v in ("autocommit", "wal"):
        order = (shell, tb) if r % 2 == 0 else (tb, shell)
        for f in order:
            t = f(v)
            res.setdefault((f.__name__, v), []).append(t)
            print(f"round {r + 1} {v:10} {'sqlite3' if f is shell else 'tinyben':8} {t:.3f} s", flush=True)
print()
for v in ("autocommit", "wal"):
    s, t = statistics.median(res[("shell", v)]), statistics.median(res[("tb", v)])
    pr = statistics.median(b / a for a, b in zip(res[("shell", v)], res[("tb", v)]))
    print(f"{v:10} sqlite3 {s:.3f} s  tinyben {t:.3f} s  ratio {t / s:.3f}  (median of per-round ratios {pr:.3f})")
PY
