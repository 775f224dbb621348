"""packaging/qemu/matrix.sh without VMs: the entries, ports and tags a matrix file makes,
bad matrices and options refused in one line, and two entries with --parallel 2 through the
real playbook, each "guest" an sshd in its own PID and mount namespaces started by
sshd_guest.sh in launch.sh's place: results, tags, report, and nothing left running, also
after Ctrl-C in the middle of the suite."""
import os
import re
import signal
import subprocess
import sys
import time
import unittest
import uuid

import tbtest

sys.path.insert(0, os.path.dirname(__file__))
import sshhosts  # noqa: E402

MATRIX = os.path.join(tbtest.SOURCE_ROOT, "packaging", "qemu", "matrix.sh")
FAKE_GUEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sshd_guest.sh")
TWO = "# two entries\nmodes: plain\nvcpus: 1 2\nmemory: 512   # MiB\n"


def stage(name, t0):
    print(f"stage {name}: {time.monotonic() - t0:.1f} s", file=sys.stderr)


class Matrix(tbtest.TempDirTest):
    def matrix(self, text, name="m.txt"):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def run_matrix(self, *args, timeout=60):
        return subprocess.run([MATRIX, *args], capture_output=True, text=True, timeout=timeout, cwd=self.tmp)

    def test_entries(self):
        m = self.matrix("modes: plain sev-snp\nvcpus: 1, 4\nmemory: 2048\nrepetitions: 2\n")
        p = self.run_matrix("-m", m, "--dry-run", "--parallel", "2", "--base-port", "20000", "--seed", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = [l.split("\t") for l in p.stdout.splitlines()]
        confs = ["plain-1c-2048m", "plain-4c-2048m", "sev-snp-1c-2048m", "sev-snp-4c-2048m"]
        # round by round: every configuration's first boot, then every second boot
        self.assertEqual(sorted(l[0] for l in lines[:4]), [c + "-r1" for c in confs])
        self.assertEqual(sorted(l[0] for l in lines[4:]), [c + "-r2" for c in confs])
        self.assertEqual([l[1] for l in lines], [f"port {20000 + i}" for i in range(8)])
        # the configuration is the guest tag (repetitions pool in the report); the boot and
        # its round are tags of their own
        snp = next(l for l in lines if l[0] == "sev-snp-1c-2048m-r2")
        self.assertEqual(snp[2], '{guest: sev-snp-1c-2048m, mode: sev-snp, vcpus: "1", memory_mib: "2048", '
                                 'boot: "2", round: "2", concurrency: parallel-2}')
        p = self.run_matrix("-m", self.matrix(TWO), "--dry-run")
        self.assertEqual(sorted(l.split("\t")[0] for l in p.stdout.splitlines()), ["plain-1c-512m", "plain-2c-512m"])
        self.assertIn("concurrency: sequential", p.stdout)

    def test_bom_and_crlf(self):
        """A matrix file saved with a byte-order mark and CRLF line ends means what it says
        (not "mode 'plain' is not plain")."""
        want = self.run_matrix("-m", self.matrix(TWO), "--dry-run", "--seed", "1")
        self.assertEqual(want.returncode, 0, want.stderr)
        text = "\ufeff" + TWO.replace("\n", "\r\n")
        with open(self.path("w.txt"), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        p = self.run_matrix("-m", self.path("w.txt"), "--dry-run", "--seed", "1")
        self.assertEqual((p.returncode, p.stdout), (0, want.stdout), p.stderr)

    def order(self, m, *args):
        p = self.run_matrix("-m", m, "--dry-run", *args)
        self.assertEqual(p.returncode, 0, p.stderr)
        seed = re.search(r"boot order of seed (\d+) \(--seed \1 repeats it\)", p.stderr)
        self.assertIsNotNone(seed, p.stderr)
        return [l.split("\t")[0] for l in p.stdout.splitlines()], seed.group(1)

    def test_interleaved_boots(self):
        """#27: boots go round by round, in a random order within a round, and the seed repeats it."""
        m = self.matrix("modes: plain sev sev-snp\nvcpus: 1 2\nmemory: 1024\nrepetitions: 3\n")
        first, seed = self.order(m, "--seed", "42")
        self.assertEqual(seed, "42")
        self.assertEqual(len(first), 18)
        for r in (1, 2, 3):
            names = first[(r - 1) * 6:r * 6]
            self.assertTrue(all(n.endswith(f"-r{r}") for n in names), first)
            self.assertEqual(len({n[:-3] for n in names}), 6, f"round {r} does not boot every configuration once")
        # the same seed, the same order; the rounds are not all drawn alike
        self.assertEqual(self.order(m, "--seed", "42")[0], first)
        rounds = {tuple(n[:-3] for n in first[i:i + 6]) for i in (0, 6, 12)}
        self.assertGreater(len(rounds), 1, first)
        # other seeds give other orders; none is the listing order for all of them
        orders = {tuple(self.order(m, "--seed", str(s))[0]) for s in range(5)}
        self.assertGreater(len(orders), 3)
        # without --seed one is drawn, said, and repeats the order when given back
        drawn, seed = self.order(m)
        self.assertEqual(self.order(m, "--seed", seed)[0], drawn)

    def test_cmdline_and_plain_swiotlb(self):
        """#25: guest kernel arguments are a dimension of their own, tagged; plain-swiotlb is a mode."""
        m = self.matrix('modes: plain plain-swiotlb\nvcpus: 2\nmemory: 1024\ncmdline: "" "idle=poll" '
                        '"mitigations=off idle=poll"   # three\n')
        p = self.run_matrix("-m", m, "--dry-run", "--seed", "3")
        self.assertEqual(p.returncode, 0, p.stderr)
        tags = {l.split("\t")[0]: l.split("\t")[2] for l in p.stdout.splitlines()}
        self.assertEqual(sorted(tags), ["plain-2c-1024m", "plain-2c-1024m-idle-poll", "plain-2c-1024m-mitigations-off-idle-poll",
                                        "plain-swiotlb-2c-1024m", "plain-swiotlb-2c-1024m-idle-poll",
                                        "plain-swiotlb-2c-1024m-mitigations-off-idle-poll"])
        self.assertIn('mode: plain-swiotlb, vcpus: "2", memory_mib: "1024", cmdline: "mitigations=off idle=poll", ',
                      tags["plain-swiotlb-2c-1024m-mitigations-off-idle-poll"])
        self.assertIn('cmdline: "", ', tags["plain-2c-1024m"])
        # a guest command line needs the image's kernel for direct boot
        open(self.path("disk.qcow2"), "w").close()
        p = self.run_matrix("-m", m, "--image", "disk.qcow2")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("needs direct kernel boot", p.stderr)

    def test_results_path_that_yaml_would_change(self):
        """--results with a line break went into the inventory's double quotes, where YAML
        folds it into a space: the playbook wrote to another folder. Refused before anything
        is made or started."""
        if subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", self.path("d.qcow2"), "16M"],
                          capture_output=True).returncode != 0:
            self.skipTest("no qemu-img")
        for results in ("res\nx", 'r"q'):
            with self.subTest(results=results):
                p = self.run_matrix("-m", self.matrix(TWO), "--image", "d.qcow2", "--results",
                                    results, "--launcher", "/bin/false", "--base-port", "30500")
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("cannot go into the inventory", p.stderr)
                self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        self.assertEqual(sorted(os.listdir(self.tmp)), ["d.qcow2", "m.txt"])

    def test_bad_usage(self):
        def m(text, n=[0]):  # each case its own file: the cases are made before they run
            n[0] += 1
            return self.matrix(text, f"m{n[0]}.txt")
        tbtest.assert_usage_errors(self, [
            (["-m", m("modes: plain tdx\nvcpus: 1\nmemory: 512\n")], "m1.txt:1: mode 'tdx' is not"),
            (["-m", m("vcpus: 1\nmemory: 512\ncolour: red\n")], "m2.txt:3: unknown key 'colour'"),
            (["-m", m("vcpus: 0\nmemory: 512\n")], "vcpus '0' is not a count"),
            (["-m", m("vcpus: 1\nmemory: 128\n")], "memory '128' is not MiB"),
            (["-m", m("vcpus: 1\n")], "needs a 'memory:' line"),
            (["-m", m("vcpus 1\n")], "m6.txt:1: expected 'key: values'"),
            (["-m", m("vcpus: 1 1\nmemory: 512\n")], "entry plain-1c-512m is listed twice"),
            (["-m", m(TWO), "--parallel", "0"], "--parallel '0' is not a count"),
            (["-m", m(TWO), "--run-args", "run -o x.csv"], "no -o"),
            (["-m", m(TWO), "--run-args", "run; reboot"], "only letters"),
            (["-m", m(TWO)], "needs --image"),
            (["-m", m(TWO), "--image", self.path("none.qcow2")], "cannot read it"),
            (["-m", self.path("missing.txt")], "cannot read it"),
            (["--dry-run"], "needs -m MATRIX"),
            (["-m", m('vcpus: 1\nmemory: 512\ncmdline: "idle=poll\n')], "m13.txt:3: cmdline: unbalanced quote"),
            (["-m", m('vcpus: 1\nmemory: 512\ncmdline: "a;reboot"\n')], "cmdline 'a;reboot': only letters"),
            (["-m", m('vcpus: 1\nmemory: 512\ncmdline: idle=poll "idle=poll"\n')], "listed twice"),
            (["-m", m(TWO), "--seed", "x"], "--seed 'x' is not a number"),
            # bash arithmetic reads a leading 0 as octal: 09 is an error there, 010 is 8
            (["-m", m(TWO), "--seed", "09"], "--seed '09' is not a number"),
            (["-m", m(TWO), "--base-port", "08000"], "--base-port '08000' is not a port"),
            (["-m", m(TWO), "--run-args", "run -ox.csv"], "no -o"),
        ], command=self.run_matrix)


class MatrixRun(tbtest.TempDirTest):
    """The whole driver, with sshd "guests" instead of QEMU (needs root for the namespaces)."""

    @classmethod
    def setUpClass(cls):
        tbtest.skip_if(sshhosts.missing_tools())
        if os.geteuid() != 0:
            raise unittest.SkipTest("the sshd guests need root (PID and mount namespaces, sshd as root)")

    def setUp(self):
        super().setUp()
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", self.path("base.qcow2"), "16M"], check=True)
        self.env = dict(os.environ, ANSIBLE_HOME=self.path("ansible-home"), ANSIBLE_LOCAL_TEMP=self.path("ansible-local"),
                        ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", PWD=self.tmp, TMPDIR=self.tmp)
        self.mark = "t" + uuid.uuid4().hex[:12]  # in every guest's tinyben command line

    def command(self, run_args, parallel=2, matrix=TWO):
        with open(self.path("m.txt"), "w") as f:
            f.write(matrix)
        return [MATRIX, "-m", "m.txt", "--image", "base.qcow2", "--tinyben", os.path.abspath(tbtest.TINYBEN),
                "--launcher", FAKE_GUEST, "--user", "root", "--parallel", str(parallel), "--boot-timeout", "60",
                "--base-port", str(sshhosts.free_port() // 2 + 20000), "--run-id", "r1",
                "--run-args", run_args + " --tag mark=" + self.mark]

    def suites(self):
        """tinyben run processes of this test, in its guests."""
        return [c for _, c in sshhosts.processes_mentioning("mark=" + self.mark)
                if c.startswith("/var/tmp/tinyben/tinyben run ")]

    def assert_nothing_left(self):
        self.assertEqual(sshhosts.processes_mentioning(self.tmp), [], "processes left behind")
        self.assertEqual(sshhosts.processes_mentioning(self.mark), [], "tinyben left running in a guest")
        self.assertEqual([d for d in os.listdir(self.tmp) if d.startswith("tinyben-matrix-")], [],
                         "work folder left behind")

    def test_two_entries_parallel(self):
        t0 = time.monotonic()
        p = subprocess.run(self.command("run -b cpu.exits:getppid -r 2 --min-time 0.01"), capture_output=True,
                           text=True, timeout=600, cwd=self.tmp, env=self.env)
        stage("matrix.sh, 2 entries, --parallel 2", t0)
        print(p.stdout + p.stderr, file=sys.stderr)
        self.assertEqual(p.returncode, 0)
        for name in ("stage boot of 2 guest(s)", "stage playbook on 2 guest(s)", "stage stop", "stage report"):
            self.assertIn(name, p.stderr)
        res = self.path("results")
        for vcpus in (1, 2):
            g = f"plain-{vcpus}c-512m"
            rows = tbtest.read_csv(os.path.join(res, g, f"{g}-r1.csv"))
            self.assertEqual(len(tbtest.ok_rows(rows)), 4)
            for r in rows:
                detail = r["detail"].split()
                for tag in (f"tag.guest={g}", "tag.mode=plain", f"tag.vcpus={vcpus}", "tag.memory_mib=512",
                            "tag.boot=1", "tag.concurrency=parallel-2"):
                    self.assertIn(tag, detail)
            self.assertGreater(os.path.getsize(os.path.join(res, g, f"{g}-r1.evidence")), 0)
        with open(self.path("results/summary-r1.txt")) as f:
            self.assertIn("2 of 2 hosts ok", f.read())
        with open(self.path("results/report-r1.html")) as f:
            runs = re.findall(r'<tr><td class="n">\d+</td><td>guest=([^ <]+) \(', f.read())
        self.assertEqual(sorted(runs), ["plain-1c-512m", "plain-2c-512m"])
        with open(self.path("results/inventory-r1.yml")) as f:
            inv = f.read()
        self.assertIn("ansible_port:", inv)
        # the boot order is on record with its seed (#27)
        with open(self.path("results/order-r1.txt")) as f:
            order = f.read().splitlines()
        self.assertRegex(order[1], r"^seed \d+$")
        self.assertEqual(sorted(l.split("\t")[2] for l in order[3:]), ["plain-1c-512m", "plain-2c-512m"])
        self.assertIn(f"({order[1].replace('seed ', '--seed ')} repeats it)", p.stderr)
        # each guest's boot log: the launcher's start and the first login, on one clock (#26)
        for g in ("plain-1c-512m", "plain-2c-512m"):
            with open(self.path(f"results/{g}/{g}-r1.boot.log")) as f:
                log = [l.split() for l in f.read().splitlines()]
            self.assertEqual([l[0] for l in log], ["qemu-start", "ssh-login"])
            self.assertLessEqual(float(log[0][1]), float(log[1][1]))
        self.assert_nothing_left()

    def test_guest_that_does_not_start(self):
        env = dict(self.env, TB_FAKE_GUEST_FAIL_VCPUS="3")
        t0 = time.monotonic()
        p = subprocess.run(self.command("run -b cpu.exits:getppid -r 2 --min-time 0.01",
                                        matrix="modes: plain\nvcpus: 1 3\nmemory: 512\n"),
                           capture_output=True, text=True, timeout=600, cwd=self.tmp, env=env)
        stage("matrix.sh, 2 entries, one does not start", t0)
        print(p.stdout + p.stderr, file=sys.stderr)
        self.assertEqual(p.returncode, 1)
        self.assertIn("plain-3c-512m: the guest stopped before answering SSH", p.stderr)
        rows = tbtest.read_csv(self.path("results/plain-1c-512m/plain-1c-512m-r1.csv"))
        self.assertEqual(len(tbtest.ok_rows(rows)), 4)
        with open(self.path("results/summary-r1.txt")) as f:
            summary = f.read()
        self.assertIn("1 of 2 hosts ok", summary)
        self.assertRegex(summary, r"(?m)^plain-3c-512m\tfailed\t-\t\(no CSV\)\tthe guest stopped before answering "
                                  r"SSH \(console: qemu-system-x86_64: cannot set up guest memory 'pc.ram': Cannot allocate memory\)$")
        with open(self.path("results/report-r1.html")) as f:
            runs = re.findall(r'<tr><td class="n">\d+</td><td>guest=([^ <]+) \(', f.read())
        self.assertEqual(runs, ["plain-1c-512m"])
        self.assert_nothing_left()

    def test_sequential(self):
        t0 = time.monotonic()
        p = subprocess.run(self.command("run -b cpu.exits:getppid -r 2 --min-time 0.01", parallel=1),
                           capture_output=True, text=True, timeout=600, cwd=self.tmp, env=self.env)
        stage("matrix.sh, 2 entries, one after the other", t0)
        print(p.stdout + p.stderr, file=sys.stderr)
        self.assertEqual(p.returncode, 0)
        # one guest booted, measured and stopped, then the next
        self.assertEqual(re.findall(r"stage (boot of \d+|playbook on \d+|stop|report)", p.stderr),
                         ["boot of 1", "playbook on 1", "stop", "boot of 1", "playbook on 1", "stop", "report"])
        for g in ("plain-1c-512m", "plain-2c-512m"):
            rows = tbtest.read_csv(self.path(f"results/{g}/{g}-r1.csv"))
            self.assertEqual(len(tbtest.ok_rows(rows)), 4)
            self.assertTrue(all("tag.concurrency=sequential" in r["detail"].split() for r in rows))
        with open(self.path("results/summary-r1.txt")) as f:
            self.assertIn("2 of 2 hosts ok", f.read())
        self.assert_nothing_left()

    def test_ctrl_c(self):
        # the suite would take minutes: a million autocommit INSERTs
        cmd = self.command("run -b io.sqlite:autocommit -r 1 --set io.sqlite.rows=1000000")
        log = self.path("matrix.log")
        t0 = time.monotonic()
        with open(log, "w") as out:
            p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=self.tmp, env=self.env)
            try:
                deadline = time.monotonic() + 400
                while time.monotonic() < deadline and p.poll() is None and len(self.suites()) < 2:
                    time.sleep(0.5)
                running = len(self.suites())
                stage("matrix.sh until the suite runs", t0)
                p.send_signal(signal.SIGINT)
                rc = p.wait(timeout=60)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        with open(log) as f:
            print(f.read(), file=sys.stderr)
        self.assertEqual(running, 2, "the suite did not start in both guests")
        with open(log) as f:
            text = f.read()
        self.assertEqual(rc, 130)
        self.assertIn("interrupted: stopping the guests", text)
        self.assert_nothing_left()


if __name__ == "__main__":
    tbtest.main()
