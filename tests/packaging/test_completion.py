#!/usr/bin/env python3
"""Bash completion (packaging/completion/tinyben.bash): verbs, options, benchmark and variant
names from `tinyben list --json`, --set keys and their choices. Each case sources the script in
a fresh bash, sets COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT as bash does, calls _tinyben
and reads COMPREPLY back."""
import os
import shlex
import subprocess
import unittest

import tbtest

SCRIPT = os.path.join(tbtest.SOURCE_ROOT, "packaging", "completion", "tinyben.bash")


def complete(line):
    # bash splits COMP_WORDS at COMP_WORDBREAKS ('=' and ':' among them); the script must
    # cope with that, so the words here are split the same way.
    words = subprocess.run(
        ["bash", "-c", 'line=$1; w=(); cur=""; for ((i=0;i<${#line};i++)); do c=${line:i:1};'
         ' if [[ $c == " " ]]; then [ -n "$cur" ] && w+=("$cur"); cur="";'
         ' elif [[ $c == [=:] ]]; then [ -n "$cur" ] && w+=("$cur"); w+=("$c"); cur="";'
         ' else cur+=$c; fi; done; w+=("$cur"); printf "%s\\n" "${w[@]}"', "_", line],
        capture_output=True, text=True, check=True).stdout.split("\n")[:-1]
    script = (f"source {shlex.quote(SCRIPT)}\n"
              f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
              f"COMP_CWORD={len(words) - 1}\n"
              f"COMP_LINE={shlex.quote(line)}; COMP_POINT={len(line)}\n"
              "_tinyben; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or r.stderr:
        raise AssertionError(f"{line!r}: exit {r.returncode}: {r.stderr}")
    return [x for x in r.stdout.split("\n") if x]


class Completion(unittest.TestCase):
    T = tbtest.TINYBEN

    def test_verbs(self):
        got = complete(f"{self.T} ")
        for verb in ("run", "list", "compare", "report", "attest", "exec"):
            self.assertIn(verb, got)
        self.assertEqual(complete(f"{self.T} com"), ["compare"])

    def test_options_of_a_verb(self):
        got = complete(f"{self.T} run --th")
        self.assertEqual(got, ["--threads"])
        got = complete(f"{self.T} run -")
        for opt in ("--bench", "-b", "--quick", "--set", "--output", "-o", "--help"):
            self.assertIn(opt, got)
        # Verbs that name their options only in the usage line.
        self.assertEqual(sorted(complete(f"{self.T} scan --")), ["--help", "--marker", "--pid"])
        self.assertEqual(complete(f"{self.T} compare --fo"), ["--format"])
        self.assertEqual(complete(f"{self.T} compare --format m"), ["markdown"])

    def test_benchmarks_and_variants(self):
        got = complete(f"{self.T} run -b mem.")
        for b in ("mem.mbw", "mem.tmb", "mem.latency", "mem.firsttouch"):
            self.assertIn(b, got)
        # After ':' bash replaces only the variant part.
        self.assertEqual(sorted(complete(f"{self.T} run -b mem.mbw:M")), ["MCBLOCK", "MEMCPY"])
        self.assertEqual(complete(f"{self.T} run -b cpu.lz4,mem.mbw:D"), ["DUMB"])
        self.assertEqual(complete(f"{self.T} run --bench io.sq"), ["io.sqlite", "io.sqlite:"])

    def test_set_keys_and_choices(self):
        self.assertEqual(complete(f"{self.T} run --set io.uring.en"), ["io.uring.engine="])
        self.assertIn("mem.mbw.size_mib=", complete(f"{self.T} run --set mem.mbw."))
        self.assertEqual(sorted(complete(f"{self.T} run --set io.uring.engine=")),
                         ["auto", "io_uring", "psync"])
        self.assertEqual(complete(f"{self.T} run --set mem.latency.method=r"), ["random"])
        self.assertEqual(complete(f"{self.T} run --set io.uring.direct="), ["0", "1"])

    def test_attest_subcommands(self):
        self.assertEqual(sorted(complete(f"{self.T} attest ")), ["show", "verify"])


if __name__ == "__main__":
    tbtest.main()
