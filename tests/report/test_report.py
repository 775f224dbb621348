"""tinyben compare and report end to end: real runs, crafted runs, bad input, XML, rendering."""
import csv
import io
import math
import os
import re
import shutil
import statistics
import struct
import subprocess
import tempfile
import zlib

import tbtest
from tbtest import run
import reportdata as data


def slurp(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def xmllint(path):
    return subprocess.run(["xmllint", "--noout", path], capture_output=True, text=True)


def png_nonwhite(path):
    """Decodes an 8-bit RGB/RGBA PNG with zlib; returns (non-white pixels, all pixels)."""
    with open(path, "rb") as f:
        blob = f.read()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(blob):
        n, kind = struct.unpack(">I4s", blob[pos:pos + 8])
        body = blob[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    nonwhite = 0
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # PNG filters (RFC 2083 section 6)
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            if line[x] < 240 or line[x + 1] < 240 or line[x + 2] < 240:
                nonwhite += 1
        prev = line
    return nonwhite, w * h


def _write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=tbtest.HEADER, lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)


class Report(tbtest.TempDirTest):
    @classmethod
    def setUpClass(cls):
        cls._data = tempfile.TemporaryDirectory(prefix="tbreport-")
        d = cls._data.name
        cls.a = os.path.join(d, "plain-real.csv")
        cls.b = os.path.join(d, "again-real.csv")
        data.run_real(cls.a, "a")
        data.run_real(cls.b, "b")
        cls.plain = os.path.join(d, "plain.csv")
        cls.snp = os.path.join(d, "snp.csv")
        cls.sev = os.path.join(d, "sev.csv")
        data.craft(cls.plain, "none", "r-plain", 1.0, seed=1)
        data.craft(cls.snp, "sev-snp", "r-snp", 1.25, seed=2)
        data.craft(cls.sev, "sev", "r-sev", 1.05, seed=3)
        # Three runs a side: enough for a verdict between runs.
        cls.plain3 = [os.path.join(d, f"plain{i}.csv") for i in range(3)]
        cls.snp3 = [os.path.join(d, f"snp{i}.csv") for i in range(3)]
        for i in range(3):
            data.craft(cls.plain3[i], "none", f"r-plain{i}", 1.0, seed=10 + i)
            data.craft(cls.snp3[i], "sev-snp", f"r-snp{i}", 1.25, seed=20 + i)

    @classmethod
    def tearDownClass(cls):
        cls._data.cleanup()

    def compare_csv(self, *args):
        p = run("compare", *args, "--format", "csv")
        self.assertEqual(p.returncode, 0, p.stderr)
        return list(csv.DictReader(io.StringIO(p.stdout, newline="")))

    # compare ---------------------------------------------------------------------------
    def test_compare_real_runs_text(self):
        p = run("compare", self.a, self.b)
        self.assertEqual(p.returncode, 0, p.stderr)
        for want in ("base: ", "cand: ", "cc_level", "kernel", "cpu ", "vCPUs", "MEMCPY",
                     "MiB/s", "ratio 95% CI", "significant"):
            self.assertIn(want, p.stdout)
        rows = self.compare_csv(self.a, self.b)
        self.assertEqual(len(rows), 6)  # 3 variants x 2 metrics
        base = tbtest.read_csv(self.a)
        for r in rows:
            self.assertEqual(r["status"], "compared")
            self.assertEqual((r["base_n"], r["cand_n"]), ("3", "3"))
            lo, hi, ratio = float(r["ratio_ci_lo"]), float(r["ratio_ci_hi"]), float(r["ratio"])
            self.assertLessEqual(lo, ratio)
            self.assertLessEqual(ratio, hi)
            self.assertIn("cc_level=", r["base_env"])
            self.assertIn(base[0]["run_id"], r["base_env"])

    def sides3(self, base, cand):
        args = []
        for f in base:
            args += ["--base", f]
        for f in cand:
            args += ["--cand", f]
        return args

    def test_compare_crafted_overhead_sign_and_significance(self):
        rows = {(r["bench"], r["variant"], r["metric"]): r
                for r in self.compare_csv(*self.sides3(self.plain3, self.snp3))}
        # snp is 1.25x worse everywhere beyond noise: positive overhead near 25%, significant.
        for key in (("cpu.lz4", "compress", "speed"), ("cpu.exits", "cpuid", "cost"),
                    ("io.redis", "SET", "rps")):
            r = rows[key]
            self.assertAlmostEqual(float(r["overhead_pct"]), 25.0, delta=6.0)
            self.assertEqual(r["significant"], "yes")
        self.assertLess(float(rows[("cpu.lz4", "compress", "speed")]["ratio"]), 1)
        self.assertGreater(float(rows[("cpu.exits", "cpuid", "cost")]["ratio"]), 1)
        # Reverse: the candidate is better, overhead negative.
        rev = {(r["bench"], r["variant"], r["metric"]): r
               for r in self.compare_csv(*self.sides3(self.snp3, self.plain3))}
        self.assertLess(float(rev[("cpu.lz4", "compress", "speed")]["overhead_pct"]), -15)
        # Latency below 1 MiB is the same on both: not significant (noise only).
        self.assertEqual(rows[("mem.latency", "single-4k-4096", "latency")]["significant"], "no")
        # One run a side: the same numbers, but no verdict, and the reason says why.
        one = {(r["bench"], r["variant"], r["metric"]): r
               for r in self.compare_csv(self.plain, self.snp)}
        r = one[("cpu.lz4", "compress", "speed")]
        self.assertEqual(r["significant"], "undetermined")
        self.assertIn("need 3 a side", r["reason"])
        p = run("compare", self.plain, self.snp)
        self.assertIn("undetermined (", p.stdout)
        self.assertFalse([l for l in p.stdout.splitlines() if l.endswith(" yes")])

    def test_margin_equivalence_verdicts(self):
        same3 = [self.path(f"same{i}.csv") for i in range(3)]
        for i, f in enumerate(same3):
            data.craft(f, "none", f"r-same{i}", 1.0, seed=30 + i)
        key = ("cpu.lz4", "compress", "speed")
        # Same machine, same code: within +-5% for sure (3% noise a sample).
        rows = {(r["bench"], r["variant"], r["metric"]): r for r in
                self.compare_csv(*self.sides3(self.plain3, same3), "--margin", "5")}
        self.assertEqual(rows[key]["margin_pct"], "5")
        self.assertEqual(rows[key]["equivalence"], "equivalent")
        lo90, hi90 = float(rows[key]["ratio_ci90_lo"]), float(rows[key]["ratio_ci90_hi"])
        self.assertTrue(float(rows[key]["ratio_ci_lo"]) < lo90 < hi90 <
                        float(rows[key]["ratio_ci_hi"]))
        # 25% slower: the whole interval lies beyond the margin.
        rows = {(r["bench"], r["variant"], r["metric"]): r for r in
                self.compare_csv(*self.sides3(self.plain3, self.snp3), "--margin", "5")}
        self.assertEqual(rows[key]["equivalence"], "different")
        # An edge of the band inside the interval cannot be decided; nor anything from
        # one run.
        rows = {(r["bench"], r["variant"], r["metric"]): r for r in
                self.compare_csv(*self.sides3(self.plain3, same3), "--margin", "5")}
        ov = sorted((1 / float(rows[key][k]) - 1) * 100 for k in ("ratio_ci90_lo", "ratio_ci90_hi"))
        edge = (ov[0] + ov[1]) / 2 if ov[0] > 0 or ov[1] < 0 else min(-ov[0], ov[1]) / 2
        rows = {(r["bench"], r["variant"], r["metric"]): r for r in
                self.compare_csv(*self.sides3(self.plain3, same3), "--margin", f"{abs(edge):.6f}")}
        self.assertEqual(rows[key]["equivalence"], "undetermined", (ov, edge))
        rows = {(r["bench"], r["variant"], r["metric"]): r for r in
                self.compare_csv(self.plain, self.snp, "--margin", "5")}
        self.assertEqual(rows[key]["equivalence"], "undetermined")
        p = run("compare", *self.sides3(self.plain3, same3), "--margin", "5")
        self.assertIn("equivalent +-5%", p.stdout)
        self.assertIn("equivalent: the 90% interval of the overhead lies inside +-5%", p.stdout)
        out = self.path("m.html")
        p = run("report", "--margin", "5", "-o", out, *self.plain3, *same3)
        self.assertEqual(p.returncode, 0, p.stderr)
        html = slurp(out)
        self.assertIn("--margin +-5%: a 90% interval inside it is equivalent", html)
        self.assertIn("equivalent +-5%", html)
        xmllint(out)
        tbtest.assert_usage_errors(self, [
            (["compare", "--margin", "0", self.plain, self.snp], "--margin '0': expected a "
             "percentage above 0 and below 100"),
            (["compare", "--margin", "x", self.plain, self.snp], "--margin 'x'"),
            (["report", "--margin", "100", "-o", self.path("x.html"), self.plain], "--margin '100'"),
        ])


    def test_detectable_change_from_the_runs_spread(self):
        # 3 runs a side: detectable = (t_0.975 + t_0.80 at 2 df, the fewest Welch can have)
        # x the standard error of the log ratio, recomputed here from the files: each run's
        # median, their logs' variances. t quantiles from mpmath, not from this code.
        t975, t80 = 4.302652729749464, 1.0606601717798212
        same3 = [self.path(f"d{i}.csv") for i in range(3)]
        for i, f in enumerate(same3):
            data.craft(f, "none", f"r-d{i}", 1.0, seed=50 + i)

        def log_medians(files, key):
            out = []
            for path in files:
                v = sorted(float(r["value"]) for r in tbtest.read_csv(path)
                           if (r["bench"], r["variant"], r["metric"]) == key
                           and r["status"] == "ok")
                out.append(math.log(statistics.median(v)))
            return out
        checked = 0
        for r in self.compare_csv(*self.sides3(self.plain3, same3)):
            if r["ci_method"] != "runs":
                self.assertEqual(r["detectable_pct"], "")
                continue
            key = (r["bench"], r["variant"], r["metric"])
            b, c = log_medians(self.plain3, key), log_medians(same3, key)
            se = math.sqrt(statistics.variance(b) / 3 + statistics.variance(c) / 3)
            want = (math.exp((t975 + t80) * se) - 1) * 100
            self.assertAlmostEqual(float(r["detectable_pct"]), want, places=6, msg=key)
            checked += 1
        self.assertGreater(checked, 0)
        p = run("compare", *self.sides3(self.plain3, same3))
        self.assertIn(" detectable ", p.stdout)
        self.assertIn("detectable: the smallest change", p.stdout)

    def test_no_ratio_of_values_not_above_zero(self):
        # A time after subtracting the loop overhead can come out at or below 0. A ratio of
        # two negative medians is positive but its meaning flips (-400 against -200 is
        # "2x worse" while lower is better): no ratio, no overhead, and the reason said.
        series = [("cpu", "cpu.exits", "neg", "cost", "ns", "lower", -200.0),
                  ("cpu", "cpu.exits", "zero", "cost", "ns", "lower", 0.0),
                  ("cpu", "cpu.exits", "pos", "cost", "ns", "lower", 50.0)]
        sides = {}
        for name, slow in (("b", 1.0), ("c", 2.0)):
            sides[name] = [self.path(f"{name}{i}.csv") for i in range(3)]
            for i, f in enumerate(sides[name]):
                data.craft(f, "none", f"r-{name}{i}", slow, seed=40 + i, latency=False,
                           skip=False, series=series)
        for args in ((sides["b"][0], sides["c"][0]),
                     ("--base", sides["b"][0], "--base", sides["b"][1], "--base", sides["b"][2],
                      "--cand", sides["c"][0], "--cand", sides["c"][1], "--cand", sides["c"][2])):
            rows = {r["variant"]: r for r in self.compare_csv(*args)}
            runs = "1" if len(args) == 2 else "3"
            for v in ("neg", "zero"):
                self.assertEqual(rows[v]["ratio"], "", rows[v])
                self.assertEqual(rows[v]["overhead_pct"], "", rows[v])
                self.assertNotEqual(rows[v]["significant"], "yes")
                self.assertIn("not above 0", rows[v]["reason"])
                self.assertEqual((rows[v]["base_runs"], rows[v]["cand_runs"]), (runs, runs))
            self.assertAlmostEqual(float(rows["pos"]["ratio"]), 2.0, delta=0.1)
            text = run("compare", *args).stdout
            self.assertIn("(2 metrics): a median is not above 0", text)
            # With --margin, every row carries the margin, and no ratio is no equivalence.
            rows = {r["variant"]: r for r in self.compare_csv(*args, "--margin", "2")}
            for v in ("neg", "zero", "pos"):
                self.assertEqual(rows[v]["margin_pct"], "2", rows[v])
            for v in ("neg", "zero"):
                self.assertEqual(rows[v]["equivalence"], "undetermined", rows[v])
                self.assertIn("not above 0", rows[v]["reason"])

    def test_compare_is_deterministic(self):
        p1 = run("compare", self.plain, self.snp, "--format", "csv")
        p2 = run("compare", self.plain, self.snp, "--format", "csv")
        self.assertEqual(p1.stdout, p2.stdout)

    def test_compare_markdown(self):
        p = run("compare", self.plain, self.snp, "--format", "markdown")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("| bench | variant |", p.stdout)
        self.assertIn("|---|", p.stdout)
        self.assertIn("sev-snp", p.stdout)

    def test_compare_several_files_per_side(self):
        p = run("compare", "--base", self.a, "--base", self.b, "--cand", self.b)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("(2 runs)", p.stdout)
        rows = self.compare_csv("--base", self.a, "--base", self.b, "--cand", self.b)
        self.assertEqual({(r["base_n"], r["cand_n"]) for r in rows}, {("6", "3")})
        # One concatenated file (header repeated, as `cat` leaves it) pools the same way.
        cat = self.path("cat.csv")
        with open(cat, "w", newline="") as f:
            f.write(slurp(self.a) + slurp(self.b))
        rows = self.compare_csv(cat, self.b)
        self.assertEqual({(r["base_n"], r["cand_n"]) for r in rows}, {("6", "3")})
        self.assertEqual(run("compare", "--base", self.a, self.b).returncode, 2)
        # The same file twice on a side (or a copy of it): its run is in two files.
        p = run("compare", "--base", self.a, "--base", self.a, "--cand", self.b)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning: compare: base: 1 run (run_id) in more than one file", p.stderr)
        self.assertNotIn("more than one file", run("compare", cat, self.b).stderr)
        copy = self.path("copy.csv")
        with open(copy, "w", newline="") as f:
            f.write(slurp(self.a))
        p = run("report", "--by", "cc_level", "-o", self.path("twice.html"), self.a, copy)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1 run (run_id) in more than one file", p.stderr)
        # Files saved by a spreadsheet start with a byte order mark: `cat` puts the
        # second one before the repeated header, which is still a header.
        bom = self.path("bom.csv")
        with open(bom, "w", newline="", encoding="utf-8") as f:
            f.write("\ufeff" + slurp(self.a) + "\ufeff" + slurp(self.b))
        rows = self.compare_csv(bom, self.b)
        self.assertEqual({(r["base_n"], r["cand_n"]) for r in rows}, {("6", "3")})

    def test_one_side_only_skipped_and_mixed_levels(self):
        only = self.path("only.csv")
        data.craft(only, "sev-snp", "r-x", 1.1, seed=5, latency=False,
                   series=data.CRAFTED[:2] + [("cpu", "cpu.new", "x", "speed", "MB/s", "higher", 5.0)])
        p = run("compare", self.plain, only)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("only in base", p.stdout)
        self.assertIn("io.redis SET rps", p.stdout)
        self.assertIn("only in cand", p.stdout)
        self.assertIn("cpu.new x speed", p.stdout)
        self.assertIn("not measured", p.stdout)
        self.assertIn("io_uring disabled", p.stdout)
        statuses = {r["status"] for r in self.compare_csv(self.plain, only)}
        self.assertEqual(statuses, {"compared", "base_only", "cand_only"})
        p = run("compare", "--base", self.plain, "--base", self.snp, "--cand", self.sev)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning", p.stderr)
        self.assertIn("mixes cc_levels", p.stderr)

    # bad input -------------------------------------------------------------------------
    def bad(self, name, content, want):
        path = self.path(name)
        with open(path, "w", newline="") as f:
            f.write(content)
        for args in (("compare", path, self.a), ("report", "-o", self.path("x.html"), path)):
            p = run(*args)
            self.assertEqual(p.returncode, 2, p.stderr)
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertIn(path + ":", lines[0])
            self.assertRegex(lines[0], want)
        self.assertFalse(os.path.exists(self.path("x.html")))

    def test_bad_inputs(self):
        good = slurp(self.a)
        head, first, second = good.split("\r\n")[:3]
        self.bad("notcsv.csv", "hello world\n", r":1: not a tinyben CSV")
        self.bad("hdr.csv", head.replace("cc_level", "cclevel") + "\r\n" + first + "\r\n",
                 r":1: not a tinyben CSV: header column 4 is 'cclevel'")
        cells = next(csv.reader([second]))
        cells[17] = "fast"
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(cells)
        self.bad("nonnum.csv", head + "\r\n" + first + "\r\n" + buf.getvalue(),
                 r":3: value 'fast' is not a finite number")
        self.bad("trunc.csv", head + "\r\n" + first + "\r\n" + second[:40],
                 r":3: truncated last line")
        self.bad("trunc2.csv", head + "\r\n" + first + "\r\n" + second[:-3],
                 r":3: truncated last line")
        self.bad("fields.csv", head + "\r\n" + first + ",extra\r\n", r":2: 22 fields, expected 21")
        self.bad("empty.csv", "", r":1: empty file")
        self.bad("json.csv", '{"timestamp": 1}\n', r":1: JSON Lines")
        p = run("compare", self.path("missing.csv"), self.a)
        self.assertEqual(p.returncode, 2)
        self.assertIn("missing.csv: cannot open", p.stderr)

    def test_different_tinyben_versions_are_a_warning(self):
        newer = self.path("newer.csv")
        with open(newer, "w", newline="") as f:
            f.write(slurp(self.plain).replace(",0.1.0,", ",0.2.0,"))
        p = run("compare", self.plain, newer)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning: compare: base ran tinyben 0.1.0, cand ran 0.2.0: a change in "
                      "tinyben itself would read as overhead", p.stderr)
        self.assertNotIn("versions", run("compare", self.plain, self.snp).stderr)

    def test_a_side_without_rows_is_refused(self):
        # A header and nothing else (a run that died at once): nothing to compare, and a
        # side that says "base:  (0 runs)" with exit 0 would hide it.
        head = slurp(self.a).split("\r\n")[0] + "\r\n"
        empty = self.path("header-only.csv")
        with open(empty, "w", newline="") as f:
            f.write(head)
        for args, side in (((empty, self.a), "base"), ((self.a, empty), "cand"),
                           (("--base", self.a, "--cand", empty, "--cand", empty), "cand")):
            p = run("compare", *args)
            self.assertEqual(p.returncode, 2, p.stderr)
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertIn(f"{side} ({empty}", lines[0])
            self.assertIn("holds no rows", lines[0])
            self.assertEqual(p.stdout, "")
        # report: the first file is the baseline of every bar; a file of nothing must
        # not silently hand that role to the next one.
        out = self.path("r.html")
        p = run("report", "-o", out, empty, self.a)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"report: {empty} holds no rows, only a header", p.stderr)
        self.assertFalse(os.path.exists(out))
        # An empty file beside a full one is fine: the side has rows.
        p = run("compare", "--base", self.a, "--base", empty, "--cand", self.b)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_lf_and_quotes_accepted(self):
        rows = tbtest.read_csv(self.a)
        lf = self.path("lf.csv")
        with open(lf, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=tbtest.HEADER, lineterminator="\n",
                               quoting=csv.QUOTE_ALL)
            w.writeheader()
            for r in rows:
                r["detail"] = 'note "quoted", with comma\nand a line'
                w.writerow(r)
        out = self.compare_csv(lf, self.a)
        self.assertEqual(len(out), 6)
        self.assertEqual(out[0]["ratio"] and float(out[0]["ratio"]), 1.0)

    # report ----------------------------------------------------------------------------
    def test_report_html_and_svg(self):
        html = self.path("r.html")
        p = run("report", "-o", html, self.plain, self.sev, self.snp, self.a)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(xmllint(html).returncode, 0, xmllint(html).stderr)
        text = slurp(html)
        self.assertNotIn("<script", text.lower())
        # Nothing fetched: the only URLs are XML namespace names.
        urls = set(re.findall(r"https?://[^\"' )]+", text))
        self.assertLessEqual(urls, {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xhtml"})
        for want in ("sev-snp", "AMD EPYC 9654", 'id="summary"', 'id="overhead"',
                     'id="matrix"', "mem.latency single-4k", "mem.latency dual-4k",
                     "snp (sev-snp) against plain (none)", "io_uring disabled", "#0072B2"):
            self.assertIn(want, text)
        # Two forest plots (the real run shares no bench with the base), the heat map of
        # three configurations, two latency families for each of the two comparisons
        # that have curves.
        self.assertEqual(text.count("<svg"), 2 + 1 + 4)
        self.assertIn("No bench and variant was measured on both sides", text)
        svg = self.path("r.svg")
        p = run("report", "-o", svg, self.plain, self.snp)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(xmllint(svg).returncode, 0)
        s = slurp(svg)
        self.assertTrue(s.startswith("<?xml"))
        self.assertNotIn("<table", s)
        self.assertIn("mem.latency", s)

    def test_latency_curves_one_metric_a_line(self):
        # A real mem.latency run has two metrics per point (latency, latency_above_l1): each
        # is its own curve, so along every line the block size only grows. Up to 4 MiB: within
        # L2, latency_above_l1 of the random walk is 0 or below on a busy machine (no point on
        # the log axis, so no curve); past L2 it is positive whatever the load.
        csvf = self.path("lat.csv")
        p = run("run", "-q", "-b", "mem.latency:*single-4k-*", "--set", "mem.latency.max_kib=4096",
                "-r", "3", "--min-time", "0.005", "-o", csvf)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = self.path("lat.html")
        p = run("report", "-o", out, csvf)
        self.assertEqual(p.returncode, 0, p.stderr)
        text = slurp(out)
        titles = re.findall(r"<title>mem\.latency ([^<]*)</title>", text)
        self.assertEqual(sorted(titles), sorted(
            f"{m}single-4k {k}" for m in ("", "rand-") for k in ("latency", "latency_above_l1")))
        lines = re.findall(r'points="([^"]*)"', text)
        self.assertEqual(len(lines), 4)
        long_lines = 0
        for pts in lines:
            xs = [float(pt.split(",")[0]) for pt in pts.split()]
            long_lines += len(xs) >= 3
            self.assertEqual(xs, sorted(set(xs)), pts)
        # 1 KiB .. 4 MiB: the latency lines have every point; latency_above_l1 is often 0
        # within L2 on a busy machine, and a zero has no place on the log axis.
        self.assertGreaterEqual(long_lines, 2, lines)

    def test_report_refuses_overwrite(self):
        out = self.path("r.html")
        with open(out, "w") as f:
            f.write("precious")
        p = run("report", "-o", out, self.a)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--force", p.stderr)
        self.assertEqual(slurp(out), "precious")
        p = run("report", "-o", out, "--force", self.a)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("<html", slurp(out))
        self.assertEqual(run("report", "-o", self.path("r.pdf"), self.a).returncode, 2)
        self.assertEqual(run("report", self.a).returncode, 2)

    def test_report_by_tag_pools_runs(self):
        out = self.path("t.html")
        p = run("report", "-o", out, "--by", "tag.guest", self.a, self.b)
        self.assertEqual(p.returncode, 0, p.stderr)
        text = slurp(out)
        self.assertIn("guest=a", text)
        self.assertIn("guest=b", text)
        self.assertIn('id="summary"', text)
        self.assertIn("mem.mbw MEMCPY bw", text)  # its primary metric, not elapsed
        self.assertNotIn("mem.mbw MEMCPY elapsed</text>", text)
        self.assertEqual(xmllint(out).returncode, 0)

    def test_labels_do_not_overlap(self):
        # Many series in one group: one forest row each, rows a fixed height apart.
        many = [("cpu", "cpu.b%02d" % i, "variant-with-a-much-longer-name-%d" % i, "speed",
                 "MB/s", "higher", 100.0 + i) for i in range(40)]
        p1, p2 = self.path("m1.csv"), self.path("m2.csv")
        data.craft(p1, "none", "m1", 1.0, seed=1, latency=False, series=many, reps=3)
        data.craft(p2, "sev-snp", "m2", 1.1, seed=2, latency=False, series=many, reps=3)
        svg = self.path("m.svg")
        self.assertEqual(run("report", "-o", svg, p1, p2).returncode, 0)
        s = slurp(svg)
        self.assertEqual(xmllint(svg).returncode, 0)
        ys = [float(y) for y in re.findall(r'<text x="[0-9.]+" y="([0-9.]+)" font-size="12" '
                                           r'text-anchor="end">cpu\.b', s)]
        self.assertEqual(len(ys), 40)
        gaps = [b - a for a, b in zip(ys, ys[1:])]
        self.assertGreaterEqual(min(gaps), 16)  # 12 px text
        self.assertIn("\u2026", s)  # long labels cut, full text kept in <title>

    # summary, forest rows, Markdown: the figures are compare's ---------------------------
    def test_summary_figures_are_compares(self):
        # Plain against SEV-SNP, three runs a side (crafted: no published CSV of the seed
        # project exists to render). Each bench and variant counts once with its primary
        # metric: these crafted benches name metrics no descriptor declares, so the
        # variant's first metric; mem.latency curves are not in the figures.
        rows = self.compare_csv(*self.sides3(self.plain3, self.snp3))
        groups = {}
        for r in rows:
            if r["bench"] == "mem.latency" or r["status"] != "compared":
                continue
            groups.setdefault(r["bench"].split(".")[0], []).append(r)
        p = run("report", "--format", "md", *self.plain3, *self.snp3, "--by", "cc_level")
        self.assertEqual(p.returncode, 0, p.stderr)
        md = p.stdout
        self.assertTrue(md.startswith("## Summary\n"), md[:200])
        for g, rs in groups.items():
            gm = (math.exp(sum(math.log1p(float(r["overhead_pct"]) / 100) for r in rs) /
                           len(rs)) - 1) * 100
            m = re.search(r"\| sev-snp \| none \| %s \| (\d+) \| ([-+0-9.]+)%% \| "
                          r"\[([-0-9.]+), ([-0-9.]+)\] \| (\w[\w ]*) \|" % g, md)
            self.assertIsNotNone(m, (g, md))
            self.assertEqual(int(m.group(1)), len(rs))
            self.assertAlmostEqual(float(m.group(2)), gm, delta=0.051)
            lo, hi = float(m.group(3)), float(m.group(4))
            self.assertLess(lo, gm)
            self.assertGreater(hi, gm)
            # The interval is never narrower than the narrowest of its metrics' intervals.
            self.assertGreaterEqual(hi - lo + 0.1, min(float(r["overhead_ci_hi"]) -
                                                       float(r["overhead_ci_lo"]) for r in rs))
            self.assertTrue(all(r["significant"] == "yes" for r in rs))
            self.assertEqual(m.group(5), "worse")
            self.assertIn(f"{g} {m.group(2)}% [{m.group(3)}, {m.group(4)}], worse", md)
            # Every forest row is compare's row, to the digit.
            for r in rs:
                line = (f"| {g} | {r['bench']} | {r['variant']} | {r['metric']} | "
                        f"{float(r['overhead_pct']):+.2f}% | [{float(r['overhead_ci_lo']):+.2f}%, "
                        f"{float(r['overhead_ci_hi']):+.2f}%] | worse |")
                self.assertIn(line, md)
        # The HTML summary says the same, at the top, linkable as #summary.
        out = self.path("s.html")
        p = run("report", "-o", out, "--by", "cc_level", *self.plain3, *self.snp3)
        self.assertEqual(p.returncode, 0, p.stderr)
        html = slurp(out)
        self.assertLess(html.index('id="summary"'), html.index('id="overhead"'))
        self.assertLess(html.index('id="overhead"'), html.index("<h2>Runs</h2>"))
        self.assertNotIn('id="matrix"', html)  # two configurations
        for g in groups:
            self.assertRegex(html, r'<span class="c0">' + g + r' \+\d+\.\d% \[')
        self.assertIn("geometric mean", html)
        # -o FILE.md writes the same Markdown.
        mdf = self.path("s.md")
        p = run("report", "-o", mdf, "--by", "cc_level", *self.plain3, *self.snp3)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(slurp(mdf), md)
        self.assertEqual(run("report", "--format", "pdf", self.a).returncode, 2)

    def test_output_that_is_an_input_under_another_name(self):
        """-o --force naming an input through ./, a symlink or a hard link replaced the
        input with the report (only the same spelling was refused)."""
        a = self.path("a.csv")
        shutil.copy(self.plain3[0], a)
        want = slurp(a)
        os.symlink("a.csv", self.path("sym.md"))
        os.link(a, self.path("hard.md"))
        for out in (os.path.join(self.tmp, ".", "a.csv"), self.path("sym.md"),
                    self.path("hard.md")):
            with self.subTest(out=out):
                p = run("report", "--format", "md", "-o", out, "--force", a, self.plain3[1])
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("both an input and the output", p.stderr)
                self.assertEqual(slurp(a), want)

    def test_by_a_tag_no_row_has(self):
        """--by tag.NAME with a NAME no row has (a typo) drew one configuration, "NAME
        unset", and "nothing to compare against", exit 0: it is bad input."""
        p = run("report", "--format", "md", "--by", "tag.nosuchtag", *self.plain3)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("no row has the tag nosuchtag", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_markdown_labels_are_text(self):
        """A tag value is shown as written, never as Markdown: '<b>*z*</b>' was bold HTML
        and an emphasis ('side=z' to the reader), '_u_' an emphasis; and the Markdown
        speaks of no plots "below" (it has none)."""
        rows = tbtest.read_csv(self.plain3[0])
        for i, label in enumerate(("<b>*z*</b>", "_u_&amp;`c`")):
            rs = [dict(r, detail=r["detail"] + f" tag.side={label}", run_id=f"md{i}")
                  for r in rows]
            _write(self.path(f"m{i}.csv"), rs)
        p = run("report", "--format", "md", "--by", "tag.side", self.path("m0.csv"),
                self.path("m1.csv"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(r"side=\<b\>\*z\*\</b\>", p.stdout)
        self.assertIn(r"side=\_u\_\&amp;\`c\`", p.stdout)
        self.assertNotIn("<b>", p.stdout)
        self.assertNotIn("drawn below", p.stdout)

    def test_primary_metric_once_per_variant(self):
        # mem.mbw writes bw and its inverse elapsed: the forest draws bw only, once.
        p = run("report", "--format", "md", self.a, self.b)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.count("| mem.mbw | MEMCPY |"), 1)
        self.assertIn("| mem.mbw | MEMCPY | bw |", p.stdout)
        self.assertNotIn("elapsed", p.stdout)

    def test_report_says_not_comparable_for_two_units(self):
        # #24.6: one metric in two units on one side (an older file in ms, a newer in ns):
        # compare calls it not comparable; report drew a pooled median "in ns".
        old = [dict(r) for r in tbtest.read_csv(self.plain3[0])]
        for r in old:
            r["run_id"] = "r-old"
            if r["bench"] == "cpu.exits" and r["variant"] == "cpuid":
                r["unit"] = "us"
                r["value"] = str(float(r["value"]) / 1000)
        mixed = self.path("old.csv")
        _write(mixed, old)
        out = self.path("u.html")
        p = run("report", "-o", out, "--by", "cc_level", self.plain3[1], mixed, *self.snp3)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("not comparable", p.stderr)
        html = slurp(out)
        self.assertIn("Not comparable", html)
        self.assertNotRegex(html, r"<title>cpu\.exits cpuid cost:")  # no forest row
        p = run("report", "--format", "md", "--by", "cc_level", self.plain3[1], mixed, *self.snp3)
        self.assertNotIn("| cpu.exits | cpuid |", p.stdout)
        self.assertIn("| cpu.exits | getpid |", p.stdout)

    def test_report_warns_about_copies_under_other_names(self):
        # #24.12: a copy of a file under another name is a second configuration made of
        # the same runs; compare warns about the same runs on both sides, report must too.
        copy = self.path("copy-of-plain.csv")
        shutil.copy(self.plain, copy)
        out = self.path("c.html")
        p = run("report", "-o", out, self.plain, copy, self.snp)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1 run (run_id) is in both plain (none) and copy-of-plain (none)",
                      p.stderr)
        self.assertIn("warning: 1 run (run_id) is in both", slurp(out))
        self.assertNotIn("is in both", run("report", "-o", self.path("d.html"), self.plain,
                                           self.snp).stderr)
        # Another label that said what the data did not: runs of another tinyben version.
        rows = [dict(r, tinyben_version="0.0.9") for r in tbtest.read_csv(self.snp)]
        older = self.path("older.csv")
        _write(older, rows)
        p = run("report", "-o", self.path("v.html"), self.plain, older)
        self.assertIn("older (sev-snp) ran 0.0.9: a change in tinyben itself", p.stderr)

    def test_matrix_against_plain_of_same_shape(self):
        d = {}
        for mode, cc, slow in (("plain", "none", 1.0), ("sev-snp", "sev-snp", 1.2)):
            for v in ("2", "4"):
                for i in range(3):
                    f = self.path(f"{mode}-{v}c-{i}.csv")
                    rows = data.craft(f, cc, f"r-{mode}-{v}-{i}", slow * (1.1 if v == "4" else 1),
                                      seed=100 + i + 10 * int(v) + (50 if cc != "none" else 0),
                                      latency=False, skip=False)
                    tags = f"tag.guest={mode}-{v}c tag.mode={mode} tag.vcpus={v} tag.boot=1"
                    _write(f, [dict(r, detail=tags) for r in rows])
                    d.setdefault(f"{mode}-{v}c", []).append(f)
        out = self.path("mx.html")
        files = [f for k in ("plain-2c", "sev-snp-2c", "plain-4c", "sev-snp-4c") for f in d[k]]
        p = run("report", "-o", out, "--by", "tag.guest", *files)
        self.assertEqual(p.returncode, 0, p.stderr)
        html = slurp(out)
        self.assertIn('id="matrix"', html)
        self.assertIn("guest=sev-snp-4c (sev-snp) against guest=plain-4c (none)", html)
        self.assertIn("guest=sev-snp-2c (sev-snp) against guest=plain-2c (none)", html)
        self.assertNotIn("guest=sev-snp-4c (sev-snp) against guest=plain-2c", html)
        self.assertNotIn("guest=plain-4c against", html)
        # Each cell's interval in its <title>; +20% against its own shape (not +32%).
        m = re.search(r"<title>cpu\.exits cpuid, guest=sev-snp-4c \(sev-snp\) against "
                      r"guest=plain-4c \(none\) \(cost\): \+(\d+\.\d)% \[", html)
        self.assertIsNotNone(m)
        self.assertAlmostEqual(float(m.group(1)), 20, delta=3)
        self.assertEqual(xmllint(out).returncode, 0)

    def test_render_with_chromium(self):
        chromium = "/usr/bin/chromium"
        if not os.path.exists(chromium):
            self.skipTest("chromium not installed")
        html = self.path("r.html")
        self.assertEqual(run("report", "-o", html, self.plain, self.sev, self.snp).returncode, 0)
        png = self.path("shot.png")
        profile = tempfile.mkdtemp(prefix="tbchrome-")
        try:
            p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                "--disable-quic", "--no-first-run",
                                "--disable-background-networking", "--disable-component-update",
                                "--disable-sync", "--user-data-dir=" + profile,
                                "--screenshot=" + png, "--window-size=1200,2000",
                                "file://" + html], capture_output=True, text=True, timeout=120)
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        self.assertTrue(os.path.exists(png), p.stderr[-2000:])
        nonwhite, total = png_nonwhite(png)
        # Tables, bars and text cover well over 2% of the page; a blank page is ~0.
        self.assertGreater(nonwhite / total, 0.02)


if __name__ == "__main__":
    tbtest.main()
