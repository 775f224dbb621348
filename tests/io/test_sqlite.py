"""io.sqlite end to end: rows, units, the three shapes, temp-file hygiene, Ctrl-C."""
import os
import signal

import tbtest
from tbtest import run, parse_csv, ok_rows

TINY = ["-b", "io.sqlite", "-r", "2", "--set", "io.sqlite.rows=20",
        "--set", "io.sqlite.wal_passes=2"]


class Sqlite(tbtest.TempDirTest):
    def test_tiny_run(self):
        p = run("run", *TINY, "--dir", self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        # 3 variants x 2 metrics x 2 reps; the warm-up is not written
        self.assertEqual(len(rows), 12)
        self.assertEqual({r["status"] for r in rows}, {"ok"})
        self.assertEqual({r["variant"] for r in rows}, {"autocommit", "wal", "batch"})
        self.assertEqual({r["group"] for r in rows}, {"io"})
        for r in ok_rows(rows, metric="elapsed"):
            self.assertEqual((r["unit"], r["better"]), ("s", "lower"))
        for r in ok_rows(rows, metric="inserts"):
            self.assertEqual((r["unit"], r["better"]), ("inserts/s", "higher"))
        # inserts/s x seconds = the statements run: 20, or 2 passes x 20 in WAL mode
        for v, n in (("autocommit", 20), ("wal", 40), ("batch", 20)):
            for rep in ("1", "2"):
                t = [r for r in ok_rows(rows, variant=v, metric="elapsed") if r["rep"] == rep][0]
                i = [r for r in ok_rows(rows, variant=v, metric="inserts") if r["rep"] == rep][0]
                self.assertAlmostEqual(float(t["value"]) * float(i["value"]), n, delta=0.01)
        wal = ok_rows(rows, variant="wal")[0]["detail"]
        self.assertIn("journal=wal", wal)
        self.assertIn("passes=2", wal)
        auto = ok_rows(rows, variant="autocommit")[0]["detail"]
        self.assertIn("journal=delete", auto)
        self.assertIn("synchronous=FULL", auto)
        self.assertIn("txn=one", ok_rows(rows, variant="batch")[0]["detail"])
        self.assert_no_leftovers(self.tmp)

    def test_unwritable_dir_fails_cleanly(self):
        # As root the check would never bite: the run drops to nobody, who may not write here.
        os.chmod(self.tmp, 0o555)
        try:
            p = tbtest.run_unprivileged("run", *TINY, "--dir", self.tmp)
        finally:
            os.chmod(self.tmp, 0o700)
        # bad usage, said before anything runs: one line, exit 2, no rows
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertIn("not a directory this user can create files in", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_interrupt_leaves_nothing(self):
        # 100,000 autocommit inserts take minutes (each one several fsyncs): SIGINT arrives in the middle.
        def db_exists():
            return any(n.startswith("tinyben-sqlite-") for n in os.listdir(self.tmp))
        code, out, err = tbtest.interrupt_when(
            ["run", "-b", "io.sqlite:autocommit", "--set", "io.sqlite.rows=100000",
             "--dir", self.tmp], db_exists)
        self.assertEqual(code, 130, err)
        parse_csv(out)
        self.assert_no_leftovers(self.tmp)


if __name__ == "__main__":
    tbtest.main()
