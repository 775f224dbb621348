"""`tinyben exec`: rows like every benchmark, failed rows for failing commands, exit codes."""
import os

import tbtest
from tbtest import run, parse_csv, read_csv, ok_rows


class Exec(tbtest.TempDirTest):
    def test_true(self):
        p = run("exec", "-r", "2", "-q", "--", "true")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual(len(rows), 8)  # 4 metrics x 2 reps
        for r in rows:
            self.assertEqual(r["status"], "ok")
            self.assertEqual(r["group"], "exec")
            self.assertEqual(r["bench"], "exec.true")
            self.assertIn("exit_status=0", r["detail"])
        units = {r["metric"]: r["unit"] for r in rows}
        self.assertEqual(units, {"wall_s": "s", "user_s": "s", "sys_s": "s",
                                 "max_rss_kib": "KiB"})
        self.assertGreater(float(ok_rows(rows, metric="wall_s")[0]["value"]), 0)
        self.assertGreater(float(ok_rows(rows, metric="max_rss_kib")[0]["value"]), 0)
        self.assertEqual(sorted({r["rep"] for r in rows}), ["1", "2"])

    def test_false_is_a_failed_row(self):
        p = run("exec", "-r", "3", "-q", "--", "false")
        self.assertEqual(p.returncode, 1)
        rows = parse_csv(p.stdout)
        self.assertEqual([r["status"] for r in rows], ["failed"])
        self.assertIn("exit status 1", rows[0]["detail"])

    def test_missing_command(self):
        out = self.path("out.csv")
        p = run("exec", "-o", out, "--", "tinyben-no-such-command-xyz")
        self.assertEqual(p.returncode, 2)
        self.assertIn("tinyben-no-such-command-xyz", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(run("exec").returncode, 2)

    def test_output_prepare_name_and_command_output(self):
        out = self.path("out.csv")
        marker = self.path("prepared")
        # The command prints on stdout and its arguments look like options: neither may
        # reach the rows or tinyben's option parser.
        p = run("exec", "-r", "2", "--name", "build", "--prepare", "echo x >> " + marker,
                "-o", out, "--", "sh", "-c", "echo hello; exit 0", "-r")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = read_csv(out)
        self.assertEqual({r["bench"] for r in rows}, {"exec.build"})
        self.assertTrue(all("prepare=yes" in r["detail"] for r in rows))
        with open(marker) as f:
            self.assertEqual(f.read(), "x\nx\n")
        p = run("exec", "-q", "-o", out, "--", "true")
        self.assertEqual(p.returncode, 2)
        self.assertIn("already exists", p.stderr)
        p = run("exec", "-q", "--", "sh", "-c", "echo hello")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(len(parse_csv(p.stdout)), 20)

    def test_failing_prepare(self):
        p = run("exec", "-q", "--prepare", "exit 3", "--", "true")
        self.assertEqual(p.returncode, 1)
        rows = parse_csv(p.stdout)
        self.assertEqual([r["status"] for r in rows], ["failed"])
        self.assertIn("--prepare", rows[0]["detail"])


if __name__ == "__main__":
    tbtest.main()
