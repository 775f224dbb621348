"""Durability of the results file: whatever kills the run or fills the disk, the file holds
whole rows only, and a run that lost rows says so."""
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import tbtest
from tbtest import TINYBEN, parse_csv

# Many small variants: many flushes, so a kill lands between or inside them.
MANY_ROWS = ["run", "--quick", "-b", "cpu.exits:rdtsc,mem.latency",
             "--set", "mem.latency.max_kib=1024", "--min-time", "0.002"]


def assert_whole_rows(test, path, fmt="csv"):
    """The file is empty or ends at the end of a row, and every row parses."""
    data = open(path, "rb").read()
    if not data:
        return 0
    if fmt == "csv":
        test.assertTrue(data.endswith(b"\r\n"), f"torn last row: {data[-80:]!r}")
        return len(parse_csv(data.decode()))
    test.assertTrue(data.endswith(b"}\n"), f"torn last line: {data[-80:]!r}")
    lines = data.decode().splitlines()
    for line in lines:
        rec = json.loads(line)
        test.assertEqual(list(rec), tbtest.HEADER)
    return len(lines)


class Durability(tbtest.TempDirTest):
    def test_kill_at_each_write_leaves_whole_rows(self):
        # strace turns the Nth vfork() into SIGKILL: tinyben dies exactly where a results
        # batch starts (its write() is made by a vfork()ed child), where a flush split in
        # several writes, or made after the kill, would be torn.
        if not shutil.which("strace"):
            self.skipTest("strace is not installed")
        probe = subprocess.run(["strace", "-o", "/dev/null", "true"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("strace cannot trace here: " + probe.stderr.decode().strip())
        killed = 0
        for fmt, ext in (("csv", "csv"), ("json", "json")):
            for when in range(2, 8):
                out = self.path(f"k{when}.{ext}")
                p = subprocess.run(["strace", "-f", "-o", "/dev/null", "-e",
                                    f"inject=vfork:signal=SIGKILL:when={when}", TINYBEN,
                                    *MANY_ROWS, "-q", "-o", out], capture_output=True,
                                   timeout=120)
                if p.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL, 137):
                    killed += 1
                with self.subTest(fmt=fmt, when=when):
                    assert_whole_rows(self, out, fmt)
        self.assertGreaterEqual(killed, 4, "the injected SIGKILL rarely hit the run")

    def test_kill_at_random_moments_leaves_whole_rows(self):
        # Linux ends a write() between two pages on a fatal signal: about one kill in a
        # hundred tore a row before the batch was written by a child SIGKILL cannot reach.
        rnd = random.Random(14)
        for i in range(30):
            out = self.path(f"r{i}.csv")
            p = subprocess.Popen([TINYBEN, *MANY_ROWS, "-q", "-r", "20", "-o", out],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.02, 0.6))
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=60)
            with self.subTest(i=i):
                assert_whole_rows(self, out)

    def test_full_file_system_keeps_whole_rows_and_says_what_was_lost(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a tiny tmpfs needs root")
        mnt = tempfile.mkdtemp(prefix="tbfull-")
        try:
            m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", mnt],
                               capture_output=True, text=True)
            if m.returncode != 0:
                self.skipTest("cannot mount a tmpfs here: " + m.stderr.strip())
            try:
                for fmt, name in (("csv", "full.csv"), ("json", "full.json")):
                    out = os.path.join(mnt, name)
                    p = tbtest.run(*MANY_ROWS, "-r", "20", "-o", out)
                    with self.subTest(fmt=fmt):
                        self.assertEqual(p.returncode, 1, p.stderr)
                        self.assertRegex(p.stderr, r"No space left on device; \d+ rows? of "
                                         r"mem\.latency .* lost, the file ends at its last "
                                         r"whole row")
                        self.assertGreater(assert_whole_rows(self, out, fmt), 0)
                        os.unlink(out)
            finally:
                subprocess.run(["umount", mnt], check=False)
        finally:
            os.rmdir(mnt)


if __name__ == "__main__":
    tbtest.main()
