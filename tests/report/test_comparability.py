"""The environment fingerprint in results, and compare's comparability block and --strict."""
import re

import tbtest
from tbtest import run
from test_gate import write_runs


def facts(isa="sse4.2+avx2+avx512f+aes+sha", cmdline="console=ttyS0%20quiet", thp="madvise",
          cpuidle="haltpoll/haltpoll", numa="1", clock="kvm-clock", swiotlb="default",
          fp="00000001"):
    return (f"env.fp={fp} env.isa={isa} env.ucode=0xa0011d1 env.cmdline={cmdline} "
            f"env.thp={thp} env.cpuidle={cpuidle} env.numa={numa} env.clocksource={clock} "
            f"env.swiotlb={swiotlb}")


class Comparability(tbtest.TempDirTest):
    def test_run_records_the_fingerprint_once_a_run(self):
        out = self.path("r.csv")
        p = run("run", "-b", "cpu.exits:getppid", "--quick", "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = tbtest.read_csv(out)
        with_fp = [r for r in rows if "env.fp=" in r["detail"]]
        self.assertEqual(len(with_fp), 1)
        self.assertIs(with_fp[0], rows[0])
        d = dict(kv.split("=", 1) for kv in rows[0]["detail"].split())
        for key in ("env.isa", "env.ucode", "env.cmdline", "env.thp", "env.cpuidle",
                    "env.numa", "env.clocksource", "env.swiotlb"):
            self.assertIn(key, d)
            self.assertTrue(d[key])
        self.assertRegex(d["env.fp"], r"^[0-9a-f]{8}$")
        with open("/proc/cmdline") as f:
            self.assertEqual(d["env.cmdline"].replace("%20", " ").replace("%2C", ",")
                             .replace("%25", "%"), f.read().strip())

    def pair(self, base_facts, cand_facts):
        a, b = self.path("a.csv"), self.path("b.csv")
        write_runs(a, 3, seed=1, detail=base_facts)
        write_runs(b, 3, seed=2, detail=cand_facts)
        return a, b

    def test_differences_are_listed_with_consequences(self):
        a, b = self.pair(facts(), facts(isa="sse4.2+avx2+aes+sha", cpuidle="none/menu",
                                        cmdline="console=ttyS0%20quiet%20idle=poll",
                                        fp="00000002"))
        p = run("compare", a, b)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("comparability: 3 differences between the sides besides cc_level, host "
                      "and run", p.stdout)
        self.assertIn("AVX-512 visible only in base: the avx512-* variants and anything built "
                      "on AVX-512 are not comparable", p.stdout)
        self.assertIn("kernel command line: base (nothing else); cand idle=poll", p.stdout)
        self.assertIn("cpuidle driver/governor: base haltpoll/haltpoll; cand none/menu",
                      p.stdout)
        p = run("compare", "--strict", a, b)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--strict: the environments differ in 3 facts", p.stderr)
        p = run("compare", "--strict", "--gate", "--margin", "5", a, b)
        self.assertEqual(p.returncode, 2, p.stderr)

    def test_facts_are_compared_not_the_fingerprint_alone(self):
        # The same env.fp beside different facts (a file edited by hand, or a hash collision):
        # the facts decide, and --strict refuses.
        a, b = self.pair(facts(), facts(thp="never", clock="tsc"))
        p = run("compare", a, b)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("comparability: 2 differences between the sides", p.stdout)
        self.assertIn("base kvm-clock; cand tsc", p.stdout)
        p = run("compare", "--strict", a, b)
        self.assertEqual(p.returncode, 2, p.stderr)

    def test_same_environment_and_old_files(self):
        a, b = self.pair(facts(), facts())
        p = run("compare", "--strict", a, b)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("comparability: the sides' environments agree", p.stdout)
        a2 = self.path("old.csv")
        write_runs(a2, 3, seed=3)
        p = run("compare", "--strict", a2, b)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("comparability: not recorded on base", p.stdout)


if __name__ == "__main__":
    tbtest.main()
