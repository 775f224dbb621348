"""io.uring end to end: jobs and metrics, the psync fallback, the space check, block-device
refusal, O_DIRECT fallback on tmpfs, temp-file hygiene, Ctrl-C."""
import os
import stat
import tempfile

import tbtest
from tbtest import run, parse_csv, ok_rows

TINY = ["-r", "2", "--set", "io.uring.size=4M", "--set", "io.uring.runtime_ms=60",
        "--set", "io.uring.ramp_ms=10"]
JOBS = ["randread-qd1", "randread-qd32", "randwrite-qd1", "randwrite-qd32",
        "read-qd1", "read-qd32", "write-qd1", "write-qd32"]
NO_URING = {"TINYBEN_NO_IO_URING": "1"}


def block_device():
    for name in sorted(os.listdir("/dev")):
        path = os.path.join("/dev", name)
        try:
            if stat.S_ISBLK(os.stat(path).st_mode):
                return path
        except OSError:
            pass
    return None


class Uring(tbtest.TempDirTest):
    def tiny(self, selection, *args, status=0, env=None, where=None):
        """`tinyben run -b SELECTION` at the TINY sizes with ARGS, its files in `where` (default
        the test's folder); it must exit with `status`. The finished process."""
        p = run("run", "-b", selection, *TINY, *args, "--dir", where or self.tmp, env=env)
        self.assertEqual(p.returncode, status, p.stderr)
        return p

    def check_rows(self, rows, engine):
        self.assertEqual({r["status"] for r in rows}, {"ok"})
        for job in JOBS:
            got = ok_rows(rows, variant=job)
            # 5 metrics x 2 reps
            self.assertEqual(len(got), 10, job)
            units = {r["metric"]: (r["unit"], r["better"]) for r in got}
            self.assertEqual(units, {
                "iops": ("IO/s", "higher"), "bw": ("MB/s", "higher"),
                "latency_p50": ("us", "lower"), "latency_p99": ("us", "lower"),
                "latency_p99.9": ("us", "lower")})
            for r in got:
                self.assertGreater(float(r["value"]), 0)
                self.assertIn("engine=" + engine, r["detail"])
            bs = 4096 if job.startswith("rand") else 131072
            self.assertIn(f"bs={bs}", got[0]["detail"])
            for rep in ("1", "2"):
                iops = [float(r["value"]) for r in got if r["metric"] == "iops" and r["rep"] == rep][0]
                bw = [float(r["value"]) for r in got if r["metric"] == "bw" and r["rep"] == rep][0]
                self.assertAlmostEqual(bw, iops * bs / 1e6, delta=bw * 1e-6)
                p50, p99, p999 = ([float(r["value"]) for r in got
                                   if r["metric"] == m and r["rep"] == rep][0]
                                  for m in ("latency_p50", "latency_p99", "latency_p99.9"))
                self.assertLessEqual(p50, p99)
                self.assertLessEqual(p99, p999)
        fs = ok_rows(rows, variant="fsync")
        self.assertEqual(sorted({r["metric"] for r in fs}),
                         ["iops", "latency_p50", "latency_p99", "latency_p99.9"])
        self.assertIn("engine=pwrite+fdatasync", fs[0]["detail"])

    def test_all_jobs_tiny(self):
        p = self.tiny("io.uring")
        rows = parse_csv(p.stdout)
        engine = "io_uring" if "engine=io_uring" in p.stdout else "psync"
        self.check_rows(rows, engine)
        if engine == "io_uring":
            d = ok_rows(rows, variant="randread-qd32")[0]["detail"]
            self.assertIn("qd=32", d)
            self.assertIn("fixed_files=1", d)
        self.assert_no_leftovers(self.tmp)

    def test_psync_forced_by_environment(self):
        p = self.tiny("io.uring", env=NO_URING)
        rows = parse_csv(p.stdout)
        self.check_rows(rows, "psync")
        self.assertNotIn("engine=io_uring", p.stdout)
        d = ok_rows(rows, variant="randread-qd32")[0]["detail"]
        self.assertIn("forced=TINYBEN_NO_IO_URING", d)
        # psync is synchronous: the depth really used is 1, and the row says so
        self.assertIn("qd=1 qd_requested_but_psync_is_synchronous=1", d)
        self.assert_no_leftovers(self.tmp)

    def test_psync_forced_by_option(self):
        p = self.tiny("io.uring:randread-qd1", "--set", "io.uring.engine=psync")
        rows = parse_csv(p.stdout)
        self.assertEqual(len(rows), 10)
        self.assertTrue(all("engine=psync forced=option" in r["detail"] for r in rows))

    def test_bad_engine_is_bad_usage(self):
        # A choice outside its words is bad usage, like a bad number: exit 2 before
        # anything runs, one line naming the words.
        for engine in ("aio", "bogus", ""):
            p = self.tiny("io.uring:read-qd1", "--set", "io.uring.engine=" + engine, status=2)
            self.assertEqual(p.stdout, "")
            self.assertEqual(p.stderr.strip().splitlines(),
                             [f"tinyben: run: --set io.uring.engine: '{engine}' is not one of "
                              "auto, io_uring, psync"])
        self.assert_no_leftovers(self.tmp)

    def test_too_little_space_is_skipped(self):
        # 1 PiB cannot fit: every variant is a skipped row, and nothing is written.
        p = self.tiny("io.uring", "--set", "io.uring.size=1048576G")
        rows = parse_csv(p.stdout)
        self.assertEqual(len(rows), 9)
        for r in rows:
            self.assertEqual(r["status"], "skipped")
            self.assertIn("not enough space", r["detail"])
        self.assert_no_leftovers(self.tmp)

    def test_block_device_refused(self):
        dev = block_device()
        if dev is None and os.geteuid() == 0:
            # A minimal root (a chroot, a container) has no block device in /dev: make a node of
            # an unattached loop minor, which nothing could write to even if the check failed.
            dev = self.path("blockdev")
            os.mknod(dev, 0o600 | stat.S_IFBLK, os.makedev(7, 255))
        if dev is None:
            self.skipTest("no block device in /dev, and not root to make one")
        p = self.tiny("io.uring:randread-qd1", "--set", f"io.uring.file={dev}", status=1)
        rows = parse_csv(p.stdout)
        self.assertEqual([r["status"] for r in rows], ["failed"])
        self.assertIn("refused", rows[0]["detail"])
        self.assertIn("--allow-device", rows[0]["detail"])

    def test_regular_file_as_device_refused(self):
        victim = self.path("precious")
        with open(victim, "w") as f:
            f.write("keep me")
        # A file that is not a block device is bad usage, refused before anything runs
        # (exit 2, one line), as is a path that does not exist.
        for path in (victim, self.path("missing")):
            p = self.tiny("io.uring:randwrite-qd1", "--allow-device", "--set", f"io.uring.file={path}",
                          status=2)
            self.assertEqual(p.stdout, "")
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertIn("--set io.uring.file: ", p.stderr)
        self.assertIn("not a block device", run("run", "-b", "io.uring:read-qd1", *TINY,
                      "--set", f"io.uring.file={victim}", "--dir", self.tmp).stderr)
        with open(victim) as f:
            self.assertEqual(f.read(), "keep me")
        self.assert_no_leftovers(self.tmp, allowed=["precious"])

    def test_block_size_not_multiple_of_512_is_bad_usage(self):
        for opt in ("rand_bs=513", "seq_bs=4097"):
            p = self.tiny("io.uring:randread-qd1", "--set", "io.uring." + opt, status=2)
            self.assertEqual(p.stdout, "")
            self.assertEqual(p.stderr.strip().splitlines(),
                             [f"tinyben: run: --set io.uring.{opt.split('=')[0]}: "
                              f"{opt.split('=')[1]} is not a multiple of 512"])
        self.assert_no_leftovers(self.tmp)

    def test_tmpfs_falls_back_to_buffered(self):
        if not os.path.isdir("/dev/shm") or not os.access("/dev/shm", os.W_OK):
            self.skipTest("no writable /dev/shm")
        with tempfile.TemporaryDirectory(dir="/dev/shm", prefix="tbtest-") as d:
            if os.statvfs(d).f_bavail * os.statvfs(d).f_frsize < (80 << 20):
                self.skipTest("/dev/shm too small")
            p = self.tiny("io.uring:randread-qd1", env=NO_URING, where=d)
            rows = parse_csv(p.stdout)
            self.assertEqual({r["status"] for r in rows}, {"ok"})
            # tmpfs accepts O_DIRECT since Linux 6.6: expect what this kernel does
            probe = os.path.join(d, "probe")
            try:
                os.close(os.open(probe, os.O_CREAT | os.O_RDWR | os.O_DIRECT, 0o600))
                direct_ok = True
            except OSError:
                direct_ok = False
            os.unlink(probe)
            want = "direct=1 " if direct_ok else "direct=buffered(O_DIRECT:EINVAL)"
            self.assertIn(want, rows[0]["detail"])
            self.assert_no_leftovers(d)

    def test_buffered_by_option(self):
        p = self.tiny("io.uring:read-qd1", "--set", "io.uring.direct=0", env=NO_URING)
        rows = parse_csv(p.stdout)
        self.assertTrue(all("direct=buffered(option)" in r["detail"] for r in rows))

    def test_interrupt_leaves_nothing(self):
        def file_written():
            # the test file exists and is filled: the job itself is running
            for n in os.listdir(self.tmp):
                try:
                    if n.startswith("tinyben-uring-") and \
                            os.stat(os.path.join(self.tmp, n)).st_size >= 4 << 20:
                        return True
                except FileNotFoundError:
                    pass
            return False
        code, out, err = tbtest.interrupt_when(
            ["run", "-b", "io.uring:randread-qd32", "--set", "io.uring.size=4M",
             "--set", "io.uring.runtime_ms=60000", "--dir", self.tmp], file_written)
        self.assertEqual(code, 130, err)
        parse_csv(out)
        self.assert_no_leftovers(self.tmp)

    def test_interrupted_repetition_is_never_a_sample(self):
        # Repetitions of 0.4 s; the signal lands during a later one (the first two are
        # whole by then). Only whole repetitions may be rows: runtime_s is the full 0.4 s,
        # never the part of one that the signal cut short, and nothing follows the signal.
        out = self.path("int.csv")
        for delay in (1.3, 1.55):
            with self.subTest(delay=delay):
                if os.path.exists(out):
                    os.unlink(out)
                code, _, err = tbtest.interrupt_after(
                    ["run", "-q", "-b", "io.uring:randread-qd1,io.uring:fsync", "-r", "20",
                     "--set", "io.uring.size=4M", "--set", "io.uring.runtime_ms=400",
                     "--set", "io.uring.ramp_ms=100", "--dir", self.tmp, "-o", out], delay)
                self.assertEqual(code, 130, err)
                rows = tbtest.read_csv(out)
                self.assertTrue(rows)
                for r in rows:
                    self.assertEqual(r["status"], "ok")
                    runtime = float(r["detail"].split("runtime_s=")[1].split()[0])
                    self.assertGreaterEqual(runtime, 0.399, r["detail"])
                self.assertLessEqual(len({r["rep"] for r in rows}), 3)


if __name__ == "__main__":
    tbtest.main()
