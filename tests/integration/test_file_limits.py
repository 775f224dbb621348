"""A file size limit (ulimit -f) is an error that says EFBIG, never a SIGXFSZ kill: no output
is left cut short (documents are put in place whole or not at all, result files end at a
whole row), an output replaced with --force keeps its old content, and no temp file or
benchmark database stays behind."""
import os
import resource
import subprocess

import tbtest
from tbtest import TINYBEN

EFBIG_SAYS = "EFBIG"


def limited(kib, *args, cwd=None):
    """tinyben under a file size limit of kib KiB (a float: a fraction of a KiB)."""
    def limit():
        n = int(kib * 1024)
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
    return subprocess.run([TINYBEN, *args], capture_output=True, text=True, timeout=300,
                          preexec_fn=limit, cwd=cwd)


class FileLimits(tbtest.TempDirTest):
    def setUp(self):
        super().setUp()
        self.csv = self.path("in.csv")
        p = tbtest.run("run", "--quick", "-q", "-b", "cpu.exits:rdtsc", "-o", self.csv)
        self.assertEqual(p.returncode, 0, p.stderr)

    def check_failed_whole(self, p, out, old=None):
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(EFBIG_SAYS, p.stderr)
        self.assertNotIn("No space left", p.stderr)
        if old is None:
            self.assertFalse(os.path.exists(out), "a cut document was left in place")
        else:
            self.assertEqual(open(out, "rb").read(), old, "--force lost the old file")
        self.assert_no_leftovers(self.tmp, [f for f in os.listdir(self.tmp)
                                            if not f.startswith("tinyben-")])

    def test_documents_are_whole_or_absent(self):
        cases = {
            "corpus": ["corpus", "-o", "{out}", "--size", "1"],
            "report": ["report", "-o", "{out}", self.csv],
            "report svg": ["report", "-o", "{out}.svg", self.csv],  # out.html.svg
        }
        for name, args in cases.items():
            # Half of what the document takes without a limit.
            whole = self.path("whole-" + name.replace(" ", "_") + ".html")
            argv = [a.replace("{out}", whole) for a in args]
            self.assertEqual(tbtest.run(*argv).returncode, 0)
            whole += ".svg" if name == "report svg" else ""
            kib = os.path.getsize(whole) / 2048
            os.unlink(whole)
            for force in (False, True):
                with self.subTest(verb=name, force=force):
                    out = self.path(name.replace(" ", "_") + ".html")
                    argv = [a.replace("{out}", out) for a in args]
                    if name == "report svg":
                        out += ".svg"
                    old = None
                    if force:
                        old = b"the previous version\n"
                        open(out, "wb").write(old)
                        argv.append("--force")
                    self.check_failed_whole(limited(kib, *argv), out, old)
                    if os.path.exists(out):
                        os.unlink(out)

    def test_results_end_at_a_whole_row_and_say_efbig(self):
        for fmt in ("csv", "json"):
            with self.subTest(fmt=fmt):
                out = self.path("r." + fmt)
                p = limited(2, "run", "--quick", "-q", "-b", "cpu.exits:rdtsc,cpu.exits:getppid",
                            "-o", out)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn(EFBIG_SAYS, p.stderr)
                data = open(out, "rb").read()
                # Empty when the first batch did not fit: whole either way.
                self.assertTrue(not data or data.endswith(b"\r\n" if fmt == "csv" else b"}\n"),
                                data[-60:])

    def test_runs_name_the_output_and_keep_whole_rows(self):
        out = self.path("runs.csv")
        p = limited(4, "run", "--runs", "3", "--quick", "-q", "-b",
                    "cpu.exits:rdtsc,cpu.exits:getppid", "-o", out)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("cannot write results to %s: File too large (EFBIG" % out, p.stderr)
        self.assertTrue(open(out, "rb").read().endswith(b"\r\n"))
        tbtest.read_csv(out)
        self.assert_no_leftovers(self.tmp, ["in.csv", "runs.csv"])

    def test_io_benchmarks_say_efbig_and_leave_no_files(self):
        d = self.path("dir")
        os.mkdir(d)
        out = self.path("io.csv")
        # The limit is below the benchmarks' files, above the results' rows.
        p = limited(8, "run", "--quick", "-q", "-b", "io.sqlite:wal,io.uring:read-qd1",
                    "--dir", d, "-o", out)
        self.assertNotEqual(p.returncode, 128 + 25, p.stderr)
        self.assertEqual(os.listdir(d), [], "a database or test file was left in --dir")
        rows = tbtest.read_csv(out)
        bad = [r for r in rows if r["status"] != "ok"]
        self.assertEqual({(r["bench"], r["variant"]) for r in bad},
                         {("io.sqlite", "wal"), ("io.uring", "read-qd1")})
        for r in bad:
            self.assertIn(EFBIG_SAYS, r["detail"])
            self.assertNotIn("No space left", r["detail"])


if __name__ == "__main__":
    tbtest.main()
