"""mem.tmb and mem.mbw: bandwidth rows, units, CPU-feature skips, --threads scaling rows."""
import re

import tbtest
from tbtest import run, parse_csv, ok_rows

TINY = ["--quick", "-r", "2", "--min-time", "0.005"]
TMB = ["-b", "mem.tmb", *TINY, "--set", "mem.tmb.size_mib=1"]


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


def variants_listed(bench):
    p = run("list", "--json")
    import json
    for line in p.stdout.splitlines():
        e = json.loads(line)
        if e["name"] == bench:
            return e["variants"]
    raise AssertionError(f"{bench} not listed")


class Tmb(tbtest.TempDirTest):
    def test_every_variant_measured_or_skipped(self):
        p = run("run", *TMB)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        names = variants_listed("mem.tmb")
        for v in ("c-copy", "c-copy-backwards", "c-copy-pf32", "c-2pass-copy", "c-fill", "memcpy",
                  "memset", "movsb-copy", "sse2-copy", "sse2-nt-copy", "sse2-fill",
                  "sse2-nt-fill", "avx2-copy", "avx512-copy"):
            self.assertIn(v, names)
        flags = cpu_flags()
        for v in names:
            mine = [r for r in rows if r["variant"] == v]
            ok = [r for r in mine if r["status"] == "ok"]
            skipped = [r for r in mine if r["status"] == "skipped"]
            if v.startswith("avx512") and flags is not None and "avx512f" not in flags:
                self.assertEqual(len(skipped), 1, v)
                self.assertIn("AVX-512F", skipped[0]["detail"])
                continue
            if v.startswith("avx2") and flags is not None and "avx2" not in flags:
                self.assertEqual(len(skipped), 1, v)
                continue
            if flags is not None:
                self.assertEqual(len(ok), 2, f"{v}: {mine}")
            for r in ok:
                self.assertEqual(r["metric"], "bw")
                self.assertEqual(r["unit"], "MB/s")
                self.assertEqual(r["better"], "higher")
                self.assertGreater(float(r["value"]), 0)
                self.assertIn("size_bytes=1048576", r["detail"])
                self.assertIn("mb_bytes=1000000", r["detail"])
                # The runner's keys, the same for every benchmark that scales.
                self.assertIn("threads=1 pinned=no", r["detail"])
        two = ok_rows(rows, variant="c-2pass-copy")
        self.assertTrue(all("block_bytes=2048" in r["detail"] for r in two))

    def test_max_isa_skips_wider_kernels(self):
        p = run("run", "-b", "mem.tmb:sse2-copy,mem.tmb:avx2-copy,mem.tmb:avx512-fill", *TINY,
                "--set", "mem.tmb.size_mib=1", "--set", "mem.tmb.max_isa=0")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual(len(ok_rows(rows, variant="sse2-copy")), 2)
        for v in ("avx2-copy", "avx512-fill"):
            r = [r for r in rows if r["variant"] == v]
            self.assertEqual([x["status"] for x in r], ["skipped"], r)
            self.assertTrue("max_isa=0" in r[0]["detail"] or "lacks" in r[0]["detail"])

    def test_bad_isa_is_bad_input(self):
        p = run("run", *TMB, "--set", "mem.tmb.max_isa=3")
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, "")

    def test_threads_rows_aggregate_and_pinned(self):
        p = run("run", "-b", "mem.tmb:memcpy,mem.tmb:sse2-nt-fill", *TINY,
                "--set", "mem.tmb.size_mib=1", "--threads", "1,2")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual({r["variant"] for r in rows},
                         {"memcpy-t1", "memcpy-t2", "sse2-nt-fill-t1", "sse2-nt-fill-t2"})
        for r in rows:
            self.assertEqual(r["status"], "ok")
            n = int(r["variant"].rsplit("-t", 1)[1])
            self.assertIn(f"threads={n}", r["detail"])
            m = re.search(r"cpus=([\d,]+)", r["detail"])
            self.assertIsNotNone(m, r["detail"])
            self.assertEqual(len(m.group(1).split(",")), n)


class MbwThreads(tbtest.TempDirTest):
    MBW = ["-b", "mem.mbw", *TINY, "--set", "mem.mbw.size_mib=2"]

    def test_default_is_one_unpinned_thread(self):
        p = run("run", *self.MBW)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual({r["variant"] for r in rows}, {"MEMCPY", "DUMB", "MCBLOCK"})
        self.assertEqual(len(rows), 3 * 2 * 2)
        # One set of keys for every benchmark that scales (mem.mbw wrote none by default,
        # cpu.lz4 always wrote threads=): threads=1 and pinned=no.
        self.assertTrue(all("threads=1 pinned=no" in r["detail"] for r in rows))

    def test_too_big_for_memory_is_skipped_not_killed(self):
        # One check for every benchmark: a team of 512 threads with their own buffers, or
        # one thread with buffers larger than the machine, is a skipped row, never OOM.
        # Buffers of avail/256 each: one thread fits, 512 threads need 4x what there is.
        avail_mib = next(int(line.split()[1]) >> 10 for line in open("/proc/meminfo")
                         if line.startswith("MemAvailable:"))
        team = str(max(1, avail_mib // 256))
        for extra, size, variant in ((["--threads", "512"], team, "c-copy-t512"),
                                     ([], "65536", "c-copy")):
            with self.subTest(extra=extra):
                p = run("run", "-b", "mem.tmb:c-copy", *TINY,
                        "--set", "mem.tmb.size_mib=" + size, *extra)
                self.assertEqual(p.returncode, 0, p.stderr)
                rows = parse_csv(p.stdout)
                self.assertEqual([(r["variant"], r["status"]) for r in rows],
                                 [(variant, "skipped")])
                self.assertRegex(rows[0]["detail"], r"needs \d+ MiB of memory")

    def test_threads_list(self):
        p = run("run", *self.MBW, "--threads", "2,1")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        want = {f"{v}-t{n}" for v in ("MEMCPY", "DUMB", "MCBLOCK") for n in (1, 2)}
        self.assertEqual({r["variant"] for r in rows}, want)
        self.assertEqual(len(rows), 6 * 2 * 2)
        for r in ok_rows(rows, metric="bw"):
            self.assertEqual(r["unit"], "MiB/s")
            self.assertGreater(float(r["value"]), 0)
            self.assertRegex(r["detail"], r"threads=\d .*cpus=\d")
        blk = ok_rows(rows, variant="MCBLOCK-t2")
        self.assertTrue(all("block_bytes=262144" in r["detail"] for r in blk))


if __name__ == "__main__":
    tbtest.main()
