"""`tinyben exec`: rows like every benchmark, failed rows for failing commands, exit codes."""
import os
import signal
import subprocess
import time

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
        rows = tbtest.rows_of(self, run("exec", "-r", "3", "-q", "--", "false"), status=1)
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
        # A directory is searchable (X_OK) but no command: usage, not a failed row.
        for bad in (self.tmp, "/"):
            p = run("exec", "-o", out, "--", bad)
            self.assertEqual(p.returncode, 2, (bad, p.stderr))
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertFalse(os.path.exists(out))

    def test_name_must_be_a_bench_name(self):
        # exec.NAME is selected by -b and matched by compare --metrics as bench:variant:metric:
        # a colon or a glob character in it would select the wrong rows there.
        out = self.path("out.csv")
        for bad in ("a:b", "a*", "x?", "[x]", "a b", "a,b", "a\\b", "a\x01b", ""):
            p = run("exec", "-q", "-r", "1", "--name", bad, "-o", out, "--", "true")
            self.assertEqual(p.returncode, 2, (bad, p.stderr))
            self.assertIn("--name", p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertFalse(os.path.exists(out))
        # Without --name the command's base name is the name: one that cannot be says so.
        p = run("exec", "-q", "-r", "1", "-o", out, "--", "[", "1", "=", "1", "]")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("the command's name cannot name the rows", p.stderr)
        self.assertIn("give --name NAME", p.stderr)
        self.assertFalse(os.path.exists(out))
        p = run("exec", "-q", "-r", "1", "--name", "gcc-12.2_O2+lto", "-o", out, "--", "true")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual({r["bench"] for r in read_csv(out)}, {"exec.gcc-12.2_O2+lto"})

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

    def test_closed_std_streams_never_reach_the_rows(self):
        # With stdout or stderr closed, -o FILE would get descriptor 1 or 2, and the
        # command's output (or tinyben's own messages) would land in the results.
        out = self.path("out.csv")
        for fd in (1, 2):
            if os.path.exists(out):
                os.unlink(out)
            p = subprocess.run([tbtest.TINYBEN, "exec", "-r", "1", "-o", out, "--", "sh", "-c",
                                # (The quotes keep the marker out of the command text.)
                                "echo INJ''ECTED; echo INJ''ECTED >&2; exit 0"],
                               stdout=subprocess.PIPE if fd == 2 else None,
                               stderr=subprocess.PIPE if fd == 1 else None,
                               preexec_fn=lambda: os.close(fd), timeout=60)
            with open(out) as f:
                text = f.read()
            self.assertNotIn("INJECTED", text, fd)
            self.assertNotIn("tinyben exec: run", text, fd)
            rows = read_csv(out)
            self.assertEqual(len(ok_rows(rows)), 4, (fd, text))

    def test_failing_prepare(self):
        rows = tbtest.rows_of(self, run("exec", "-q", "--prepare", "exit 3", "--", "true"), status=1)
        self.assertEqual([r["status"] for r in rows], ["failed"])
        self.assertIn("--prepare", rows[0]["detail"])


def running(pid):
    """Is pid a live (not zombie) process? Zombies run nothing and hold nothing."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


class ProcessGroup(tbtest.TempDirTest):
    """COMMAND runs in its own process group: an interrupt ends the whole group, SIGKILL
    follows SIGTERM after a grace period, and nothing of the group outlives a run."""

    def start(self, script, *extra):
        self.pidfile = self.path("pid")
        cmd = [tbtest.TINYBEN, "exec", "-r", "2", *extra, "--", "sh", "-c",
               script.replace("PIDFILE", self.pidfile)]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def tearDown(self):
        # Whatever a failed check left running must not outlive the test.
        try:
            pid = self.grandchild()
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, AttributeError):
            pass
        super().tearDown()

    def grandchild(self):
        with open(self.pidfile) as f:
            return int(f.read())

    def wait_for_pidfile(self, p):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and p.poll() is None:
            if os.path.exists(self.pidfile) and os.path.getsize(self.pidfile) > 0:
                return
            time.sleep(0.02)
        self.fail("the command did not start its background process")

    def finish(self, p, timeout):
        try:
            return p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # The bug this guards against: clean up what it leaves, then fail.
            p.kill()
            try:
                os.kill(self.grandchild(), signal.SIGKILL)
            except (OSError, ValueError):
                pass
            p.communicate()
            self.fail("tinyben exec did not return within %d s of the interrupt" % timeout)

    def test_interrupt_ends_grandchildren(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            p = self.start("sleep 987 >/dev/null 2>&1 & echo $! > PIDFILE; wait")
            self.wait_for_pidfile(p)
            pid = self.grandchild()
            self.assertTrue(running(pid))
            p.send_signal(sig)
            out, err = self.finish(p, 30)
            self.assertEqual(p.returncode, 130, err)
            self.assertFalse(running(pid), "the grandchild outlived tinyben exec")
            # The repetition cut short is not a sample.
            self.assertEqual(parse_csv(out), [])
            os.unlink(self.pidfile)

    def test_sigterm_ignored_escalates_to_sigkill(self):
        p = self.start("trap '' TERM; sleep 986 >/dev/null 2>&1 & echo $! > PIDFILE; wait")
        self.wait_for_pidfile(p)
        pid = self.grandchild()
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = self.finish(p, 30)
        elapsed = time.monotonic() - t0
        self.assertEqual(p.returncode, 130, err)
        self.assertFalse(running(pid))
        # SIGTERM was ignored: only SIGKILL, after the grace period, ended the group.
        self.assertGreaterEqual(elapsed, 1.9)
        self.assertIn("SIGKILL", err)

    def test_leftovers_of_a_finished_run_are_ended(self):
        p = self.start("sleep 985 >/dev/null 2>&1 & echo $! > PIDFILE", "-q")
        out, err = self.finish(p, 60)
        self.assertEqual(p.returncode, 0, err)
        self.assertFalse(running(self.grandchild()), "a background process outlived its run")
        self.assertEqual(len(ok_rows(parse_csv(out), metric="wall_s")), 2)
        self.assertIn("left", err)

    def test_setsid_leftovers_are_ended(self):
        # A process that left the group for its own session (setsid) is still the run's:
        # tinyben is its subreaper, and it must not outlive the run either.
        p = self.start("setsid sh -c 'echo $$ > PIDFILE; exec sleep 982' >/dev/null 2>&1 & "
                       "until [ -s PIDFILE ]; do sleep 0.01; done", "-q", "-r", "1")
        out, err = self.finish(p, 60)
        self.assertEqual(p.returncode, 0, err)
        pid = self.grandchild()
        self.assertFalse(running(pid), "a setsid'd process outlived its run")
        self.assertIn("left", err)
        self.assertEqual(len(ok_rows(parse_csv(out), metric="wall_s")), 1)

    def test_interrupt_reaches_a_stopped_command(self):
        # A stopped process (SIGSTOP, or SIGTTOU from the terminal) only acts on SIGTERM
        # once continued: it is not "ignoring SIGTERM", and needs no SIGKILL.
        p = self.start("echo $$ > PIDFILE; kill -STOP $$")
        self.wait_for_pidfile(p)
        pid = self.grandchild()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "T":
                    break
            time.sleep(0.02)
        p.send_signal(signal.SIGINT)
        out, err = self.finish(p, 30)
        self.assertEqual(p.returncode, 130, err)
        self.assertNotIn("SIGKILL", err)
        self.assertFalse(running(pid))

    def test_second_signal_kills_the_group_at_once(self):
        p = self.start("trap '' TERM; sleep 984 >/dev/null 2>&1 & echo $! > PIDFILE; wait")
        self.wait_for_pidfile(p)
        pid = self.grandchild()
        p.send_signal(signal.SIGINT)
        time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        out, err = self.finish(p, 30)
        self.assertEqual(p.returncode, 130, err)
        deadline = time.monotonic() + 5
        while running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # SIGKILL is asynchronous; tinyben no longer waits
        self.assertFalse(running(pid))


if __name__ == "__main__":
    tbtest.main()
