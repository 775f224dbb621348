"""cpu.exits: one variant per operation, ns and cycles per op, overhead and TSC in detail."""
import os
import subprocess

import tbtest
from tbtest import run, parse_csv, ok_rows

VARIANTS = ["cpuid_0", "cpuid_1", "cpuid_b", "cpuid_8000001f", "rdtsc", "rdtscp", "getppid",
            "clock_gettime", "page_fault", "mmap_munmap", "pipe_roundtrip", "sched_yield"]


class Exits(tbtest.TempDirTest):
    def test_every_variant_has_ns_and_cycles(self):
        p = run("run", "-b", "cpu.exits", "--quick", "--min-time", "0.005", "-q",
                "--set", "cpu.exits.fault_mib=1")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual(sorted({r["variant"] for r in rows}), sorted(VARIANTS))
        for v in VARIANTS:
            if v == "pipe_roundtrip" and len(os.sched_getaffinity(0)) < 2:
                skipped = [r for r in rows if r["variant"] == v]
                self.assertEqual([r["status"] for r in skipped], ["skipped"])
                continue
            ns = ok_rows(rows, "cpu.exits", v, "ns_per_op")
            cyc = ok_rows(rows, "cpu.exits", v, "cycles_per_op")
            self.assertEqual(len(ns), 3, v)
            self.assertEqual(len(cyc), 3, v)
            for a, b in zip(ns, cyc):
                self.assertEqual(a["unit"], "ns")
                self.assertEqual(b["unit"], "cycles")
                self.assertEqual(a["better"], "lower")
                # Each of these costs far more than the empty loop that is subtracted.
                self.assertGreater(float(a["value"]), 0, v)
                d = dict(kv.split("=", 1) for kv in a["detail"].split(" ") if "=" in kv)
                # The runner's facts: the repetition's seconds over its iterations.
                raw = float(d["seconds"]) * 1e9 / float(d["iterations"])
                hz, ovh = float(d["tsc_hz"]), float(d["loop_overhead_ns"])
                self.assertGreater(hz, 1e8)
                self.assertGreaterEqual(ovh, 0)
                self.assertAlmostEqual(float(a["value"]), raw - ovh, delta=0.01 + raw * 1e-5)
                self.assertAlmostEqual(float(b["value"]), float(a["value"]) * hz / 1e9,
                                       delta=float(b["value"]) * 1e-6 + 0.01)
        clock = ok_rows(rows, variant="clock_gettime", metric="ns_per_op")[0]["detail"]
        self.assertIn("clocksource=", clock)
        self.assertIn("vdso=", clock)
        self.assertIn("leaf=0x8000001f", ok_rows(rows, variant="cpuid_8000001f")[0]["detail"])

    def test_page_fault_mapping_too_big_is_skipped(self):
        # 64 GiB faulted in at once cannot fit here: a skipped row, not an OOM kill.
        avail = next(int(line.split()[1]) << 10 for line in open("/proc/meminfo")
                     if line.startswith("MemAvailable:"))
        if avail >= 64 << 30:
            self.skipTest("this machine has 64 GiB available: the mapping would fit")
        p = run("run", "-b", "cpu.exits:page_fault", "--quick", "-q",
                "--set", "cpu.exits.fault_mib=65536")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual([(r["variant"], r["status"]) for r in rows], [("page_fault", "skipped")])
        self.assertIn("needs 65536 MiB of memory", rows[0]["detail"])

    def test_pipe_roundtrip_on_one_cpu_is_skipped_by_its_row(self):
        # The variant's row says it needs 2 CPUs; the runner checks it, on one CPU here.
        cpu = min(os.sched_getaffinity(0))
        rows = tbtest.rows_of(self, subprocess.run(
            ["taskset", "-c", str(cpu), tbtest.TINYBEN, "run", "-b", "cpu.exits:pipe_roundtrip,cpu.exits:rdtsc",
             "--quick", "-q", "--min-time", "0.005", "-r", "1"], capture_output=True, text=True, timeout=120))
        pipe = [r for r in rows if r["variant"] == "pipe_roundtrip"]
        self.assertEqual([r["status"] for r in pipe], ["skipped"])
        self.assertIn("needs 2 CPUs, this process may use 1", pipe[0]["detail"])
        self.assertEqual(len(ok_rows(rows, variant="rdtsc")), 2)


if __name__ == "__main__":
    tbtest.main()
