"""cc.attest through the emulated attestation interfaces (tests/attest): configfs-tsm (tsm_emul,
FUSE, mounted on a temporary directory that --set cc.attest.tsm_dir names) and /dev/sev-guest,
/dev/tdx_guest (guestdev_emul, seccomp user notification). Each emulator answers a known delay
later, so a latency measured through it has a floor: the rows are ok, the p50 is at least the
delay, every request reached the emulator, and the detail names the interface.

Exits 77 when it cannot run here: an emulator not built, no /dev/fuse or not root (tsm_emul),
no seccomp user notification (guestdev_emul), no openssl."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("TB_SOURCE_ROOT", "."), "tests", "attest"))
import forged  # noqa: E402
import tbtest  # noqa: E402

ARGS = sys.argv[1:]
TSM_EMUL = next((a for a in ARGS if a.endswith("tsm_emul")), None)
GUESTDEV_EMUL = next((a for a in ARGS if a.endswith("guestdev_emul")), None)
sys.argv[1:] = [a for a in ARGS if a not in (TSM_EMUL, GUESTDEV_EMUL)]
FIXTURES = os.path.join(tbtest.SOURCE_ROOT, "tests", "attest", "fixtures")
REPS, REQUESTS = 3, 4
# The warm-up is a tenth of the requests, at least one.
SENT = 1 + REPS * REQUESTS


def tsm_why_not():
    if not TSM_EMUL or not os.access(TSM_EMUL, os.X_OK):
        return "tsm_emul not built (needs libfuse3-dev and libcrypto)"
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        return "mounting tsm_emul needs root and /dev/fuse"
    return None


def run_args(variants, *extra):
    return ["run", "-b", ",".join("cc.attest:" + v for v in variants.split(",")), "-r", str(REPS), "--set",
            "cc.attest.requests=%d" % REQUESTS, *extra]


class CcAttest(forged.ForgedAttestCase):
    prefix = "tbtest-cc-attest-"

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="case-", dir=self.tmp.name)
        self.log = os.path.join(self.work, "emul.log")

    def log_lines(self):
        with open(self.log) as f:
            return f.read().splitlines()

    def tsm(self, variants, *emul_args, extra=()):
        """Runs cc.attest against tsm_emul mounted on a fresh directory; returns the process,
        its rows and the emulator's log."""
        why = tsm_why_not()
        if why:
            self.skipTest(why)
        mnt = tempfile.mkdtemp(prefix="report-", dir=self.work)
        err = os.path.join(self.work, "emul.err")
        with open(err, "w") as f:
            emul = subprocess.Popen([TSM_EMUL, "--template", self.template, "--vcek-key",
                                     self.h.path("vcek.key"), "--log", self.log, *emul_args,
                                     mnt], stderr=f)
        try:
            deadline = time.monotonic() + 30
            while not os.path.ismount(mnt):
                if emul.poll() is not None:
                    with open(err) as f:
                        self.fail("tsm_emul ended: " + f.read())
                self.assertLess(time.monotonic(), deadline, "tsm_emul did not mount")
                time.sleep(0.05)
            p = tbtest.run(*run_args(variants, "--set", "cc.attest.tsm_dir=" + mnt, *extra),
                           timeout=120)
            self.assertEqual(os.listdir(mnt), [], "an entry was left behind")
        finally:
            subprocess.run(["umount", mnt], capture_output=True)
            emul.wait(timeout=30)
        return p, tbtest.parse_csv(p.stdout), self.log_lines()

    def guestdev(self, device, variants, *emul_args, template=None):
        why = forged.guestdev_unavailable(GUESTDEV_EMUL)
        if why:
            self.skipTest(why)
        p = subprocess.run([GUESTDEV_EMUL, "--device", device, "--template",
                            template or self.template, "--vcek-key", self.h.path("vcek.key"),
                            "--log", self.log, *emul_args, "--", tbtest.TINYBEN,
                            *run_args(variants)], capture_output=True, text=True, timeout=120)
        return p, tbtest.parse_csv(p.stdout), self.log_lines()

    def assert_measured(self, rows, variant, floor_us, detail_has):
        """REPS ok rows of each metric, a p50 and p99 at or above the emulator's delay, an rps
        that agrees with it, and the interface named in detail."""
        for metric in ("latency_p50", "latency_p99", "rps"):
            mine = tbtest.ok_rows(rows, "cc.attest", variant, metric)
            self.assertEqual(len(mine), REPS, (variant, metric, [(r["variant"], r["status"],
                                                                   r["detail"]) for r in rows]))
            for r in mine:
                value = float(r["value"])
                if metric == "rps":
                    self.assertLessEqual(value, 1e6 / floor_us, r)
                else:
                    self.assertGreaterEqual(value, floor_us, r)
                    self.assertLess(value, floor_us + 500000, r)
                for part in detail_has:
                    self.assertIn(part, r["detail"])
                self.assertIn("requests=%d " % REQUESTS, r["detail"])
                self.assertNotIn("polling_quantum", r["detail"])

    def test_tsm_report_through_configfs(self):
        p, rows, log = self.tsm("tsm-report", "--delay-ms", "20")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_measured(rows, "tsm-report", 20000,
                             ["interface=configfs-tsm", "provider=sev_guest", "entry=per-request",
                              "evidence_bytes=1184"])
        # One entry per request: made, written, read, removed.
        kinds = [l.split()[0] for l in log]
        for kind in ("mkdir", "inblob", "outblob"):
            self.assertEqual(kinds.count(kind), SENT + (kind == "mkdir"), (kind, log))
        self.assertEqual(kinds.count("mkdir"), kinds.count("rmdir"), log)

    def test_tdx_quote_needs_the_tdx_provider(self):
        p, rows, _ = self.tsm("tsm-report,tdx-quote", "--provider", "tdx_guest", "--delay-ms", "5")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_measured(rows, "tdx-quote", 5000, ["provider=tdx_guest"])
        self.assert_measured(rows, "tsm-report", 5000, ["provider=tdx_guest"])
        p, rows, _ = self.tsm("tdx-quote", "--delay-ms", "5")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([(r["status"], r["detail"]) for r in rows],
                         [("skipped", "configfs-tsm provider is sev_guest: a TDX quote needs tdx_guest")])

    def test_a_median_on_the_one_second_poll_says_so(self):
        # The kernel's tdx_guest looks at the quote once a second: a second-long median is a
        # timer, not a slow device, and detail says which.
        p, rows, _ = self.tsm("tdx-quote", "--provider", "tdx_guest", "--delay-ms", "1000",
                              extra=["-r", "1", "--set", "cc.attest.requests=1"])
        self.assertEqual(p.returncode, 0, p.stderr)
        p50 = tbtest.ok_rows(rows, "cc.attest", "tdx-quote", "latency_p50")
        self.assertEqual(len(p50), 1, rows)
        self.assertGreaterEqual(float(p50[0]["value"]), 1e6)
        self.assertIn("polling_quantum=1s", p50[0]["detail"])

    def test_firmware_error_is_a_failed_row_without_retry(self):
        p, rows, log = self.tsm("tsm-report", "--firmware-error")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual([r["status"] for r in rows], ["failed"], rows)
        self.assertIn("configfs-tsm (sev_guest)", rows[0]["detail"])
        self.assertEqual(sum(1 for l in log if l.startswith("outblob")), 1, log)

    def test_sev_guest_ioctls(self):
        certs = os.path.join(self.work, "certs.der")
        shutil.copy(self.h.path("vcek.der"), certs)
        p, rows, log = self.guestdev("sev", "sev-guest,sev-guest-ext", "--delay-ms", "10",
                                     "--certs", certs)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_measured(rows, "sev-guest", 10000,
                             ["interface=/dev/sev-guest", "ioctl=SNP_GET_REPORT ", "certs_bytes=0"])
        # The driver rounds the certificate table up to whole pages.
        self.assert_measured(rows, "sev-guest-ext", 10000,
                             ["ioctl=SNP_GET_EXT_REPORT", "certs_bytes=4096"])
        self.assertEqual(sum(1 for l in log if l.startswith("SNP_GET_REPORT ")), SENT, log)
        self.assertEqual(sum(1 for l in log if l.startswith("SNP_GET_EXT_REPORT ")), SENT, log)

    def test_tdx_report_ioctl(self):
        p, rows, log = self.guestdev("tdx", "tdx-report", "--delay-ms", "10",
                                     template=os.path.join(FIXTURES, "tdx-tdreport.bin"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_measured(rows, "tdx-report", 10000,
                             ["interface=/dev/tdx_guest", "ioctl=TDX_CMD_GET_REPORT0",
                              "evidence_bytes=1024"])
        self.assertEqual(log.count("TDX_CMD_GET_REPORT0"), SENT, log)

    def test_bad_options_are_usage_errors(self):
        # A boot PCR (0-15) is never extended: what is sealed to it would break.
        tbtest.assert_usage_errors(self, [
            (["run", "-b", "cc.attest", "--set", "cc.attest.pcr=7"], "out of range [16, 23]"),
            (["run", "-b", "cc.attest", "--set", "cc.attest.requests=0"], "out of range"),
            (["run", "-b", "cc.attest", "--set", "cc.attest.tpm_hierarchy=platform"],
             "cc.attest.tpm_hierarchy"),
        ])

    def test_a_file_is_never_taken_for_a_tpm(self):
        """--set cc.attest.tpm_device=FILE wrote TPM commands over a regular file (a
        results CSV): it is bad input now, and the file is untouched."""
        victim = os.path.join(self.work, "results.csv")
        with open(victim, "w") as f:
            f.write("precious\n")
        tbtest.assert_usage_errors(self, [
            (["run", "-b", "cc.attest:tpm-pcr-read", "--set", "cc.attest.tpm_device=" + victim],
             "is not a TPM"),
        ])
        with open(victim) as f:
            self.assertEqual(f.read(), "precious\n")
        # and a file given as the configfs-tsm directory is said to be one, not "absent"
        p = tbtest.run("run", "-b", "cc.attest:tsm-report", "--set", "cc.attest.tsm_dir=" + victim)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(victim + " is not a directory", tbtest.parse_csv(p.stdout)[0]["detail"])

    def test_sev_guest_firmware_error_once(self):
        p, rows, log = self.guestdev("sev", "sev-guest", "--firmware-error")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual([r["status"] for r in rows], ["failed"], rows)
        self.assertIn("firmware error 0x16", rows[0]["detail"])
        self.assertEqual(len(log), 2, log)  # the open, then one request


if __name__ == "__main__":
    tbtest.main(unless=None if shutil.which("openssl") else "no openssl command")
