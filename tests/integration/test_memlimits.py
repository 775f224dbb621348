"""Memory limits other than the machine's free memory: a cgroup's limit (v1 or v2) and
RLIMIT_AS / RLIMIT_DATA. A benchmark that would not fit is a skipped row that gives the
numbers, never an OOM kill of the whole run or a failed allocation; every benchmark that
allocates goes through that check (cpu.lz4's corpus and teams too)."""
import os
import resource
import subprocess

import tbtest
from tbtest import TINYBEN

MIB = 1 << 20


def asan_build():
    with open(TINYBEN, "rb") as f:
        return b"__asan_init" in f.read()


def own_cgroup_dir():
    """(directory of our memory cgroup, v2?) or (None, reason)."""
    own = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            hid, ctrls, path = line.rstrip("\n").split(":", 2)
            if hid == "0" and ctrls == "":
                own["v2"] = path
            elif "memory" in ctrls.split(","):
                own["v1"] = path
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            fields, rfields = left.split(), right.split()
            root, point, fstype = fields[3], fields[4], rfields[0]
            opts = rfields[2].split(",") if len(rfields) > 2 else []
            if fstype == "cgroup" and "memory" in opts and "v1" in own:
                rel = own["v1"][len(root):] if root != "/" else own["v1"]
                return point + rel, False
            if fstype == "cgroup2" and "v2" in own:
                rel = own["v2"][len(root):] if root != "/" else own["v2"]
                base = point + rel
                try:
                    if "memory" in open(os.path.join(base, "cgroup.controllers")).read().split():
                        return base, True
                except OSError:
                    pass
    return None, "no memory cgroup controller we can use here"


class MemLimits(tbtest.TempDirTest):
    def cgroup(self, limit):
        if os.geteuid() != 0:
            self.skipTest("creating a memory cgroup needs root")
        base, v2 = own_cgroup_dir()
        if base is None:
            self.skipTest(v2)
        d = os.path.join(base, f"tbtest-{os.getpid()}-{len(os.listdir(self.tmp))}")
        try:
            os.mkdir(d)
            with open(os.path.join(d, "memory.max" if v2 else "memory.limit_in_bytes"),
                      "w") as f:
                f.write(str(limit))
        except OSError as e:
            if os.path.isdir(d):
                os.rmdir(d)
            self.skipTest(f"cannot make a memory cgroup under {base}: {e}")
        self.addCleanup(lambda: os.path.isdir(d) and os.rmdir(d))
        return d

    def run_in(self, cg, *args):
        def enter():
            with open(os.path.join(cg, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        return subprocess.run([TINYBEN, *args], capture_output=True, text=True, timeout=300,
                              preexec_fn=enter, cwd=self.tmp)

    def run_limited(self, which, limit, *args):
        def lim():
            resource.setrlimit(which, (limit, limit))
        return subprocess.run([TINYBEN, *args], capture_output=True, text=True, timeout=300,
                              preexec_fn=lim, cwd=self.tmp)

    def skipped(self, out, bench):
        rows = tbtest.read_csv(out)
        return rows, [r for r in rows if r["bench"] == bench and r["status"] == "skipped"]

    def test_a_memory_cgroup_makes_a_skipped_row_not_an_oom_kill(self):
        cg = self.cgroup(120 * MIB)
        out = self.path("cg.csv")
        p = self.run_in(cg, "run", "--quick", "-q", "-b", "mem.mbw:MEMCPY,cpu.exits:rdtsc",
                        "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows, skipped = self.skipped(out, "mem.mbw")
        self.assertEqual(len(skipped), 1, rows)
        self.assertRegex(skipped[0]["detail"], r"needs \d+ MiB of memory, only \d+ MiB "
                         r"available: cgroup memory\.(max|limit_in_bytes) 120 MiB with \d+ MiB in use")
        self.assertTrue(tbtest.ok_rows(rows, "cpu.exits"), "the next benchmark did not run")

    def test_cpu_lz4_corpus_and_teams_go_through_the_check(self):
        cg = self.cgroup(200 * MIB)
        out = self.path("lz4.csv")
        # The corpus alone is larger than the cgroup: every variant a skipped row.
        p = self.run_in(cg, "run", "--quick", "-q", "-b", "cpu.lz4:level1",
                        "--set", "cpu.lz4.size_mib=256", "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows, skipped = self.skipped(out, "cpu.lz4")
        self.assertEqual(len(rows), 1, rows)
        self.assertRegex(skipped[0]["detail"], r"corpus needs 256 MiB .* cgroup")
        # With --threads, that skip is one row per team size, named as the team's rows.
        out = self.path("lz4s.csv")
        p = self.run_in(cg, "run", "--quick", "-q", "-b", "cpu.lz4:level1", "--threads", "1,2",
                        "--set", "cpu.lz4.size_mib=256", "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows, skipped = self.skipped(out, "cpu.lz4")
        self.assertEqual([r["variant"] for r in skipped], ["level1-t1", "level1-t2"])
        # One stream fits, eight do not: the team of eight is the skipped row.
        out = self.path("lz4t.csv")
        p = self.run_in(cg, "run", "--quick", "-q", "-b", "cpu.lz4:level1", "--threads",
                        "1,8", "--set", "cpu.lz4.size_mib=24", "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows, skipped = self.skipped(out, "cpu.lz4")
        self.assertEqual([r["variant"] for r in skipped], ["level1-t8"])
        self.assertTrue(tbtest.ok_rows(rows, "cpu.lz4", "level1-t1"))

    def test_rlimit_as_and_data_make_skipped_rows_with_the_numbers(self):
        if asan_build():
            self.skipTest("AddressSanitizer reserves terabytes of shadow memory: a sanitizer "
                          "build cannot start under a 512 MiB RLIMIT_AS or RLIMIT_DATA")
        for which, name in ((resource.RLIMIT_AS, "RLIMIT_AS"),
                            (resource.RLIMIT_DATA, "RLIMIT_DATA")):
            with self.subTest(limit=name):
                out = self.path(name + ".csv")
                p = self.run_limited(which, 512 * MIB, "run", "--quick", "-q", "-b",
                                     "mem.mbw:MEMCPY,cpu.lz4:level1,cpu.exits:rdtsc",
                                     "--set", "mem.mbw.size_mib=1024",
                                     "--set", "cpu.lz4.size_mib=600", "-o", out)
                self.assertEqual(p.returncode, 0, p.stderr)
                rows = tbtest.read_csv(out)
                for bench in ("mem.mbw", "cpu.lz4"):
                    bad = [r for r in rows if r["bench"] == bench]
                    self.assertEqual([r["status"] for r in bad], ["skipped"], bad)
                    self.assertRegex(bad[0]["detail"], name + r" 512 MiB with \d+ MiB mapped")
                self.assertTrue(tbtest.ok_rows(rows, "cpu.exits"))


if __name__ == "__main__":
    tbtest.main()
