"""The guide's example benchmark (docs/ADDING_A_BENCHMARK.md) runs through the runner, which
derives its rows; the user's tinyben does not hold it."""
import os
import subprocess
import unittest

import tbtest
from tbtest import ok_rows, parse_csv

EXAMPLE = os.environ.get("TINYBEN_EXAMPLE", "build/tests/example/tinyben_example")
TINY = ["-b", "example.checksum", "--quick", "-r", "2", "--min-time", "0.01", "-q"]


def example(*args):
    return subprocess.run([EXAMPLE, *args], capture_output=True, text=True, timeout=60)


class Example(unittest.TestCase):
    def test_rows_are_derived_by_the_runner(self):
        p = example("run", *TINY)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual([(r["variant"], r["metric"], r["rep"]) for r in rows],
                         [(v, m, rep) for v in ("bytes", "words") for rep in ("1", "2")
                          for m in ("bw", "pass_time")])
        for r in rows:
            self.assertEqual(r["status"], "ok", r)
            self.assertEqual(r["group"], "example")
            d = dict(kv.split("=", 1) for kv in r["detail"].split())
            # The runner's keys, then the benchmark's own, then the options' values.
            self.assertEqual(d["buffer"], "heap")
            self.assertEqual(d["size_kib"], "64")
            iters, secs = int(d["iterations"]), float(d["seconds"])
            self.assertGreater(iters, 0)
            value = float(r["value"])
            if r["metric"] == "bw":
                self.assertEqual((r["unit"], r["better"]), ("MB/s", "higher"))
                self.assertAlmostEqual(value, 65536 * iters / secs / 1e6, delta=value * 1e-6)
            else:
                self.assertEqual((r["unit"], r["better"]), ("us", "lower"))
                self.assertAlmostEqual(value, secs / iters * 1e6, delta=value * 1e-6)

    def test_one_variant_by_name(self):
        p = example("run", "-b", "example.checksum:words", *TINY[2:],
                    "--set", "example.checksum.size_kib=8")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = ok_rows(parse_csv(p.stdout))
        self.assertEqual({r["variant"] for r in rows}, {"words"})
        self.assertTrue(all("size_kib=8" in r["detail"] for r in rows))

    def test_not_in_the_users_binary(self):
        self.assertIn("example.checksum", example("list").stdout)
        p = tbtest.run("list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("example.checksum", p.stdout)


if __name__ == "__main__":
    tbtest.main()
