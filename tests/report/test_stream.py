"""compare and report read their inputs as streams: bounded memory at a million rows and
on endless input, a cut-off last row dropped on request, one Ctrl-C stops them, and a
progress line when reading takes more than a second."""
import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time

import tbtest
from tbtest import run, TINYBEN
import bigcsv
import reportdata as data

MIB = 1024 * 1024


def sanitized():
    """A sanitizer build: its shadow memory makes peak RSS meaningless."""
    with open(TINYBEN, "rb") as f:
        return b"__asan_init" in f.read()


SANITIZED = sanitized()


def max_rss(*args, stdin=None):
    """Runs tinyben in a fresh helper process and returns (rc, stdout, stderr, peak RSS in
    bytes): getrusage(RUSAGE_CHILDREN) of a process whose only child is tinyben."""
    helper = ("import resource, subprocess, sys\n"
              "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
              "sys.stdout.write(p.stdout)\n"
              "sys.stderr.write(p.stderr)\n"
              "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
              "sys.stderr.write(f'\\nRSS-KIB {rss}\\n')\n"
              "sys.exit(p.returncode)\n")
    p = subprocess.run([sys.executable, "-c", helper, TINYBEN, *args], capture_output=True,
                       text=True, timeout=600)
    err, _, tail = p.stderr.rpartition("\nRSS-KIB ")
    return p.returncode, p.stdout, err, int(tail) * 1024


class Feeder:
    """Writes text into a FIFO from a thread; `hold` keeps the FIFO open (no end of file)
    after the text, until release(), so the reader blocks in read() like on a slow disk
    or a pipe from a remote machine."""

    def __init__(self, path, text, hold=False, pause_after=None, pause=0.0):
        self.path, self.text, self.hold = path, text, hold
        self.pause_after, self.pause = pause_after, pause
        self.sent = threading.Event()
        self.done = threading.Event()
        os.mkfifo(path)
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            with open(self.path, "w", newline="") as f:
                if self.pause_after is not None:
                    f.write(self.text[:self.pause_after])
                    f.flush()
                    time.sleep(self.pause)
                    f.write(self.text[self.pause_after:])
                else:
                    f.write(self.text)
                f.flush()
                self.sent.set()
                if self.hold:
                    self.done.wait(60)
        except BrokenPipeError:
            self.sent.set()

    def release(self):
        self.done.set()
        self.t.join(10)


def csv_text(rows, runs=5, seed=1):
    out = io.StringIO(newline="")
    bigcsv.write(out, rows, runs=runs, series=4, seed=seed)
    return out.getvalue()


class Stream(tbtest.TempDirTest):
    def big_csv(self, name, rows, **kw):
        """A generated CSV of `rows` rows (kw: bigcsv.write's runs, series, seed): its path."""
        path = self.path(name)
        with open(path, "w", newline="") as f:
            bigcsv.write(f, rows, **kw)
        return path

    def compare_with_itself(self, path):
        """`compare PATH PATH`, which must succeed: its stdout and peak RSS."""
        rc, out, err, rss = max_rss("compare", path, path)
        self.assertEqual(rc, 0, err)
        return out, rss

    def assert_rss_below(self, rss, mib):
        """Peak RSS under mib MiB; not in a sanitizer build (its shadow memory)."""
        if not SANITIZED:
            self.assertLess(rss, mib * MIB, f"peak RSS {rss / MIB:.0f} MiB")

    def test_million_rows_a_side_in_bounded_memory(self):
        # Generated straight into FIFOs: 2 x 160 MB never touch the disk.
        paths = []
        for side in (1, 2):
            p = self.path(f"big{side}.csv")
            os.mkfifo(p)
            paths.append(p)
        # The generator opens its FIFO itself: an open for writing waits for the reader.
        gen = [subprocess.Popen(["sh", "-c", 'exec "$0" "$1" 1000000 "$2" > "$3"',
                                 sys.executable, bigcsv.__file__, str(side), p])
               for side, p in zip((1, 2), paths)]
        rc, out, err, rss = max_rss("compare", paths[0], paths[1], "--format", "csv")
        for g in gen:
            g.wait(60)
        self.assertEqual(rc, 0, err)
        rows = list(csv.DictReader(io.StringIO(out, newline="")))
        self.assertEqual(len(rows), 8)
        for r in rows:
            self.assertEqual((r["base_n"], r["cand_n"]), ("125000", "125000"))
            self.assertEqual((r["base_runs"], r["cand_runs"]), ("20", "20"))
            self.assertEqual(r["ci_method"], "runs")
        # Before streaming: 1.1 GB (every row kept with its strings). Now: the numbers.
        self.assert_rss_below(rss, 300)

    def test_a_million_runs_fit_too(self):
        # Every row its own run: runs are kept as an id each (about 250 bytes a run with
        # its index; both sides hold 300000), environments of the first 1000 only.
        out, rss = self.compare_with_itself(self.big_csv("runs.csv", 300000, runs=300000, series=1, seed=3))
        self.assertIn("... and 299000 more runs", out)
        self.assert_rss_below(rss, 200)

    def test_many_distinct_metrics_in_bounded_memory(self):
        # Every row its own (bench, variant, metric): the table is formatted one row at a
        # time. Keeping every formatted row (1.4 KB each) took 580 MiB here; now 240.
        out, rss = self.compare_with_itself(self.big_csv("wide.csv", 200000, runs=20, series=200000, seed=7))
        self.assertEqual(out.count(" undetermined\n"), 200000)
        self.assert_rss_below(rss, 350)

    def test_report_refuses_more_bars_than_it_can_draw(self):
        p = self.big_csv("runs.csv", 200, runs=100, series=1, seed=5)
        r = run("report", "--by", "run", "-o", self.path("r.html"), p)
        self.assertEqual(r.returncode, 2)
        self.assertIn("more than 64 runs to draw under --by run", r.stderr)
        self.assertFalse(os.path.exists(self.path("r.html")))
        # One file is one bar by default, with its 100 runs inside.
        r = run("report", "-o", self.path("r.html"), p)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_dev_zero_is_one_clear_error(self):
        good = self.path("good.csv")
        data.craft(good, "none", "r1")
        for extra in ([], ["--allow-truncated"]):
            rc, out, err, rss = max_rss("compare", *extra, good, "/dev/zero")
            self.assertEqual(rc, 2, err)
            self.assertEqual(err.strip(), "tinyben: compare: /dev/zero:1: NUL byte: not a text "
                                          "CSV file")
            self.assert_rss_below(rss, 64)
        rc, out, err, rss = max_rss("report", "-o", self.path("r.html"), good, "/dev/zero")
        self.assertEqual(rc, 2, err)
        self.assertIn("/dev/zero:1: NUL byte", err)
        self.assertFalse(os.path.exists(self.path("r.html")))

    def test_endless_line_is_refused(self):
        # One line that never ends (no NUL): refused at 1 MiB, not read to the end.
        p = self.path("long.csv")
        with open(p, "w") as f:
            f.write(",".join(tbtest.HEADER) + "\n" + "x" * (3 * MIB))
        rc, out, err, rss = max_rss("compare", p, p)
        self.assertEqual(rc, 2)
        self.assertIn("long.csv:2: a record longer than 1024 KiB: not a tinyben CSV", err)

    def test_allow_truncated_drops_only_the_cut_last_row(self):
        whole = self.path("whole.csv")
        data.craft(whole, "none", "r1", skip=False, latency=False)
        with open(whole, newline="") as f:
            text = f.read()
        n_ok = text.count("\r\n") - 1
        cut = self.path("cut.csv")
        with open(cut, "w", newline="") as f:
            f.write(text[:-7])  # a power cut in the last row
        p = run("compare", whole, cut)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"cut.csv:{n_ok + 1}: truncated last line (no line end: the file was cut "
                      "off; --allow-truncated drops it)", p.stderr)
        for verb in (["compare", "--format", "csv", whole, cut],
                     ["report", "-o", self.path("r.html"), whole, cut]):
            p = run(verb[0], "--allow-truncated", *verb[1:])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(f"warning: {verb[0]}: {cut}:{n_ok + 1}: the last row is cut off (no "
                          "line end): dropped it (--allow-truncated)", p.stderr)
        rows = list(csv.DictReader(io.StringIO(run("compare", "--allow-truncated", "--format",
                                                   "csv", whole, cut).stdout, newline="")))
        total_b = sum(int(r["base_n"]) for r in rows)
        total_c = sum(int(r["cand_n"]) for r in rows)
        self.assertEqual((total_b, total_c), (n_ok, n_ok - 1))
        # A power cut that left NUL bytes where the last rows were.
        nul = self.path("nul.csv")
        with open(nul, "w", newline="") as f:
            f.write(text[:-7] + "\0" * 5000)
        p = run("compare", "--allow-truncated", "--format", "csv", whole, nul)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("dropped it", p.stderr)
        # Only the last row: a broken row in the middle is still an error.
        mid = self.path("mid.csv")
        lines = text.split("\r\n")
        lines[3] = ",".join(lines[3].split(",")[:16])
        with open(mid, "w", newline="") as f:
            f.write("\r\n".join(lines))
        p = run("compare", "--allow-truncated", whole, mid)
        self.assertEqual(p.returncode, 2)
        self.assertIn("mid.csv:4: 16 fields, expected 21", p.stderr)

    def interrupted(self, args, fifo, sig):
        """Starts tinyben on a FIFO that delivers rows and then stalls; one signal must
        end it with 130."""
        feed = Feeder(fifo, csv_text(20000), hold=True)
        try:
            rc, out, err = tbtest.interrupt_when(args, feed.sent.is_set, sig=sig, timeout=20)
        finally:
            feed.release()
        return rc, out, err

    def test_one_sigint_stops_compare(self):
        good = self.path("good.csv")
        data.craft(good, "none", "r1")
        rc, out, err = self.interrupted(["compare", good, self.path("slow.csv")],
                                        self.path("slow.csv"), signal.SIGINT)
        self.assertEqual(rc, 130, err)
        self.assertIn("tinyben: compare: interrupted", err)
        self.assertEqual(out, "")

    def test_one_sigterm_stops_report_and_writes_nothing(self):
        out_html = self.path("r.html")
        rc, out, err = self.interrupted(["report", "-o", out_html, self.path("slow.csv")],
                                        self.path("slow.csv"), signal.SIGTERM)
        self.assertEqual(rc, 130, err)
        self.assertIn("tinyben: report: interrupted (nothing written)", err)
        self.assertFalse(os.path.exists(out_html))

    def test_progress_line_for_slow_input(self):
        good = self.path("good.csv")
        data.craft(good, "none", "r1")
        text = csv_text(20000)
        feed = Feeder(self.path("slow.csv"), text, pause_after=len(text) // 2, pause=1.5)
        p = run("compare", good, self.path("slow.csv"))
        feed.release()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stderr, r"tinyben: compare: reading .*slow\.csv: \d+ MB, \d+ rows "
                                   r"\(\d+ s\)")
        # Quick inputs stay quiet (two runs: the same run on both sides is a warning).
        other = self.path("other.csv")
        data.craft(other, "none", "r2")
        p = run("compare", good, other)
        self.assertEqual(p.stderr, "")


if __name__ == "__main__":
    tbtest.main()
