"""canary and scan on the host: scan finds the planted form in a process that holds it,
and not the printed form, nor anything in a process that holds neither; exit codes."""
import os
import re
import subprocess
import sys
import time

import tbtest
from tbtest import run, TINYBEN

# A child that holds one string in its heap until killed. The string comes in argv in a
# transformed form and is rebuilt inside the child, so only the child's memory has it.
HOLDER = r"""
import ctypes, sys, time
try:  # let a sibling (the scan) read us under Yama ptrace_scope=1
    ctypes.CDLL(None).prctl(0x59616d61, ctypes.c_ulong(-1), 0, 0, 0)
except Exception:
    pass
kind, value = sys.argv[1], bytes.fromhex(sys.argv[2])
if kind == "planted":
    held = bytearray(b"TBCANARY-" + bytes(~b & 0xff for b in value).hex().encode())
elif kind == "printed":
    held = bytearray(b"TBMARK-" + value.hex().encode())
else:
    held = bytearray(b"nothing to see")
print("ready", flush=True)
time.sleep(60)
"""


def start_holder(kind, value):
    p = subprocess.Popen([sys.executable, "-c", HOLDER, kind, value.hex()],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


class CanaryScan(tbtest.TempDirTest):
    def scan(self, pid, marker):
        p = run("scan", "--pid", str(pid), "--marker", marker, timeout=60)
        if p.returncode == 2 and "permission" in p.stderr:
            self.skipTest(f"no ptrace rights here: {p.stderr.strip()}")
        return p

    def held(self, kind):
        value = os.urandom(16)
        child = start_holder(kind, value)
        self.addCleanup(child.wait)
        self.addCleanup(child.kill)
        return child, "TBMARK-" + value.hex()

    def test_planted_form_is_found(self):
        child, marker = self.held("planted")
        p = self.scan(child.pid, marker)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("marker visible: this guest's memory is readable by the host", p.stdout)
        self.assertRegex(p.stdout, r"\(\d+ occurrences? in \d+ mappings?, \d+ MiB scanned\)")

    def test_printed_form_is_not_what_scan_looks_for(self):
        child, marker = self.held("printed")
        p = self.scan(child.pid, marker)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"^marker not found in \d+ MiB scanned\n$")

    def test_process_without_marker(self):
        child, marker = self.held("none")
        p = self.scan(child.pid, marker)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("marker not found in", p.stdout)

    def test_canary_process_is_found(self):
        c = subprocess.Popen([TINYBEN, "canary", "--seconds", "30"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(c.wait)
        self.addCleanup(c.kill)
        marker = c.stdout.readline().strip()
        self.assertRegex(marker, r"^TBMARK-[0-9a-f]{32}$")
        p = self.scan(c.pid, marker)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # heap and stack copies (the memfd copy is page cache, not mapped in the process)
        hits = sum(int(n) for n in re.findall(r" (\d+) x ", p.stdout))
        self.assertGreaterEqual(hits, 2, p.stdout)
        # Each canary run plants a fresh marker.
        c2 = subprocess.run([TINYBEN, "canary", "--seconds", "0"], capture_output=True, text=True)
        self.assertEqual(c2.returncode, 0, c2.stderr)
        self.assertNotEqual(c2.stdout.strip(), marker)

    def test_canary_interrupted(self):
        c = subprocess.Popen([TINYBEN, "canary", "--seconds", "30"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        c.stdout.readline()
        c.send_signal(2)
        self.assertEqual(c.wait(timeout=10), 130)

    def test_bad_input_exit_2(self):
        me_marker = "TBMARK-" + "00" * 16
        dead = subprocess.Popen(["true"])
        dead.wait()
        cases = [
            (["scan"], "needs --pid"),
            (["scan", "--pid", "1"], "needs --pid"),
            (["scan", "--pid", "abc", "--marker", me_marker], "--pid 'abc'"),
            (["scan", "--pid", str(dead.pid), "--marker", me_marker], "no process with pid"),
            (["scan", "--pid", "1", "--marker", "TBCANARY-" + "00" * 16], "not what canary prints"),
            (["scan", "--pid", "1", "--marker", "TBMARK-xyz"], "not what canary prints"),
            (["scan", "--pid", "1", "--marker", me_marker, "extra"], "unexpected argument"),
            (["canary", "--seconds", "-1"], "--seconds '-1'"),
            (["canary", "--bogus"], "unknown option"),
        ]
        tbtest.assert_usage_errors(self, cases)

    def test_permission_denied_says_what_is_missing(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to drop to another user")
        child, marker = self.held("planted")
        # As nobody, root's process is out of reach: exit 2 and the reason.
        p = tbtest.run_unprivileged("scan", "--pid", str(child.pid), "--marker", marker)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("permission denied", p.stderr)
        self.assertIn("CAP_SYS_PTRACE", p.stderr)


if __name__ == "__main__":
    tbtest.main()
