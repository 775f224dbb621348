"""cpu.lz4 and `tinyben corpus`: rows, units, round-trip check, corpus determinism."""
import os
import re

import tbtest
from tbtest import run, parse_csv, ok_rows

TINY = ["-b", "cpu.lz4", "--quick", "--set", "cpu.lz4.size_mib=1", "--min-time", "0.01", "-q"]


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def detail_hash(rows):
    hashes = {re.search(r"fnv1a64=([0-9a-f]{16})", r["detail"]).group(1) for r in rows}
    assert len(hashes) == 1, hashes
    return hashes.pop()


class Lz4(tbtest.TempDirTest):
    def test_rows_units_and_ratio(self):
        p = run("run", *TINY)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual({r["variant"] for r in rows}, {"level1", "level9", "level12"})
        for variant in ("level1", "level9", "level12"):
            for metric, unit in (("compress_bw", "MB/s"), ("decompress_bw", "MB/s"),
                                 ("ratio", "x")):
                got = ok_rows(rows, "cpu.lz4", variant, metric)
                self.assertEqual(len(got), 3, (variant, metric))
                for r in got:
                    self.assertEqual(r["unit"], unit)
                    self.assertEqual(r["better"], "higher")
                    self.assertGreater(float(r["value"]), 0)
                    self.assertIn("bytes=1048576", r["detail"])
                    self.assertIn("threads=1", r["detail"])
        ratio = {v: float(ok_rows(rows, variant=v, metric="ratio")[0]["value"])
                 for v in ("level1", "level12")}
        # The generated corpus is meant to look like real data: about 2 at level 1, and HC
        # must compress better than the fast mode.
        self.assertGreater(ratio["level1"], 1.5)
        self.assertLess(ratio["level1"], 2.6)
        self.assertGreater(ratio["level12"], ratio["level1"])

    def test_corpus_deterministic_and_same_as_benchmark(self):
        a, b = self.path("a.bin"), self.path("b.bin")
        pa = run("corpus", "-o", a, "--size", "1")
        pb = run("corpus", "-o", b, "--size", "1")
        self.assertEqual(pa.returncode, 0, pa.stderr)
        self.assertEqual(pb.returncode, 0, pb.stderr)
        with open(a, "rb") as f:
            data = f.read()
        with open(b, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(len(data), 1 << 20)
        want = "%016x" % fnv1a64(data)
        self.assertIn("fnv1a64=" + want, pa.stdout)
        # The benchmark compresses the very same bytes, generated or read back with --corpus.
        gen = parse_csv(run("run", *TINY[:1], "cpu.lz4:level1", *TINY[2:]).stdout)
        self.assertEqual(detail_hash(gen), want)
        fromfile = parse_csv(run("run", *TINY[:1], "cpu.lz4:level1", *TINY[2:],
                                 "--corpus", a).stdout)
        self.assertEqual(detail_hash(fromfile), want)
        self.assertIn("corpus=" + a, fromfile[0]["detail"])
        # A shorter corpus is a prefix of a longer one.
        c = self.path("c.bin")
        self.assertEqual(run("corpus", "-o", c, "--size", "2").returncode, 0)
        with open(c, "rb") as f:
            self.assertEqual(f.read(1 << 20), data)

    def test_corpus_refuses_to_overwrite(self):
        a = self.path("a.bin")
        with open(a, "w") as f:
            f.write("keep me")
        p = run("corpus", "-o", a, "--size", "1")
        self.assertEqual(p.returncode, 2)
        self.assertIn("already exists", p.stderr)
        with open(a) as f:
            self.assertEqual(f.read(), "keep me")
        self.assertEqual(run("corpus", "-o", a, "--size", "1", "--force").returncode, 0)
        self.assertEqual(os.path.getsize(a), 1 << 20)
        self.assertEqual(run("corpus", "--size", "1").returncode, 2)
        self.assertEqual(run("corpus", "-o", self.path("x"), "--size", "0").returncode, 2)

    def test_threads_variant_and_block_split(self):
        # One naming rule with mem.mbw and mem.tmb: every count given is NAME-tN, t1 too.
        p = run("run", *TINY[:1], "cpu.lz4:level1", *TINY[2:], "--threads", "1,2",
                "--set", "cpu.lz4.block_kib=256")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual({r["variant"] for r in rows}, {"level1-t1", "level1-t2"})
        rows = [r for r in rows if r["variant"] == "level1-t2"]
        self.assertIn("threads=2", rows[0]["detail"])
        self.assertIn("blocks=4", rows[0]["detail"])

    def test_missing_corpus_file_is_bad_usage(self):
        p = run("run", *TINY, "--corpus", self.path("nope"))
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, "")
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("--corpus", p.stderr)

    def test_empty_corpus_file_is_bad_usage(self):
        # Nothing to compress is known before anything runs: one line, exit 2, no rows (it was
        # a failed row for every variant, selected or not).
        empty = self.path("empty")
        open(empty, "w").close()
        p = run("run", *TINY, "--corpus", empty)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(p.stderr.strip().splitlines(),
                         [f"tinyben: run: --corpus: '{empty}' is not a non-empty file under 2 GiB"])


if __name__ == "__main__":
    tbtest.main()
