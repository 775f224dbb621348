"""One writer per output file: a second tinyben writing the same -o (any verb, any format)
is refused with exit 75 and one line, and the file is left as the first writer makes it."""
import fcntl
import os
import subprocess

import tbtest
from tbtest import TINYBEN

BUSY = 75
QUICK = ["run", "--quick", "-q", "-b", "cpu.exits:rdtsc", "--min-time", "0.002"]


class OutputLock(tbtest.TempDirTest):
    def setUp(self):
        super().setUp()
        self.csv = self.path("in.csv")
        p = tbtest.run(*QUICK, "-o", self.csv)
        self.assertEqual(p.returncode, 0, p.stderr)

    def held(self, name, content=b"held by another writer\n"):
        """A file with content, locked as a running tinyben holds its output."""
        path = self.path(name)
        with open(path, "wb") as f:
            f.write(content)
        fd = os.open(path, os.O_WRONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self.addCleanup(os.close, fd)
        return path

    def test_every_writer_is_refused_while_another_holds_the_file(self):
        cases = {
            "run csv": lambda o: [*QUICK, "-o", o, "--force"],
            "run json": lambda o: [*QUICK, "--format", "json", "-o", o, "--force"],
            "run --runs": lambda o: [*QUICK, "--runs", "2", "-o", o, "--force"],
            "exec": lambda o: ["exec", "-r", "1", "-q", "-o", o, "--force", "--", "true"],
            "report": lambda o: ["report", "-o", o, "--force", self.csv],
            "corpus": lambda o: ["corpus", "-o", o, "--force", "--size", "1"],
            "detect --save-evidence": lambda o: ["detect", "--save-evidence", o, "--force"],
        }
        for name, args in cases.items():
            with self.subTest(verb=name):
                out = self.held(name.replace(" ", "_") + ".html")
                before = open(out, "rb").read()
                p = tbtest.run(*args(out))
                self.assertEqual(p.returncode, BUSY, p.stderr)
                self.assertIn("another tinyben is writing this file", p.stderr)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
                # --force did not truncate it before the lock was refused.
                self.assertEqual(open(out, "rb").read(), before)
        self.assert_no_leftovers(self.tmp, [f for f in os.listdir(self.tmp)
                                            if not f.startswith("tinyben-")])

    def test_two_runs_forcing_one_file_never_corrupt_it(self):
        for fmt in ("csv", "json"):
            out = self.path("c." + fmt)
            procs = [subprocess.Popen([TINYBEN, "run", "--quick", "-q", "-b",
                                       "cpu.exits:rdtsc,cpu.exits:getppid", "-o", out,
                                       "--force"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True) for _ in range(2)]
            codes = sorted(p.wait(timeout=120) for p in procs)
            with self.subTest(fmt=fmt):
                self.assertIn(codes, ([0, BUSY], [0, 0]))
                if fmt == "csv":
                    rows = tbtest.read_csv(out)
                    # One run's rows, whole: two runs' rows would carry two run_ids.
                    self.assertEqual(len({r["run_id"] for r in rows}), 1)
                    self.assertEqual(tbtest.run("compare", out, out).returncode, 0)
                else:
                    import json
                    lines = open(out).read().splitlines()
                    self.assertEqual(len({json.loads(x)["run_id"] for x in lines}), 1)

    def test_a_document_through_a_symbolic_link_replaces_its_target(self):
        target = self.path("target.html")
        open(target, "w").write("old\n")
        os.symlink("target.html", self.path("link.html"))
        p = tbtest.run("report", "-o", self.path("link.html"), "--force", self.csv)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.islink(self.path("link.html")))
        self.assertIn("<html", open(target).read())

    def test_an_input_file_is_never_the_output(self):
        """run -o --force naming the file a benchmark reads (--corpus, --set ...host_log),
        under any name, replaced it before it was read: refused, the input intact."""
        corpus = self.path("corpus.bin")
        with open(corpus, "wb") as f:
            f.write(os.urandom(4096))
        log = self.path("host.log")
        with open(log, "w") as f:
            f.write("qemu-start 1\nkernel 2\n")
        os.symlink("host.log", self.path("log-link.csv"))
        cases = [(["-b", "cpu.lz4:level1", "--corpus", corpus], corpus),
                 (["-b", "cc.boot:host-kernel", "--set", "cc.boot.host_log=" + log],
                  os.path.join(self.tmp, ".", "host.log")),
                 (["--runs", "2", "-b", "cc.boot:host-kernel", "--set",
                   "cc.boot.host_log=" + log], self.path("log-link.csv"))]
        for args, out in cases:
            with self.subTest(args=args):
                before = open(args[-1].split("=")[-1], "rb").read()
                p = tbtest.run("run", "--quick", "-q", *args, "-o", out, "--force")
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("is the input file", p.stderr)
                self.assertEqual(open(args[-1].split("=")[-1], "rb").read(), before)

    def test_a_new_output_is_not_left_behind_when_refused_or_failed(self):
        # report on bad input: the placeholder it created and locked is removed again.
        bad = self.path("bad.csv")
        open(bad, "w").write("not,a,tinyben,csv\n")
        p = tbtest.run("report", "-o", self.path("r.html"), bad)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertFalse(os.path.exists(self.path("r.html")))
        self.assert_no_leftovers(self.tmp, ["in.csv", "bad.csv"])


if __name__ == "__main__":
    tbtest.main()
