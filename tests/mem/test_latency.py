"""mem.latency: the curve's rows (mode-pages-bytes), units, THP skip, and latency rising past the caches."""
import re
import statistics

import tbtest
from tbtest import run, parse_csv, ok_rows

ARGS = ["-b", "mem.latency", "--quick", "-r", "3", "--min-time", "0.02",
        "--set", "mem.latency.max_kib=65536"]
NAME = re.compile(r"^(single|dual)-(4k|thp)-(\d+)$")


def thp_mode():
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return re.search(r"\[(\w+)\]", f.read()).group(1)
    except (OSError, AttributeError):
        return None


class Latency(tbtest.TempDirTest):
    @classmethod
    def setUpClass(cls):
        p = run("run", *ARGS)
        cls.rc, cls.err = p.returncode, p.stderr
        cls.rows = parse_csv(p.stdout)

    def test_exit_and_rows(self):
        self.assertEqual(self.rc, 0, self.err)
        sizes = {}
        for r in ok_rows(self.rows):
            m = NAME.match(r["variant"])
            self.assertIsNotNone(m, r["variant"])
            self.assertIn(f"block_bytes={m.group(3)}", r["detail"])
            self.assertIn(r["metric"], ("latency", "latency_above_l1"))
            self.assertEqual(r["unit"], "ns")
            self.assertEqual(r["better"], "lower")
            self.assertGreaterEqual(float(r["value"]), 0)
            sizes.setdefault((m.group(1), m.group(2)), set()).add(int(m.group(3)))
        want = {1024 << i for i in range(17)}  # 1 KiB .. 64 MiB
        self.assertEqual(sizes[("single", "4k")], want)
        self.assertEqual(sizes[("dual", "4k")], want)
        # reps x 2 metrics per point
        self.assertEqual(len(ok_rows(self.rows, variant="single-4k-4096")), 6)

    def test_thp_rows_or_skip(self):
        thp = [r for r in self.rows if "-thp-" in r["variant"] or r["variant"] == "thp"]
        if thp_mode() == "never":
            self.assertEqual([r["status"] for r in thp], ["skipped"])
            self.assertIn("never", thp[0]["detail"])
        else:
            self.assertTrue(thp)
            self.assertTrue(all(r["status"] == "ok" for r in thp))

    def test_latency_rises_past_the_caches(self):
        def med(variant):
            v = [float(r["value"]) for r in ok_rows(self.rows, variant=variant, metric="latency")]
            return statistics.median(v)
        for mode in ("single", "dual"):
            small, big = med(f"{mode}-4k-1024"), med(f"{mode}-4k-67108864")
            # 64 MiB is past any L1/L2 and every L3 of this generation of server cores:
            # DRAM with TLB misses is tens of times slower than an L1 hit.
            self.assertGreater(big, 3 * small, (mode, small, big))
            above = [float(r["value"]) for r in
                     ok_rows(self.rows, variant=f"{mode}-4k-67108864", metric="latency_above_l1")]
            self.assertGreater(statistics.median(above), 0)


if __name__ == "__main__":
    tbtest.main()
