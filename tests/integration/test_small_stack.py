"""Small stack limits (ulimit -s 16/24/32 KiB, soft and hard): every verb runs (the verb on
a thread with its own stack), never a SIGSEGV, and io.sqlite leaves no database behind;
Ctrl-C still stops a run with 130 and its rows."""
import os
import resource
import signal
import subprocess
import time

import tbtest
from tbtest import TINYBEN

RUN = ["run", "--quick", "-q", "-r", "1", "--min-time", "0.01", "-b",
       "cpu.exits:rdtsc,io.sqlite:wal,mem.mbw:MEMCPY,cpu.lz4:level1,mem.latency:single-4k-1024",
       "--threads", "1,2"]


def stack(kib):
    def limit():
        resource.setrlimit(resource.RLIMIT_STACK, (kib * 1024, kib * 1024))
    return limit


class SmallStack(tbtest.TempDirTest):
    def setUp(self):
        super().setUp()
        with open(TINYBEN, "rb") as f:
            if b"__asan_init" in f.read():
                self.skipTest("AddressSanitizer's start-up needs more than a 16 KiB stack: "
                              "a sanitizer build cannot start there")

    def run_at(self, kib, *args, timeout=300):
        return subprocess.run([TINYBEN, *args], capture_output=True, text=True,
                              timeout=timeout, preexec_fn=stack(kib), cwd=self.tmp)

    def test_run_and_report_work_at_small_stacks(self):
        d = self.path("io")
        os.mkdir(d)
        out = self.path("s.csv")
        p = self.run_at(24, *RUN, "--dir", d, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = tbtest.read_csv(out)
        self.assertEqual([r for r in rows if r["status"] != "ok"], [])
        self.assertEqual({r["bench"] for r in rows},
                         {"cpu.exits", "io.sqlite", "mem.mbw", "cpu.lz4", "mem.latency"})
        self.assertEqual(os.listdir(d), [], "io.sqlite left its database")
        for kib in (16, 32):
            with self.subTest(stack_kib=kib):
                p = self.run_at(kib, "report", "-o", self.path(f"r{kib}.html"), out)
                self.assertEqual(p.returncode, 0, p.stderr)
                p = self.run_at(kib, "compare", out, out)
                self.assertEqual(p.returncode, 0, p.stderr)
                p = self.run_at(kib, "run", "--quick", "-q", "-b", "io.sqlite:wal", "--dir", d)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(os.listdir(d), [], "io.sqlite left its database")
                p = self.run_at(kib, "detect")
                self.assertGreaterEqual(p.returncode, 0, "killed by a signal")

    def test_ctrl_c_at_a_small_stack_still_stops_the_run(self):
        out = self.path("int.csv")
        p = subprocess.Popen([TINYBEN, "run", "--quick", "-q", "-b", "cpu.exits,io.sqlite",
                              "-r", "50", "-o", out], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, preexec_fn=stack(24),
                             cwd=self.tmp)
        deadline = time.monotonic() + 60
        while tbtest.line_count(out) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, err)
        self.assertGreater(len(tbtest.read_csv(out)), 0)
        self.assert_no_leftovers(self.tmp, ["int.csv"])


if __name__ == "__main__":
    tbtest.main()
