"""compare's statistics against an independent computation in Python: medians, ratio,
overhead, and the bootstrap interval against the EXACT bootstrap distribution (every
resample enumerated), which the Monte-Carlo bootstrap must approximate."""
import bisect
import csv
import io
import itertools
import os
import statistics

import tbtest
from tbtest import run
import reportdata as data

SERIES = {
    # (better, base samples, cand samples)
    "thr": ("higher", [100.0, 104.0, 97.0, 101.0], [90.0, 95.0, 88.0]),
    "lat": ("lower", [10.0, 11.0, 12.5], [10.5, 13.0, 11.5, 12.0]),
    "same": ("lower", [5.0, 5.2, 4.9], [5.1, 4.95, 5.05]),
}


def write(path, cc, which):
    rows = []
    env = data.env_row(cc, "run-" + cc)
    for name, (better, base, cand) in SERIES.items():
        vals = base if which == 0 else cand
        for i, v in enumerate(vals, 1):
            rows.append(dict(env, group="cpu", bench="cpu.t", variant=name, metric="m",
                             unit="u", better=better, rep=str(i), value=repr(v), status="ok",
                             detail=""))
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=tbtest.HEADER, lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)


def exact_quantile_range(x, y, q, slack):
    """All ratios med(y*)/med(x*) over every resample, equally likely; returns the
    values at probabilities q - slack and q + slack."""
    mx = [statistics.median(s) for s in itertools.product(x, repeat=len(x))]
    my = [statistics.median(s) for s in itertools.product(y, repeat=len(y))]
    ratios = sorted(b / a for a in mx for b in my)
    n = len(ratios)
    return ratios[max(0, int((q - slack) * n))], ratios[min(n - 1, int((q + slack) * n))]


class Bootstrap(tbtest.TempDirTest):
    def test_against_python(self):
        a, b = self.path("a.csv"), self.path("b.csv")
        write(a, "none", 0)
        write(b, "sev-snp", 1)
        p = run("compare", a, b, "--format", "csv")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = {r["variant"]: r for r in csv.DictReader(io.StringIO(p.stdout, newline=""))}
        for name, (better, x, y) in SERIES.items():
            r = rows[name]
            mx, my = statistics.median(x), statistics.median(y)
            self.assertAlmostEqual(float(r["base_median"]), mx, places=9)
            self.assertAlmostEqual(float(r["cand_median"]), my, places=9)
            ratio = my / mx
            self.assertAlmostEqual(float(r["ratio"]), ratio, places=9)
            over = (1 / ratio - 1) * 100 if better == "higher" else (ratio - 1) * 100
            self.assertAlmostEqual(float(r["overhead_pct"]), over, places=6)
            # 10000 Monte-Carlo resamples: the 2.5% quantile's probability is within
            # 5 standard errors (0.0016 each) of 2.5%, so within these exact bounds.
            lo, hi = float(r["ratio_ci_lo"]), float(r["ratio_ci_hi"])
            lo_a, lo_b = exact_quantile_range(x, y, 0.025, 0.008)
            hi_a, hi_b = exact_quantile_range(x, y, 0.975, 0.008)
            self.assertTrue(lo_a - 1e-9 <= lo <= lo_b + 1e-9, (name, lo, lo_a, lo_b))
            self.assertTrue(hi_a - 1e-9 <= hi <= hi_b + 1e-9, (name, hi, hi_a, hi_b))
            # One run a side: the interval is within that run only, so no verdict.
            self.assertEqual(r["significant"], "undetermined")
            self.assertEqual(r["ci_method"], "within_bootstrap")
            self.assertEqual((r["base_runs"], r["cand_runs"]), ("1", "1"))
            # Overhead CI is the ratio CI mapped through the same monotone function.
            f = (lambda q: (1 / q - 1) * 100) if better == "higher" else (lambda q: (q - 1) * 100)
            ends = sorted([f(lo), f(hi)])
            self.assertAlmostEqual(float(r["overhead_ci_lo"]), ends[0], places=4)
            self.assertAlmostEqual(float(r["overhead_ci_hi"]), ends[1], places=4)
        self.assertGreater(float(rows["thr"]["ratio_ci_hi"]), 0)
        self.assertLess(float(rows["thr"]["ratio_ci_hi"]), 1)


if __name__ == "__main__":
    tbtest.main()
