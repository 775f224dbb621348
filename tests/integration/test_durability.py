"""Durability of the results file: whatever kills the run or fills the disk, the file holds
whole rows only, and a run that lost rows says so."""
import json
import os
import random
import re
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
        # A kill before the output was opened leaves no file (an ASan build takes longer than
        # the shortest delay to get there): nothing to tear, but most kills must find one.
        rnd = random.Random(14)
        opened = 0
        for i in range(30):
            out = self.path(f"r{i}.csv")
            p = subprocess.Popen([TINYBEN, *MANY_ROWS, "-q", "-r", "20", "-o", out],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.02, 0.6))
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=60)
            if not os.path.exists(out):
                continue
            opened += 1
            with self.subTest(i=i):
                assert_whole_rows(self, out)
        self.assertGreaterEqual(opened, 20, "most kills came before the output was opened")

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

    def children(self, pid):
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def start_runs(self, out, runs=3):
        return subprocess.Popen([TINYBEN, *MANY_ROWS, "-q", "-r", "20", "--runs", str(runs),
                                 "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)

    def wait_for_rows(self, out, p, rows=3):
        deadline = time.monotonic() + 60
        while tbtest.line_count(out) < rows and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)

    def test_sigkill_of_runs_keeps_the_rows_in_the_output(self):
        # -o exists from the start, and the rows of the run under way are in it (not in a
        # temp file beside it) when the parent is killed.
        for i in range(3):
            with self.subTest(i=i):
                out = self.path(f"runs{i}.csv")
                p = self.start_runs(out)
                # Once run 1's process exists (a sanitizer build takes a while to get there),
                # -o must too: it is claimed before the first run starts.
                deadline = time.monotonic() + 30
                while not self.children(p.pid) and p.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(0.1 * i)
                self.assertTrue(self.children(p.pid), "run 1 never started")
                self.assertTrue(os.path.exists(out), "-o does not exist while run 1 is under way")
                self.wait_for_rows(out, p)
                kids = self.children(p.pid)
                p.send_signal(signal.SIGKILL)
                p.wait(timeout=60)
                for kid in kids:  # the run ends on its parent's death (PDEATHSIG)
                    deadline = time.monotonic() + 30
                    while os.path.exists(f"/proc/{kid}") and time.monotonic() < deadline:
                        time.sleep(0.05)
                self.assertGreater(assert_whole_rows(self, out), 1)
                self.assert_no_leftovers(self.tmp, [f for f in os.listdir(self.tmp)
                                                    if f.endswith(".csv")])

    def test_a_run_killed_by_a_signal_is_named_with_what_was_kept(self):
        out = self.path("killed.csv")
        p = self.start_runs(out, runs=2)
        self.wait_for_rows(out, p, rows=5)
        kids = self.children(p.pid)
        self.assertTrue(kids, "no run under way")
        os.kill(kids[0], signal.SIGKILL)
        _, err = p.communicate(timeout=300)
        self.assertEqual(p.returncode, 1, err)
        m = re.search(r"run 1 of 2 was killed by signal 9 \(Killed\): .* kept in "
                      r"\S*killed\.csv \((\d+) rows?\)", err)
        self.assertTrue(m, err)
        rows = tbtest.read_csv(out)
        run_ids = list(dict.fromkeys(r["run_id"] for r in rows))
        self.assertEqual(len(run_ids), 2, "run 2 did not follow the killed run 1")
        self.assertEqual(int(m.group(1)), sum(r["run_id"] == run_ids[0] for r in rows))


if __name__ == "__main__":
    tbtest.main()
