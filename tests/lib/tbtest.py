"""Helpers for integration tests that run the real tinyben binary."""
import atexit
import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

TINYBEN = os.environ.get("TINYBEN", "build/tinyben")
SOURCE_ROOT = os.environ.get("TB_SOURCE_ROOT", ".")
BUILD_ROOT = os.environ.get("TB_BUILD_ROOT", "build")

HEADER = ("timestamp,run_id,host,cc_level,cc_features,kernel,cpu_model,vcpus,mem_mib,"
          "tinyben_version,group,bench,variant,metric,unit,better,rep,value,status,detail,"
          "boot_id").split(",")
# Files written before the boot_id column (compare and report still read them).
HEADER_NO_BOOT_ID = HEADER[:-1]


def run(*args, timeout=300, env=None, cwd=None, input=None):
    """Run tinyben with args; returns CompletedProcess with text stdout/stderr."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run([TINYBEN, *args], capture_output=True, text=True, timeout=timeout,
                          env=full_env, cwd=cwd, input=input)


def parse_csv(text):
    """Parse tinyben CSV text; checks the exact header; returns a list of dict rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = list(reader)
    if not rows:
        raise AssertionError("empty CSV")
    if rows[0] != HEADER:
        raise AssertionError(f"wrong header: {rows[0]}")
    out = []
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(HEADER):
            raise AssertionError(f"line {i}: {len(r)} fields, want {len(HEADER)}: {r}")
        out.append(dict(zip(HEADER, r)))
    return out


def read_csv(path):
    with open(path, newline="") as f:
        return parse_csv(f.read())


def ok_rows(rows, bench=None, variant=None, metric=None):
    return [r for r in rows if r["status"] == "ok"
            and (bench is None or r["bench"] == bench)
            and (variant is None or r["variant"] == variant)
            and (metric is None or r["metric"] == metric)]


def rows_of(test, p, status=0):
    """The CSV rows of a finished tinyben p, once test has checked that it exited with status."""
    test.assertEqual(p.returncode, status, p.stderr)
    return parse_csv(p.stdout)


def skip_if(reason):
    """For setUpClass: skips the whole class when reason (what this machine lacks) is not None."""
    if reason:
        raise unittest.SkipTest(reason)


def missing_commands(hints):
    """Why a test cannot run here: "no TOOL (HINT)" for the first TOOL of hints (a dict TOOL ->
    HINT, in order) that is not on PATH; None when every one is."""
    for tool, hint in hints.items():
        if not shutil.which(tool):
            return f"no {tool} ({hint})"
    return None


def command_fails(args, what):
    """Why a test cannot run here when the probe command args fails: "WHAT: its stderr"; None
    when it works."""
    p = subprocess.run(args, capture_output=True, text=True)
    return f"{what}: {p.stderr.strip()}" if p.returncode != 0 else None


def free_port():
    """A loopback port nothing listens on now (the kernel's choice, bound and then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempDirTest(unittest.TestCase):
    """A test case with a fresh temporary directory in self.tmp, removed afterwards."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="tbtest-")
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp, name)

    def assert_no_leftovers(self, directory, allowed=()):
        left = sorted(set(os.listdir(directory)) - set(allowed))
        self.assertEqual(left, [], f"files left behind in {directory}")


def assert_usage_errors(test, cases, command=run, one_line=True):
    """Each (args, message): command(*args) exits 2 with message on stderr (one line), no stdout."""
    for args, message in cases:
        with test.subTest(args=args):
            p = command(*args)
            test.assertEqual(p.returncode, 2, p.stderr)
            test.assertEqual(p.stdout, "")
            test.assertIn(message, p.stderr)
            if one_line:
                test.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)


def interrupt_after(args, seconds, sig=signal.SIGINT, timeout=60, cwd=None, env=None):
    """Start tinyben, send sig after `seconds`, return (returncode, stdout, stderr)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    p = subprocess.Popen([TINYBEN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=cwd, env=full_env)
    time.sleep(seconds)
    p.send_signal(sig)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def interrupt_when(args, ready, sig=signal.SIGINT, timeout=60, cwd=None, env=None):
    """Start tinyben, send sig once ready() is true (polled), return (rc, stdout, stderr).

    Waiting for an observable state rather than a fixed delay keeps the test meaningful
    on a loaded machine."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    p = subprocess.Popen([TINYBEN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=cwd, env=full_env)
    deadline = time.monotonic() + timeout
    while not ready() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    p.send_signal(sig)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


NOBODY = 65534
_reachable_copy = None


def _binary_nobody_can_run():
    """A copy of tinyben that user nobody can execute: a clone under /root (mode 0700) is out of
    reach for any other user, so the real path would fail before tinyben even started."""
    global _reachable_copy
    if _reachable_copy is None:
        d = tempfile.mkdtemp(prefix="tbtest-bin-")
        atexit.register(shutil.rmtree, d, True)
        os.chmod(d, 0o755)
        _reachable_copy = os.path.join(d, "tinyben")
        shutil.copy(TINYBEN, _reachable_copy)
        os.chmod(_reachable_copy, 0o755)
    return _reachable_copy


def run_unprivileged(*args, timeout=300):
    """Run tinyben as user nobody, so that permission checks bite when the tests run as root
    (as CI does); as any other user, run it as that user. Paths it must reach need o+x."""
    if os.geteuid() != 0:
        return run(*args, timeout=timeout)
    return subprocess.run([_binary_nobody_can_run(), *args], capture_output=True, text=True,
                          timeout=timeout, user=NOBODY, group=NOBODY, extra_groups=[])


def line_count(path):
    try:
        with open(path, newline="") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


NO_CRYPTO = "tinyben: attest verify: built without libcrypto: rebuild with meson -Dcrypto=enabled\n"


def verify_needs_crypto(test, p):
    """For a test of `attest verify` that also runs in the -Dcrypto=disabled build: True when
    this binary has no libcrypto and p is its refusal (exit 1, one line), so that the caller
    stops there after checking what the fallback does (bind, show, its SHA-512); False when the
    binary has libcrypto and p is a real verification to check."""
    if NO_CRYPTO.strip() not in p.stderr:
        return False
    test.assertEqual((p.returncode, p.stdout, p.stderr), (1, "", NO_CRYPTO))
    return True


# meson's code for "this test could not run its checks": counted as SKIP in the summary.
MESON_SKIP = 77


def main(unless=None):
    """Exits MESON_SKIP at once with the reason when `unless` names one (what the whole file
    needs is missing here); else runs the module's tests. A case that skipped itself did not check what it exists to check,
    so a file with a skipped case and no failure exits MESON_SKIP and names the reasons: the
    summary then counts it instead of calling the file OK. A file that ran no test is a SKIP too."""
    if unless:
        print("SKIP: " + unless)
        sys.exit(MESON_SKIP)
    program = unittest.main(verbosity=2, exit=False)
    result = program.result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.skipped or result.testsRun == 0:
        ran = max(0, result.testsRun - len(result.skipped))
        print(f"SKIP: {len(result.skipped)} case(s) could not run their checks "
              f"({ran} passed):", file=sys.stderr)
        for case, reason in result.skipped:
            print(f"  {case.id()}: {reason}", file=sys.stderr)
        sys.exit(MESON_SKIP)
    sys.exit(0)
