#!/usr/bin/env python3
"""scripts/check-skips.py: CI fails on a skip that is not on .ci/expected-skips (a whole test,
a Python case, a TAP subtest), passes on listed ones, and only notes a listed one that ran."""
import json
import os
import subprocess
import sys

import tbtest

SCRIPT = os.path.join(tbtest.SOURCE_ROOT, "scripts", "check-skips.py")
LOG = [
    {"name": "tinyben:e2e / test_launch", "result": "SKIP", "stdout": "", "stderr":
     "SKIP: 1 case(s) could not run their checks (9 passed):\n"
     "  __main__.Launch.test_working_kvm_is_used: no read-write /dev/kvm\n"},
    {"name": "tinyben:mem / test_tmb_kernels", "result": "OK",
     "stdout": "ok 1 - c-copy\nok 2 - avx512-copy # SKIP CPU lacks the instruction set\n1..2\n",
     "stderr": ""},
    {"name": "tinyben:attest / attest-runsc", "result": "SKIP", "stdout": "SKIP: runsc not installed\n",
     "stderr": ""},
    {"name": "tinyben:cpu / test_exits", "result": "OK", "stdout": "", "stderr": ""},
]


class CheckSkips(tbtest.TempDirTest):
    def check(self, listed):
        with open(self.path("list"), "w") as f:
            f.write("# comment\n\n" + listed)
        with open(self.path("log.json"), "w") as f:
            f.write("".join(json.dumps(e) + "\n" for e in LOG))
        return subprocess.run([sys.executable, SCRIPT, self.path("list"), "main=" + self.path("log.json")],
                              capture_output=True, text=True, timeout=60)

    def test_all_listed(self):
        p = self.check("* test_launch:test_working_kvm_is_used no kvm\n"
                       "main test_tmb_kernels:avx512* no AVX-512\n"
                       "m* attest-runsc no runsc\n"
                       "main test_exits:test_huge not this machine\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("expected skip [main] test_tmb_kernels:avx512-copy: CPU lacks", p.stdout)
        self.assertIn("expected skip [main] attest-runsc:*: SKIP: runsc not installed", p.stdout)
        self.assertIn("did not skip here", p.stdout)   # test_exits: a note, not a failure

    def test_unlisted_skip_fails_and_names_it(self):
        for missing, listed in (
                ("test_launch:test_working_kvm_is_used",
                 "main test_tmb_kernels:avx512* x\nmain attest-runsc x\n"),
                ("test_tmb_kernels:avx512-copy",
                 "main test_launch x\nmain attest-runsc x\n"),
                ("attest-runsc:*",
                 "main test_launch x\nmain test_tmb_kernels x\nasan attest-runsc x\n")):
            with self.subTest(missing=missing):
                p = self.check(listed)
                self.assertEqual(p.returncode, 1, p.stdout)
                self.assertIn(f"[main] {missing}", p.stderr)
                self.assertIn("1 skip(s) not in", p.stderr)

    def test_malformed_list(self):
        p = self.check("main test_launch\n")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("want STAGE TEST[:CASE] REASON", p.stderr)


if __name__ == "__main__":
    tbtest.main()
