"""The quick suite: every benchmark runs and is ok (or skipped for a missing tool), with at
least 3 repetitions of every metric, in one command."""
import collections
import shutil

import tbtest
from tbtest import run, parse_csv


class QuickSuite(tbtest.TempDirTest):
    def test_every_benchmark_ok_with_three_repetitions(self):
        p = run("run", "--quick", "-q", "--dir", self.tmp, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        listed = {line.split()[0] for line in run("list").stdout.splitlines()
                  if line and not line.startswith(" ")}
        self.assertEqual({r["bench"] for r in rows}, listed)
        self.assertEqual([r for r in rows if r["status"] == "failed"], [])
        for r in rows:
            if r["status"] == "skipped":
                # only what this machine lacks, never the suite itself
                self.assertTrue(r["bench"] == "io.redis" and not shutil.which("redis-server")
                                or "huge pages" in r["detail"] or "lacks" in r["detail"]
                                or "2 CPUs" in r["detail"]
                                # a boot's records this machine lacks: cloud-init, a kernel
                                # log still holding the boot, the right to read it
                                or r["bench"] == "cc.boot" and ("cloud-init" in r["detail"]
                                                                or "kernel log" in r["detail"])
                                # evidence interfaces only a confidential guest or a TPM has
                                or r["bench"] == "cc.attest" and ("does not exist" in r["detail"]
                                                                  or "absent" in r["detail"]
                                                                  or "no TPM" in r["detail"]), r)
        reps = collections.defaultdict(set)
        for r in rows:
            if r["status"] == "ok":
                reps[(r["bench"], r["variant"], r["metric"])].add(int(r["rep"]))
        self.assertTrue(reps)
        for key, got in reps.items():
            # cc.boot: a boot happens once, so each phase is one sample
            self.assertEqual(got, {1} if key[0] == "cc.boot" else {1, 2, 3}, key)
        self.assert_no_leftovers(self.tmp)


if __name__ == "__main__":
    tbtest.main()
