"""mem.latency: the curve's rows ([rand-]mode-pages-bytes), units, THP skip, latency rising past
the caches, and the two methods (a cycle through every line; tinymembench's uniform draws)."""
import re
import signal
import statistics
import subprocess
import time

import tbtest
from tbtest import run, parse_csv, ok_rows

ARGS = ["-b", "mem.latency", "--quick", "-r", "3", "--min-time", "0.02",
        "--set", "mem.latency.max_kib=65536"]
NAME = re.compile(r"^(rand-)?(single|dual)-(4k|thp)-(\d+)$")


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
            self.assertIn(f"block_bytes={m.group(4)}", r["detail"])
            self.assertIn("method=random" if m.group(1) else "method=cycle", r["detail"])
            self.assertIn(r["metric"], ("latency", "latency_above_l1"))
            self.assertEqual(r["unit"], "ns")
            self.assertEqual(r["better"], "lower")
            self.assertGreaterEqual(float(r["value"]), 0)
            sizes.setdefault((m.group(1), m.group(2), m.group(3)), set()).add(int(m.group(4)))
        want = {1024 << i for i in range(17)}  # 1 KiB .. 64 MiB
        for method in (None, "rand-"):
            self.assertEqual(sizes[(method, "single", "4k")], want)
            self.assertEqual(sizes[(method, "dual", "4k")], want)
        # reps x 2 metrics per point
        self.assertEqual(len(ok_rows(self.rows, variant="single-4k-4096")), 6)

    def test_thp_rows_or_skip(self):
        thp = [r for r in self.rows if "-thp-" in r["variant"]]
        if thp_mode() == "never":
            # one skipped row per selected variant: 17 sizes x 2 chains x 2 methods
            self.assertEqual([r["status"] for r in thp], ["skipped"] * 68)
            self.assertIn("never", thp[0]["detail"])
        else:
            self.assertTrue(thp)
            self.assertTrue(all(r["status"] == "ok" for r in thp))

    def test_latency_rises_past_the_caches(self):
        def med(variant):
            v = [float(r["value"]) for r in ok_rows(self.rows, variant=variant, metric="latency")]
            return statistics.median(v)
        for mode in ("single", "dual", "rand-single", "rand-dual"):
            small, big = med(f"{mode}-4k-1024"), med(f"{mode}-4k-67108864")
            # 64 MiB is past any L1/L2 and every L3 of this generation of server cores:
            # DRAM with TLB misses is tens of times slower than an L1 hit.
            self.assertGreater(big, 3 * small, (mode, small, big))
            above = [float(r["value"]) for r in
                     ok_rows(self.rows, variant=f"{mode}-4k-67108864", metric="latency_above_l1")]
            self.assertGreater(statistics.median(above), 0)

    def test_every_row_variant_selects_back(self):
        # Each variant name in the CSV is a variant of -b: selecting one gives its rows only,
        # with the L1 baseline still measured (on the 1 KiB block, not written).
        for variant in ("single-4k-65536", "dual-4k-2048"):
            with self.subTest(variant=variant):
                p = run("run", "-b", "mem.latency:" + variant, *ARGS[2:])
                self.assertEqual(p.returncode, 0, p.stderr)
                rows = parse_csv(p.stdout)
                self.assertEqual({r["variant"] for r in rows}, {variant})
                self.assertEqual(len(ok_rows(rows)), 6)
                self.assertNotIn("l1_ns=0.000", rows[0]["detail"])
        p = run("run", "-b", "mem.latency:single-4k-*", *ARGS[2:])
        got = {r["variant"] for r in parse_csv(p.stdout)}
        self.assertEqual(got, {f"single-4k-{1024 << i}" for i in range(17)})

    def test_method_option_keeps_one_method(self):
        for method, want in (("cycle", {"single-4k-2048", "dual-4k-2048"}),
                             ("random", {"rand-single-4k-2048", "rand-dual-4k-2048"})):
            with self.subTest(method=method):
                p = run("run", "-b", "mem.latency:*4k-2048", *ARGS[2:],
                        "--set", f"mem.latency.method={method}")
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual({r["variant"] for r in parse_csv(p.stdout)}, want)
        p = run("run", "-b", "mem.latency", *ARGS[2:], "--set", "mem.latency.method=lcg")
        self.assertEqual(p.returncode, 2)
        self.assertIn("cycle|random|both", p.stderr.replace(", ", "|"))

    def test_random_method_draws_each_address_from_the_last_load(self):
        # In L1 the random method's step is its generator's arithmetic plus a load, the
        # cycle's a load alone: the raw figure says the arithmetic is in the chain. Past the
        # caches (test_latency_rises_past_the_caches) the step costs a miss: had the next
        # address not waited for the load, the misses would overlap and cost no more than
        # the arithmetic.
        # The fastest repetition of each: another job on a shared machine only ever adds
        # time, and it inflated a median of the 1 KiB figures fivefold (CI, load 6).
        def best(variant):
            return min(float(r["value"]) for r in
                       ok_rows(self.rows, variant=variant, metric="latency"))
        for chain in ("single", "dual"):
            self.assertGreater(best(f"rand-{chain}-4k-1024"), 1.5 * best(f"{chain}-4k-1024"))
            self.assertGreater(best(f"rand-{chain}-4k-67108864"),
                               10 * best(f"rand-{chain}-4k-1024"))

    def test_random_method_is_limited_to_4_gib(self):
        p = run("run", "-b", "mem.latency:rand-single-4k-8589934592", *ARGS[2:],
                "--set", "mem.latency.max_kib=8388608")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual([r["status"] for r in rows], ["skipped"])
        self.assertIn("4 GiB", rows[0]["detail"])

    def test_sizes_above_max_kib_are_not_run(self):
        p = run("run", "-b", "mem.latency:*-4k-134217728", *ARGS[2:])
        self.assertEqual(p.returncode, 2)
        self.assertIn("names only variants of mem.latency that its options", p.stderr)
        p = run("run", "-b", "mem.latency:rand-*", *ARGS[2:], "--set", "mem.latency.method=cycle")
        self.assertEqual(p.returncode, 2)
        self.assertIn("'mem.latency:rand-*' names only variants of mem.latency that its options",
                      p.stderr)
        p = run("run", "-b", "mem.latency:nosuch-*", *ARGS[2:])
        self.assertEqual(p.returncode, 2)
        self.assertIn("no benchmark matches", p.stderr)

    def test_ctrl_c_while_building_a_big_chain_acts_promptly(self):
        # A 4 GiB block: faulting it in and shuffling its 67 M lines takes about 10 s; both
        # check for the signal, so the run ends soon after it (giving 4 GiB back to the
        # kernel on the way out is most of what remains).
        avail = next(int(line.split()[1]) << 10 for line in open("/proc/meminfo")
                     if line.startswith("MemAvailable:"))
        if avail < 10 << 30:
            self.skipTest("needs 10 GiB of available memory")
        args = [tbtest.TINYBEN, "run", "-q", "-b", "mem.latency:single-4k-4294967296",
                "--set", "mem.latency.max_kib=4194304", "--min-time", "0.02"]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def rss():
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    return next(int(l.split()[1]) << 10 for l in f if l.startswith("VmRSS:"))
            except (OSError, StopIteration):
                return 0
        deadline = time.monotonic() + 60
        while rss() < (4 << 30) + (128 << 20) and p.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertIsNone(p.poll(), "the run ended before the chain was built")
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=60)
        waited = time.monotonic() - t0
        self.assertEqual(p.returncode, 130)
        self.assertLess(waited, 3.0)


if __name__ == "__main__":
    tbtest.main()
