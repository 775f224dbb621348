"""`tinyben run --runs N`: N runs with their own run_id and order in one file, that compare
takes as N runs; Ctrl-C keeps whole rows and leaves nothing behind."""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import time

import tbtest
from tbtest import run

FAST = ["-b", "cpu.exits:getppid,cpu.exits:rdtsc", "-r", "3", "--min-time", "0.01", "-q"]


class Runs(tbtest.TempDirTest):
    def test_three_runs_in_one_file_compare_sees_three(self):
        out = self.path("three.csv")
        p = run("run", "--runs", "3", *FAST, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = tbtest.read_csv(out)  # one header: read_csv checks it
        ids = {r["run_id"] for r in rows}
        self.assertEqual(len(ids), 3)
        for rid in ids:
            self.assertEqual(len([r for r in rows if r["run_id"] == rid and r["status"] == "ok"]),
                             12)  # 2 variants x 2 metrics x 3 reps
        with open(out, newline="") as f:
            self.assertEqual(f.read().count("timestamp,run_id"), 1)
        p = run("compare", "--format", "csv", out, out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning: compare: 3 runs (run_id) are in both base and cand: copies of "
                      "the same runs, so the two are not independent", p.stderr)
        for r in csv.DictReader(io.StringIO(p.stdout, newline="")):
            self.assertEqual((r["base_runs"], r["cand_runs"]), ("3", "3"))
            self.assertEqual(r["ci_method"], "runs")
            self.assertEqual(r["significant"], "no")  # the same runs on both sides
        self.assert_no_leftovers(self.tmp, allowed=("three.csv",))

    def test_in_process_without_proc(self):
        # Without /proc (a minimal guest), /proc/self/exe cannot be executed: the runs
        # happen in this process, still each with its own run_id.
        if not shutil.which("unshare") or subprocess.run(
                ["unshare", "-m", "true"], capture_output=True).returncode != 0:
            self.skipTest("unshare -m not permitted here (needs CAP_SYS_ADMIN)")
        with open(tbtest.TINYBEN, "rb") as f:
            if b"__asan_init" in f.read():
                self.skipTest("a sanitizer build needs /proc")
        out = self.path("inproc.csv")
        p = subprocess.run(["unshare", "-m", "sh", "-c", 'umount -l /proc && exec "$@"', "sh",
                            tbtest.TINYBEN, "run", "--runs", "3", *FAST[:-1], "-o", out],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("run 2 of 3 (in this process", p.stderr)
        rows = tbtest.read_csv(out)
        self.assertEqual(len({r["run_id"] for r in rows}), 3)
        self.assert_no_leftovers(self.tmp, allowed=("inproc.csv",))

    def test_json_lines(self):
        out = self.path("two.jsonl")
        p = run("run", "--runs", "2", *FAST, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            lines = [json.loads(l) for l in f]
        self.assertEqual(len({l["run_id"] for l in lines}), 2)

    def test_shuffle_changes_the_order_of_variants(self):
        # Registry order is cpuid_0 ... rdtsc ... getppid; seed 2 draws another order.
        p = run("run", "--shuffle", "2", "-b", "cpu.exits:getppid,cpu.exits:rdtsc,"
                "cpu.exits:cpuid_0", "-r", "1", "--min-time", "0.001", "-q")
        self.assertEqual(p.returncode, 0, p.stderr)
        order = []
        for r in tbtest.parse_csv(p.stdout):
            if r["variant"] not in order:
                order.append(r["variant"])
        self.assertEqual(order, ["rdtsc", "getppid", "cpuid_0"])

    def test_bad_values(self):
        tbtest.assert_usage_errors(self, [
            (["run", "--runs", "0"], "--runs '0': expected a whole number of runs from 1 to 1000"),
            (["run", "--runs", "x"], "--runs 'x': expected a whole number of runs from 1 to 1000"),
            (["run", "--runs", "1001"], "--runs '1001'"),
        ])
        # A bad selection is found by the first run: exit 2 and no output file, as
        # without --runs.
        out = self.path("never.csv")
        p = run("run", "--runs", "3", "-b", "no.such.bench", "-q", "-o", out)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("no benchmark matches 'no.such.bench'", p.stderr)
        self.assertFalse(os.path.exists(out))
        self.assert_no_leftovers(self.tmp, allowed=("exists.csv",))
        p = run("run", "--runs", "2", *FAST, "-o", self.path("no-dir/x.csv"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("no-dir/x.csv: cannot create: No such file or directory", p.stderr)
        existing = self.path("exists.csv")
        open(existing, "w").close()
        p = run("run", "--runs", "2", *FAST, "-o", existing)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(os.path.getsize(existing), 0)

    def test_a_killed_parent_takes_its_run_along(self):
        # SIGKILL (the OOM killer, `kill -9`) cannot be caught: the run in its own process
        # group must not go on alone for minutes.
        out = self.path("killed.csv")
        p = subprocess.Popen([tbtest.TINYBEN, "run", "--runs", "5", "-b", "cpu.exits:getppid",
                              "-r", "50", "--min-time", "0.2", "-q", "-o", out],
                             stderr=subprocess.DEVNULL)
        child = None
        for _ in range(200):
            kids = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True,
                                  text=True).stdout.split()
            if kids:
                child = int(kids[0])
                break
            time.sleep(0.05)
        if child is None:
            p.kill()
            p.wait()
            self.skipTest("the run's process did not show up (pgrep missing?)")
        p.kill()
        p.wait()
        for _ in range(100):  # 5 s: its current repetition ends, then it leaves
            try:
                with open(f"/proc/{child}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        break  # gone, not yet reaped by its new parent
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.05)
        else:
            os.kill(child, signal.SIGKILL)
            self.fail("the run went on after its parent was killed")

    def test_ctrl_c_keeps_whole_rows_and_cleans_up(self):
        out = self.path("cut.csv")
        # Many runs: the first one's rows are in the file before the signal.
        args = ["run", "--runs", "50", "-b", "cpu.exits:getppid", "-r", "3", "--min-time",
                "0.2", "-q", "-o", out]
        rc, _, err = tbtest.interrupt_when(args, lambda: tbtest.line_count(out) > 1,
                                           sig=signal.SIGINT, timeout=60)
        self.assertEqual(rc, 130, err)
        self.assertIn("interrupted", err)
        rows = tbtest.read_csv(out)  # whole rows only, one header
        ids = {r["run_id"] for r in rows}
        self.assertTrue(1 <= len(ids) < 50)
        self.assert_no_leftovers(self.tmp, allowed=("cut.csv",))


if __name__ == "__main__":
    tbtest.main()
