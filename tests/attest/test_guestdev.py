"""`tinyben attest` end to end through the ioctl interfaces: guestdev_emul serves
/dev/sev-guest (SNP_GET_REPORT) or /dev/tdx_guest (TDX_CMD_GET_REPORT0) to tinyben by seccomp
user notification, reading the request and writing the response through the pointers of the
uapi structures, as the guest drivers do. CUSE would need /dev/cuse and the cuse module; this
needs neither.

Exits 77 when it cannot run here: guestdev_emul not built, seccomp user notification
unavailable, no openssl, or a real configfs-tsm present (tinyben would ask it first)."""
import os
import shutil
import subprocess
import sys
import tempfile

import forged
import tbtest

EMUL = sys.argv.pop(1) if len(sys.argv) > 1 and sys.argv[1].endswith("guestdev_emul") else None
FIXTURES = os.path.join(tbtest.SOURCE_ROOT, "tests", "attest", "fixtures")


def why_not():
    if shutil.which("openssl") is None:
        return "no openssl command to make the test key hierarchy"
    if os.path.exists("/sys/kernel/config/tsm/report"):
        return "this machine has configfs-tsm, which tinyben asks before the ioctls"
    return forged.guestdev_unavailable(EMUL)


class GuestDevices(forged.ForgedAttestCase):
    prefix = "tbtest-guestdev-"

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="case-", dir=self.tmp.name)
        self.out = os.path.join(self.work, "r.bin")
        self.log = os.path.join(self.work, "emul.log")

    def attest(self, device, *emul_args, tb_args=None, template=None):
        p = subprocess.run([EMUL, "--device", device, "--template", template or self.template,
                            "--vcek-key", self.h.path("vcek.key"), "--log", self.log,
                            *emul_args, "--", tbtest.TINYBEN, "attest",
                            *(tb_args or ["--bind", self.csv, "-o", self.out])],
                           capture_output=True, text=True, timeout=120)
        with open(self.log) as f:
            return p, f.read().splitlines()

    def test_sev_guest_bind_and_verify(self):
        p, log = self.attest("sev")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("from /dev/sev-guest: SNP report", p.stderr)
        self.assertEqual(log, ["open /dev/sev-guest", "SNP_GET_REPORT msg_version=1 vmpl=0"])
        v = tbtest.run("attest", "verify", self.out, "--vcek", self.h.path("vcek.der"),
                       "--chain", self.h.path("chain.pem"), "--bound", self.csv)
        if tbtest.verify_needs_crypto(self, v):
            return
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        with open(self.csv, "rb") as f:
            data = bytearray(f.read())
        data[-5] ^= 0x01
        changed = os.path.join(self.work, "changed.csv")
        with open(changed, "wb") as f:
            f.write(data)
        v = tbtest.run("attest", "verify", self.out, "--vcek", self.h.path("vcek.der"),
                       "--bound", changed)
        self.assertEqual(v.returncode, 1)
        v = tbtest.run("attest", "verify", self.out, "--vcek", self.h.path("vcek.der"),
                       "--chain", os.path.join(FIXTURES, "milan-ask-ark.pem"))
        self.assertEqual(v.returncode, 1)

    def test_sev_guest_firmware_error_once(self):
        p, log = self.attest("sev", "--firmware-error")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("firmware error 0x16", p.stderr)
        self.assertIn("not retried", p.stderr)
        self.assertEqual(sum(1 for l in log if l.startswith("SNP_GET_REPORT")), 1, log)
        self.assertFalse(os.path.exists(self.out))

    def test_hex_report_on_a_full_stdout(self):
        # The report went nowhere: exit 1, one line, not a silent success.
        with open("/dev/full", "w") as full:
            p = subprocess.run([EMUL, "--device", "sev", "--template", self.template,
                                "--vcek-key", self.h.path("vcek.key"), "--", tbtest.TINYBEN,
                                "attest", "--report-data", "00ff"],
                               stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("cannot write to stdout: No space left on device", p.stderr)

    def test_output_that_cannot_be_written_is_removed(self):
        # A file size limit (like a full disk) cuts the write of -o: exit 1, one line, and
        # no truncated report left under the name the user gave.
        import resource
        import signal

        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512))
        p = subprocess.run([EMUL, "--device", "sev", "--template", self.template,
                            "--vcek-key", self.h.path("vcek.key"), "--", tbtest.TINYBEN,
                            "attest", "--report-data", "00ff", "-o", self.out],
                           capture_output=True, text=True, timeout=120, preexec_fn=small_files)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(self.out, p.stderr)
        self.assertIn("File too large", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 2, p.stderr)  # fetched; failed
        self.assertFalse(os.path.exists(self.out))

    def test_tdx_guest(self):
        p, log = self.attest("tdx", template=os.path.join(FIXTURES, "tdx-tdreport.bin"),
                             tb_args=["--report-data", "a1b2c3", "-o", self.out])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("from /dev/tdx_guest: TDREPORT", p.stderr)
        self.assertEqual(log, ["open /dev/tdx_guest", "TDX_CMD_GET_REPORT0"])
        shown = tbtest.run("attest", "show", self.out)
        self.assertIn("report_data: a1b2c3" + "00" * 61, shown.stdout)
        # A TDREPORT is MAC'd for the same CPU, not signed: verify says so (exit 2).
        v = tbtest.run("attest", "verify", self.out, "--vcek", self.h.path("vcek.der"))
        self.assertEqual(v.returncode, 2)


if __name__ == "__main__":
    tbtest.main(unless=why_not())
