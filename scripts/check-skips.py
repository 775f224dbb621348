#!/usr/bin/env python3
"""Holds the skips of CI's test runs against the list of expected ones (.ci/expected-skips):
a test, or a case of it, that skipped and is not on the list for its stage fails CI, so a check
that silently stopped running is seen. Expected skips are printed with their reason; an entry
that did not skip (this machine has what the test needed) is a note, not a failure.

usage: check-skips.py LIST STAGE=TESTLOG.json [STAGE=TESTLOG.json ...]

What counts as one skip:
- a test meson counts SKIP: each case tbtest.main() names ("  module.Class.test_x: reason"),
  or the whole test ("*") when it skipped before any case (tbtest.main(unless=...), exit 77);
- a TAP subtest "ok N - NAME # SKIP reason" of a test that passed (e.g. a CPU without AVX-512).
"""
import fnmatch
import json
import re
import sys

CASE = re.compile(r"^  (?:[\w.]+\.)?(test\w*)(?: \([^)]*\))?: (.*)$")
TAP_SKIP = re.compile(r"^ok \d+(?: - (.*?))?\s*# SKIP\s*(.*)$", re.I)


def skips_of(entry):
    """(case, reason) pairs of one testlog.json entry."""
    out = []
    text = (entry.get("stdout") or "") + "\n" + (entry.get("stderr") or "")
    for line in text.splitlines():
        m = TAP_SKIP.match(line)
        if m:
            out.append(((m.group(1) or m.group(2)).strip(), m.group(2).strip()))
    if entry.get("result") == "SKIP":
        cases = [(m.group(1), m.group(2)) for m in map(CASE.match, text.splitlines()) if m]
        if cases:
            out += cases
        elif not out:
            reason = next((l.strip() for l in text.splitlines() if l.strip()), "exit status 77")
            out.append(("*", reason))
    return out


def read_list(path):
    entries = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                sys.exit(f"check-skips: {path}:{n}: want STAGE TEST[:CASE] REASON")
            stage, what, reason = parts
            test, _, case = what.partition(":")
            entries.append((stage, test, case or "*", reason, n))
    return entries


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[1])
    entries = read_list(sys.argv[1])
    used, unexpected, ran_stages = set(), [], set()
    for arg in sys.argv[2:]:
        stage, _, log = arg.partition("=")
        ran_stages.add(stage)
        with open(log) as f:
            for line in f:
                if not line.strip():
                    continue
                entry = json.loads(line)
                # meson names a test "project:suite / name"; the list uses the name.
                test = entry["name"].rsplit(" / ", 1)[-1]
                for case, reason in skips_of(entry):
                    hit = next((e for e in entries if fnmatch.fnmatch(stage, e[0])
                                and fnmatch.fnmatch(test, e[1])
                                and (e[2] == "*" or fnmatch.fnmatch(case, e[2]))), None)
                    if hit:
                        used.add(hit[4])
                        print(f"expected skip [{stage}] {test}:{case}: {reason}")
                    else:
                        unexpected.append(f"[{stage}] {test}:{case}: {reason}")
    for stage, test, case, reason, n in entries:
        if n not in used and any(fnmatch.fnmatch(s, stage) for s in ran_stages):
            print(f"note: {sys.argv[1]}:{n} ({stage} {test}:{case}) did not skip here")
    if unexpected:
        print(f"check-skips: {len(unexpected)} skip(s) not in {sys.argv[1]} (a check that no longer "
              "runs; make it run, or list it with the reason):", file=sys.stderr)
        for u in unexpected:
            print("  " + u, file=sys.stderr)
        sys.exit(1)
    print(f"check-skips: every skip is expected ({len(used)} list entries used)")


if __name__ == "__main__":
    main()
