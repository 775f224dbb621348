"""`tinyben attest` end to end through an emulated configfs-tsm (tsm_emul, FUSE) mounted at
/sys/kernel/config/tsm/report in a private mount namespace: the report it fetches binds the
results CSV, verifies against the test key hierarchy, and the faults (firmware error, a
concurrent writer) give one clear error, no output file and no retry.

Exits 77 when this machine cannot run it: not root, no /dev/fuse, no unshare, tsm_emul not
built (libfuse3-dev missing), or no openssl."""
import os
import shutil
import subprocess
import sys
import tempfile

import forged
import snpforge
import tbtest

EMUL = sys.argv.pop(1) if len(sys.argv) > 1 and sys.argv[1].endswith("tsm_emul") else None
REPORT_DIR = "/sys/kernel/config/tsm/report"

# Inside the new mount namespace: a tmpfs gives the configfs path (the host's /sys/kernel
# stays untouched), the emulator mounts on it, tinyben runs, everything is unmounted.
NAMESPACE_SCRIPT = r'''
set -e
if [ -d /sys/kernel/config ]; then mount -t tmpfs tb-tsm /sys/kernel/config
else mount -t tmpfs tb-tsm /sys/kernel; mkdir /sys/kernel/config; fi
mkdir -p "$REPORT_DIR"
"$EMUL" "$@" "$REPORT_DIR" 2> "$WORK/emul.err" &
emul=$!
i=0
until mountpoint -q "$REPORT_DIR"; do
  i=$((i + 1)); [ $i -lt 600 ] || { echo "tsm_emul did not mount" >&2; kill $emul; exit 99; }
  kill -0 $emul 2> /dev/null || { cat "$WORK/emul.err" >&2; exit 99; }
  sleep 0.05
done
set +e
$TB_CMD > "$WORK/out" 2> "$WORK/err"
echo $? > "$WORK/rc"
ls -A "$REPORT_DIR" > "$WORK/left"
umount "$REPORT_DIR"
wait $emul
'''


def why_not():
    if os.geteuid() != 0:
        return "needs root for a private mount namespace (unshare -m)"
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    if not EMUL or not os.access(EMUL, os.X_OK):
        return "tsm_emul not built (needs libfuse3-dev and libcrypto)"
    for tool in ("unshare", "mountpoint", "openssl"):
        if shutil.which(tool) is None:
            return "no %s command" % tool
    return tbtest.command_fails(["unshare", "-m", "--propagation", "private", "true"],
                                "unshare -m fails here")


class ConfigfsTsm(forged.ForgedAttestCase):
    prefix = "tbtest-tsm-"

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="case-", dir=self.tmp.name)

    def attest(self, *emul_args, tb_args=None, template=None, tb_cmd=None):
        """Runs tinyben attest (or tb_cmd, a shell command line) against the emulator;
        returns (rc, stdout, stderr, log)."""
        out = os.path.join(self.work, "r.bin")
        log = os.path.join(self.work, "emul.log")
        tb = [tbtest.TINYBEN, "attest", *(tb_args or ["--bind", self.csv, "-o", out])]
        env = dict(os.environ, EMUL=EMUL, WORK=self.work, REPORT_DIR=REPORT_DIR,
                   TB_CMD=tb_cmd or " ".join(tb))
        p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            NAMESPACE_SCRIPT, "sh", "--template", template or self.template,
                            "--vcek-key",
                            self.h.path("vcek.key"), "--log", log, *emul_args],
                           env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)

        def read(name):
            with open(os.path.join(self.work, name)) as f:
                return f.read()
        # The entry tinyben made is gone again, whatever happened.
        self.assertEqual(read("left"), "")
        return int(read("rc")), read("out"), read("err"), read("emul.log").splitlines()

    def verify(self, *args):
        return tbtest.run("attest", "verify", os.path.join(self.work, "r.bin"), "--vcek",
                          self.h.path("vcek.der"), *args)

    def refused(self, *emul_args):
        """attest against the emulator started with emul_args: refused, exit 1 and one line, and
        no report written. Its stderr and the emulator's log."""
        rc, out, err, log = self.attest(*emul_args)
        self.assertEqual(rc, 1, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertFalse(os.path.exists(os.path.join(self.work, "r.bin")))
        return err, log

    def test_bind_show_verify(self):
        rc, out, err, log = self.attest()
        self.assertEqual(rc, 0, err)
        self.assertIn("configfs-tsm provider sev_guest: SNP report", err)
        self.assertIn("report_data = SHA-512 of " + self.csv, err)
        self.assertEqual([l.split()[0] for l in log], ["mkdir", "inblob", "outblob", "rmdir"])
        report = os.path.join(self.work, "r.bin")
        shown = tbtest.run("attest", "show", report)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertIn("report_data: " + snpforge.sha512_file(self.csv).hex(), shown.stdout)
        p = self.verify("--chain", self.h.path("chain.pem"), "--bound", self.csv)
        if tbtest.verify_needs_crypto(self, p):
            return
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("report_data = SHA-512 of", p.stdout)
        # AMD's real Milan chain did not sign the test VCEK.
        p = self.verify("--chain", os.path.join(tbtest.SOURCE_ROOT, "tests", "attest",
                                                "fixtures", "milan-ask-ark.pem"))
        self.assertEqual(p.returncode, 1)
        # One changed byte of the CSV is another file.
        with open(self.csv, "rb") as f:
            data = bytearray(f.read())
        data[len(data) // 3] ^= 0x20
        changed = os.path.join(self.work, "changed.csv")
        with open(changed, "wb") as f:
            f.write(data)
        p = self.verify("--chain", self.h.path("chain.pem"), "--bound", changed)
        self.assertEqual(p.returncode, 1)
        self.assertIn("INVALID", p.stdout)

    def test_version_2_report(self):
        # Milan firmware before 1.55 answers with version 2 (no CPUID fields).
        v2 = os.path.join(self.work, "v2.bin")
        with open(v2, "wb") as f:
            f.write(self.h.report(version=2))
        rc, out, err, _ = self.attest(template=v2)
        self.assertEqual(rc, 0, err)
        report = os.path.join(self.work, "r.bin")
        shown = tbtest.run("attest", "show", report)
        self.assertIn("version: 2\n", shown.stdout)
        p = self.verify("--chain", self.h.path("chain.pem"), "--bound", self.csv)
        if tbtest.verify_needs_crypto(self, p):
            return
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_report_data_hex_to_stdout(self):
        rc, out, err, _ = self.attest(tb_args=["--report-data", "c0ffee"])
        self.assertEqual(rc, 0, err)
        raw = bytes.fromhex("".join(out.split()))
        self.assertEqual(len(raw), snpforge.REPORT_SIZE)
        self.assertEqual(raw[0x50:0x90], bytes.fromhex("c0ffee") + bytes(61))

    def test_firmware_error_is_one_line_and_not_retried(self):
        err, log = self.refused("--firmware-error")
        self.assertIn("configfs-tsm (sev_guest): Input/output error", err)
        self.assertEqual(sum(1 for l in log if l.startswith("outblob")), 1, log)

    def test_concurrent_writer_is_detected_and_not_retried(self):
        err, log = self.refused("--race")
        self.assertIn("another process", err)
        self.assertEqual(sum(1 for l in log if "by the writer" in l), 1, log)


    def test_concurrent_tinybens_each_get_their_own_report(self):
        # Several attests at once: each has its own entry, so each gets the report about
        # its own data, and none is refused for the others' writes.
        n = 6
        script = os.path.join(self.work, "many.sh")
        with open(script, "w") as f:
            for i in range(n):
                f.write("(%s attest --report-data %02x%s -o %s/r%d.bin; echo $? > %s/rc%d) &\n"
                        % (tbtest.TINYBEN, i, "ab" * 63, self.work, i, self.work, i))
            f.write("wait\n")
        rc, out, err, log = self.attest(tb_cmd="sh " + script)
        self.assertEqual(rc, 0, err)
        for i in range(n):
            with open(os.path.join(self.work, "rc%d" % i)) as f:
                self.assertEqual(f.read().strip(), "0", err)
            shown = tbtest.run("attest", "show", os.path.join(self.work, "r%d.bin" % i))
            self.assertIn("report_data: %02x%s\n" % (i, "ab" * 63), shown.stdout)
        self.assertEqual(sum(1 for l in log if l.startswith("mkdir")), n, log)

    def test_outblob_larger_than_the_buffer_is_refused(self):
        # A quote larger than tinyben's 64 KiB buffer must not be handed out cut short
        # (the tdx_guest provider's length is not checked against a fixed size).
        for provider in ("tdx_guest", "sev_guest"):
            err, _ = self.refused("--provider", provider, "--outblob-size", str(64 * 1024 + 1))
            self.assertIn("outblob", err)
            self.assertIn("larger than", err)

    def test_stale_entry_of_the_same_pid(self):
        # A tinyben killed by SIGKILL leaves its entry; in a container the next one often
        # has the same PID. Its mkdir must not fail for good on that name, and the stale
        # entry is not its to remove.
        out = os.path.join(self.work, "r.bin")
        script = os.path.join(self.work, "stale.sh")
        with open(script, "w") as f:
            f.write("sh -c 'mkdir \"$REPORT_DIR/tinyben-$$\" || exit 99\n"
                    "       exec %s attest --report-data 5a -o %s'\n"
                    "rc=$?\n"
                    "ls -A \"$REPORT_DIR\" > \"$WORK/entries\"\n"
                    "rmdir \"$REPORT_DIR\"/tinyben-*\n"
                    "exit $rc\n" % (tbtest.TINYBEN, out))
        rc, _, err, log = self.attest(tb_cmd="sh " + script)
        self.assertEqual(rc, 0, err)
        with open(os.path.join(self.work, "entries")) as f:
            self.assertEqual(len(f.read().split()), 1)  # the stale one, still there
        shown = tbtest.run("attest", "show", out)
        self.assertIn("report_data: 5a" + "00" * 63, shown.stdout)

    def test_report_for_other_data_is_refused(self):
        # The generation is right, but the report is not about what was written.
        err, log = self.refused("--wrong-data")
        self.assertIn("report_data is not what was written", err)
        self.assertEqual(sum(1 for l in log if l.startswith("outblob")), 1, log)


if __name__ == "__main__":
    tbtest.main(unless=why_not())
