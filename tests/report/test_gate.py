"""`tinyben compare --gate`: each exit status on synthetic runs with known effects."""
import csv
import io
import math
import random
import re

import tbtest
from tbtest import run

# (bench, variant, metric, unit, better, centre)
SERIES = [("cpu.x", "v", "speed", "MB/s", "higher", 1000.0),
          ("mem.y", "w", "latency", "ns", "lower", 80.0)]


def write_runs(path, runs, effect=None, spread=0.003, seed=1, boots=None, reps=3, detail=""):
    """`runs` runs; each run's level varies by `spread` (log sd); effect: {metric: factor
    by which cand is worse}; boots: boot_id per run (else empty)."""
    rnd = random.Random(seed)
    effect = effect or {}
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=tbtest.HEADER, lineterminator="\r\n")
        w.writeheader()
        for k in range(runs):
            for bench, variant, metric, unit, better, centre in SERIES:
                worse = effect.get(metric, 1.0)
                level = centre * math.exp(rnd.gauss(0, spread))
                level = level / worse if better == "higher" else level * worse
                for rep in range(1, reps + 1):
                    w.writerow(dict(
                        timestamp="2026-12-01T00:00:00Z", run_id=f"{path}-{k}", host="h",
                        cc_level="none", cc_features="", kernel="6.1", cpu_model="c",
                        vcpus="2", mem_mib="1024", tinyben_version="0.1.0",
                        group=bench.split(".")[0], bench=bench, variant=variant,
                        metric=metric, unit=unit, better=better, rep=str(rep),
                        value=f"{level * math.exp(rnd.gauss(0, 0.001)):.6g}", status="ok",
                        detail=detail if rep == 1 else "",
                        boot_id=boots[k] if boots else ""))


class Gate(tbtest.TempDirTest):
    def gate(self, *args):
        return run("compare", "--gate", *args)

    def sides(self, runs, spread=0.003, **cand):
        """a.csv and b.csv of `runs` runs each (seeds 1 and 2, both with `spread`); cand: more
        of write_runs' arguments for b. Their paths."""
        a, b = self.path("a.csv"), self.path("b.csv")
        write_runs(a, runs, seed=1, spread=spread)
        write_runs(b, runs, seed=2, spread=spread, **cand)
        return a, b

    def gated(self, a, b, status):
        """compare --gate --margin 2 a b, which must exit with status."""
        p = self.gate("--margin", "2", a, b)
        self.assertEqual(p.returncode, status, p.stdout + p.stderr)
        return p

    def test_pass_when_equivalent(self):
        p = self.gated(*self.sides(5), 0)
        self.assertIn("gate passed: 2 metrics gated at +2%: 2 pass, 0 worse, 0 undecided",
                      p.stdout)

    def test_better_passes(self):
        self.gated(*self.sides(5, effect={"speed": 0.7, "latency": 0.7}), 0)

    def test_worse_fails_and_is_listed(self):
        a, b = self.sides(5, effect={"latency": 1.10})
        p = self.gated(a, b, 1)
        self.assertRegex(p.stdout, r"worse: mem\.y:w:latency overhead \+10\.\d\d% \(90% "
                                   r"interval .*\) exceeds \+2%")
        self.assertNotIn("cpu.x", p.stdout)
        self.assertIn("gate failed", p.stdout)
        # --metrics leaves the worse one out: the rest passes
        p = self.gate("--margin", "2", "--metrics", "cpu.*", a, b)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("1 metric gated", p.stdout)
        p = self.gate("--margin", "2", "--metrics", "nothing:*,*:*:speed2", a, b)
        self.assertEqual(p.returncode, 2)
        self.assertIn("matches no metric", p.stderr)

    def test_no_common_metric(self):
        """Sides with no metric in common: one line about that, not about a --metrics that
        was never given (it said "--metrics '(null)'")."""
        a, b = self.sides(3)
        with open(b) as f:
            text = f.read().replace("cpu.x,v,speed", "cpu.z,v,speed").replace(
                "mem.y,w,latency", "mem.z,w,latency")
        with open(b, "w", newline="") as f:
            f.write(text)
        p = self.gated(a, b, 2)
        self.assertEqual(p.stderr.strip().splitlines()[-1],
                         "tinyben: compare: --gate: no metric was measured on both sides: "
                         "nothing to gate")
        self.assertNotIn("null", p.stderr)

    def test_undecided_says_how_many_runs(self):
        # too few runs
        p = self.gated(*self.sides(2), 3)
        self.assertIn("cannot decide: cpu.x:v:speed (2/2 runs): needs at least 3 runs a side",
                      p.stdout)
        # noisy runs (3% between runs) against a 2% margin: a number of runs that decides
        a, b = self.sides(4, spread=0.03)
        p = self.gated(a, b, 3)
        self.assertRegex(p.stdout, r"cannot decide: mem\.y:w:latency overhead .*: needs "
                                   r"about \d+ runs a side")
        self.assertIn("gate undecided", p.stdout)
        # a worse metric decides the gate even when another is undecided
        write_runs(b, 4, seed=2, spread=0.03, effect={"latency": 1.5})
        self.gated(a, b, 1)

    def test_boots_are_the_unit_when_recorded(self):
        a, b = self.path("a.csv"), self.path("b.csv")
        write_runs(a, 6, seed=1, spread=0.03, boots=["a1", "a1", "a2", "a2", "a3", "a3"])
        write_runs(b, 6, seed=2, spread=0.03, boots=["b1", "b1", "b2", "b2", "b3", "b3"])
        p = self.gated(a, b, 3)
        self.assertRegex(p.stdout, r"needs about \d+ boots a side")
        # the table says its unit in the header and on every verdict
        p = run("compare", a, b)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("unit: boot (3 boots a side)", p.stdout)
        self.assertRegex(p.stdout, r"boots, df [\d.]+ .* (no|yes) \(boot\)")
        rows = list(csv.DictReader(io.StringIO(run("compare", "--format", "csv", a, b).stdout,
                                                newline="")))
        self.assertEqual({(r["unit"], r["base_boots"], r["cand_boots"]) for r in rows},
                         {("boot", "3", "3")})
        # two boots a side: the run stays the unit, and every verdict says so
        write_runs(b, 6, seed=2, boots=["b1", "b1", "b1", "b2", "b2", "b2"])
        p = run("compare", a, b)
        self.assertIn("unit: run (3/2 boots): variation between guests not included; a "
                      "guest-level verdict needs 3 boots a side", p.stdout)
        verdicts = re.findall(r"^(?:cpu\.x|mem\.y) .* (yes|no)( \(run\))?$", p.stdout, re.M)
        self.assertEqual(len(verdicts), 2)
        self.assertTrue(all(v[1] for v in verdicts), verdicts)

    def test_usage(self):
        a = self.path("a.csv")
        write_runs(a, 3)
        for args, msg in [(["--gate", a, a], "--gate needs --margin"),
                          (["--gate", "--margin", "2", "--format", "csv", a, a],
                           "leave out --format"),
                          (["--metrics", "x", a, a], "give --gate too")]:
            p = run("compare", *args)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(msg, p.stderr)
            self.assertEqual(p.stdout, "")


if __name__ == "__main__":
    tbtest.main()
