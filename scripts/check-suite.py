#!/usr/bin/env python3
"""Checks a results CSV of the default suite: every benchmark that `tinyben list` knows has ok
rows, and no row is skipped because a program or package was missing.

Usage: scripts/check-suite.py TINYBEN RESULTS.csv
Prints one line per benchmark and exits 1 when a benchmark has no ok row or a skip names a
missing program, so a fresh machine that lacks an install step fails loudly. The benchmarks of
HARDWARE_GROUPS measure interfaces only a confidential guest or a TPM has (cc.attest): skipped
rows alone, each with its reason, are their ok on any other machine."""
import csv
import json
import re
import subprocess
import sys

HARDWARE_GROUPS = {"cc"}
MISSING = re.compile(r"not found|not installed|no such file|missing|cannot execute", re.I)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    tinyben, path = sys.argv[1:]
    listing = subprocess.run([tinyben, "list", "--json"], capture_output=True, text=True, check=True)
    benches = [json.loads(line)["name"] for line in listing.stdout.splitlines() if line.strip()]
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    bad = 0
    for bench in benches:
        mine = [r for r in rows if r["bench"] == bench]
        ok = sum(r["status"] == "ok" for r in mine)
        missing = [r for r in mine if r["status"] != "ok" and MISSING.search(r["detail"])]
        failed = [r for r in mine if r["status"] == "failed"]
        verdict = "ok"
        skipped = [r for r in mine if r["status"] == "skipped" and r["detail"]]
        if not ok and mine and bench.split(".")[0] in HARDWARE_GROUPS and len(skipped) == len(mine):
            verdict = "ok" if not missing else "SKIPPED FOR A MISSING PROGRAM"
            print(f"{bench:16} {ok:5} ok rows  {len(mine):4} others  {verdict} "
                  "(its interfaces are absent here)")
            bad += verdict != "ok"
            continue
        if not ok:
            verdict = "NO OK ROWS"
        elif missing:
            verdict = "SKIPPED FOR A MISSING PROGRAM"
        elif failed:
            verdict = "FAILED ROWS"
        print(f"{bench:16} {ok:5} ok rows  {len(mine) - ok:4} others  {verdict}")
        for r in (missing or failed)[:3]:
            print(f"    {r['variant']}: {r['status']}: {r['detail']}")
        bad += verdict != "ok"
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
