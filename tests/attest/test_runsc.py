"""tinyben on a kernel that is not Linux: gVisor's runsc implements the Linux ABI in user
space. `tinyben detect` and a short suite run under `runsc do`; every benchmark must give
`ok` or `skipped` rows (a skip with its reason), none `failed`, and nothing may crash.

Exits 77 when runsc cannot run here (not installed, not root, or `runsc do true` fails),
with the reason."""
import json
import os
import shutil
import subprocess
import unittest

import tbtest

LEVELS = {"none", "sev", "sev-es", "sev-snp", "tdx", "unknown"}
# No network namespace plumbing (it needs iptables): the suite's servers listen on loopback.
RUNSC = ["runsc", "--network=none", "do"]


def why_not():
    if shutil.which("runsc") is None:
        return "runsc (gVisor) not installed"
    if os.geteuid() != 0:
        return "runsc do needs root"
    p = subprocess.run(RUNSC + ["true"], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        lines = p.stderr.strip().splitlines()
        return "runsc do true fails here: " + (lines[-1] if lines else "exit %d" % p.returncode)
    return None


def in_gvisor(*args, timeout=600):
    return subprocess.run(RUNSC + [tbtest.TINYBEN, *args], capture_output=True, text=True,
                          timeout=timeout)


class Gvisor(unittest.TestCase):
    def test_detect(self):
        p = in_gvisor("detect")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(p.stdout.splitlines()[0], LEVELS)
        p = in_gvisor("detect", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(json.loads(p.stdout)["level"], LEVELS)

    def test_short_suite_has_no_failed_row(self):
        # runsc do gives the sandbox a throw-away overlay of the host's files: the rows come
        # back on stdout.
        p = in_gvisor("run", "--quick", "-q", "-r", "1", "--min-time", "0.05", "--dir", "/tmp")
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        rows = tbtest.parse_csv(p.stdout)
        self.assertEqual({r["status"] for r in rows} - {"ok", "skipped"}, set(),
                         [r for r in rows if r["status"] not in ("ok", "skipped")][:3])
        benches = {b["name"] for b in map(json.loads, tbtest.run("list", "--json").stdout.splitlines())}
        self.assertEqual({r["bench"] for r in rows}, benches)
        for r in rows:
            if r["status"] == "skipped":
                self.assertTrue(r["detail"].strip(), r)
        kernels = {r["kernel"] for r in rows}
        # The rows come from gVisor's kernel, not from the host's (a runsc that ran the
        # command outside the sandbox would pass every other check).
        self.assertNotIn(os.uname().release, kernels)
        print("# gVisor kernel %s: %d ok, %d skipped" % (
            ",".join(sorted(kernels)), sum(r["status"] == "ok" for r in rows),
            sum(r["status"] == "skipped" for r in rows)))


if __name__ == "__main__":
    tbtest.main(unless=why_not())
