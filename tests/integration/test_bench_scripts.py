"""bench/all-vs-reference.sh, one small round: every comparison against its reference tool runs
and prints a ratio. The scripts read tinyben's CSV by metric name; after a rename they printed
0.000 or failed (four of seven did, unnoticed, until this test)."""
import math
import os
import re
import shutil
import subprocess

import tbtest

TOOLS = ("mbw", "lz4", "fio", "sqlite3", "redis-benchmark", "redis-server", "cc", "iperf3",
         "sockperf", "swtpm", "tpm2_pcrread")
# Every line the table has without tinymembench (bench/*-vs-*.sh).
LINES = ["mem.mbw MEMCPY (medians)", "mem.mbw DUMB (medians)", "mem.mbw MCBLOCK (medians)",
         "mem.tmb memcpy vs glibc loop (medians)", "mem.tmb memset vs glibc loop (medians)",
         "cpu.lz4 level 1 compress (best)", "cpu.lz4 level 1 decompress (best)",
         "cpu.exits getppid vs C loop", "cpu.exits clock_gettime vs C loop",
         "io.redis P=1 SET rps", "io.redis P=1 GET rps", "io.redis P=16 SET rps",
         "io.redis P=16 GET rps", "io.uring QD1 IOPS", "io.uring QD1 p50 latency",
         "io.uring QD32 IOPS", "io.uring QD32 p50 latency", "io.sqlite autocommit time",
         "io.sqlite wal time", "io.net stream-send P=1 MB/s vs iperf3",
         "io.net stream-send P=4 MB/s vs iperf3", "io.net rr p50 round trip vs sockperf",
         "cc.attest tpm-pcr-read p50 vs tpm2-tools", "cc.attest tpm-quote p50 vs tpm2-tools"]


class BenchScripts(tbtest.TempDirTest):
    def test_every_comparison_gives_a_ratio(self):
        missing = [t for t in TOOLS if not shutil.which(t)]
        if missing:
            self.skipTest("reference tools missing: " + ", ".join(missing))
        env = dict(os.environ, ROUNDS="1", MBW_MIB="16", REDIS_N="5000", FIO_SIZE="64M",
                   FIO_RUNTIME="1", NET_SECONDS="1", TPM_N="5", DIR=self.tmp, TINYBEN=tbtest.TINYBEN,
                   TMPDIR=self.tmp)
        p = subprocess.run([os.path.join(tbtest.SOURCE_ROOT, "bench", "all-vs-reference.sh")],
                           capture_output=True, text=True, env=env, timeout=900, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertNotIn("FAILED", p.stdout + p.stderr)
        for label in LINES:
            m = re.search(r"^" + re.escape(label) + r"\s+(\S+)", p.stdout, re.M)
            self.assertIsNotNone(m, f"{label!r} not in the table:\n{p.stdout}")
            ratio = float(m.group(1))
            if label.startswith("cc.attest tpm"):
                # One request against a tpm2-tools process (its start-up included): tinyben
                # must be no slower, and a ratio is never 0.
                self.assertTrue(0 < ratio <= 1, (label, ratio))
                continue
            # Small sizes on a shared machine: far from 1 is allowed, 0 or nan is not.
            self.assertTrue(math.isfinite(ratio) and 0.05 < ratio < 20, (label, ratio))
        # DIR (io.uring's and io.sqlite's files) is emptied, the work directory removed.
        self.assertEqual(os.listdir(self.tmp), [])

    def test_a_failing_comparison_is_an_error(self):
        # A tinyben that fails: the script says which comparison failed and why, and exits
        # 1 (it printed 0.000 ratios and exited 0 before).
        if not shutil.which("mbw"):
            self.skipTest("mbw missing")
        env = dict(os.environ, ROUNDS="1", MBW_MIB="8", ONLY="mbw", TINYBEN="/bin/false",
                   DIR=self.tmp, TMPDIR=self.tmp)
        p = subprocess.run([os.path.join(tbtest.SOURCE_ROOT, "bench", "all-vs-reference.sh")],
                           capture_output=True, text=True, env=env, timeout=300, cwd=self.tmp)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("round 1 mbw: FAILED (tinyben run -b mem.mbw:MEMCPY failed", p.stdout)
        self.assertNotIn("0.000", p.stdout)
        self.assertEqual(os.listdir(self.tmp), [])


if __name__ == "__main__":
    tbtest.main()
