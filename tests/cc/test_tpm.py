"""cc.attest's tpm-* variants against swtpm, the TPM 2.0 emulator of libtpms.

Guest: a TCG guest of Debian's cloud kernel (TPM TIS driver built in) with QEMU's tpm-tis
device backed by swtpm: cc.attest in the guest's initramfs reads, extends and quotes through
/dev/tpmrm0, the kernel's resource manager, and every row is ok.
Host: the same variants through swtpm's server socket (--set cc.attest.tpm_device=SOCKET); then
tpm2-tools, an independent client, reads PCR 16 from the same swtpm and finds it extended,
while PCR 23 (not ours) is untouched.

Exits 77 when it cannot run: no swtpm or tpm2-tools; the guest case also needs QEMU, the cloud
kernel, a static busybox and a static tinyben (tests/e2e/guest.py says which is missing)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import tbtest

sys.path.insert(0, os.path.join(tbtest.SOURCE_ROOT, "tests", "e2e"))
import guest  # noqa: E402

REPS, REQUESTS = 3, 10
VARIANTS = ("tpm-pcr-read", "tpm-pcr-extend", "tpm-quote")


def why_not():
    for tool in ("swtpm", "tpm2_pcrread"):
        if shutil.which(tool) is None:
            return "no %s (scripts/install-deps.sh installs swtpm and tpm2-tools)" % tool
    return None


class Swtpm:
    """swtpm on unix sockets in dir: `server` (raw TPM commands, with --server) or only the
    control channel `ctrl` (QEMU's tpmdev emulator), stopped by stop()."""

    def __init__(self, d, server, started=True):
        self.dir = d
        self.sock = os.path.join(d, "tpm.sock")
        # tpm2-tools' swtpm TCTI finds the control channel at the server's path + ".ctrl".
        self.ctrl = self.sock + ".ctrl"
        cmd = ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + d,
               "--ctrl", "type=unixio,path=" + self.ctrl, "--log", "file=" + os.path.join(d, "log")]
        if server:
            # not-need-init: powered on, but TPM2_Startup left to the first client.
            cmd += ["--server", "type=unixio,path=" + self.sock,
                    "--flags", "startup-clear" if started else "not-need-init"]
        else:
            cmd += ["--terminate"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.sock if server else self.ctrl):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("swtpm did not start: " + self.log())
            time.sleep(0.05)

    def log(self):
        try:
            with open(os.path.join(self.dir, "log")) as f:
                return f.read()[-2000:]
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Rows:
    def check_rows(self, rows, interface):
        for variant in VARIANTS:
            for metric in ("latency_p50", "latency_p99", "rps"):
                mine = tbtest.ok_rows(rows, "cc.attest", variant, metric)
                self.assertEqual(len(mine), REPS, (variant, metric, [(r["variant"], r["status"],
                                                                      r["detail"]) for r in rows]))
                for r in mine:
                    self.assertGreater(float(r["value"]), 0, r)
                    self.assertIn("interface=%s " % interface, r["detail"])
                    self.assertIn("requests=%d " % REQUESTS, r["detail"])
        extend = tbtest.ok_rows(rows, "cc.attest", "tpm-pcr-extend")[0]["detail"]
        self.assertIn("pcr=16 ", extend)
        quote = tbtest.ok_rows(rows, "cc.attest", "tpm-quote")[0]["detail"]
        self.assertIn("key=ecc-p256-restricted hierarchy=owner", quote)
        # A TPMS_ATTEST of 8 PCRs and an ECDSA P-256 signature: well over 150 bytes.
        self.assertGreater(int(re.search(r"evidence_bytes=(\d+)", quote).group(1)), 150)


class HostSocket(unittest.TestCase, Rows):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="tbtest-tpm-")
        self.tpm = Swtpm(self.tmp.name, server=True)

    def tearDown(self):
        self.tpm.stop()
        self.tmp.cleanup()

    def pcr(self, index):
        p = subprocess.run(["tpm2_pcrread", "sha256:%d" % index], capture_output=True, text=True,
                           env=dict(os.environ, TPM2TOOLS_TCTI="swtpm:path=" + self.tpm.sock),
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return re.search(r"%d\s*:\s*0x([0-9A-Fa-f]+)" % index, p.stdout).group(1)

    def test_variants_through_the_server_socket(self):
        self.assertEqual(self.pcr(16), "0" * 64)
        p = tbtest.run("run", "-b", ",".join("cc.attest:" + v for v in VARIANTS), "-r", str(REPS),
                       "--set", "cc.attest.requests=%d" % REQUESTS,
                       "--set", "cc.attest.tpm_device=" + self.tpm.sock, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.check_rows(tbtest.parse_csv(p.stdout), self.tpm.sock)
        # Extended by random digests: no longer zero; PCR 23 was never ours.
        self.assertNotEqual(self.pcr(16), "0" * 64)
        self.assertEqual(self.pcr(23), "0" * 64)

    def test_other_pcr_and_hierarchy(self):
        p = tbtest.run("run", "-b", "cc.attest:tpm-pcr-extend,cc.attest:tpm-quote", "-r", "1",
                       "--set", "cc.attest.requests=2", "--set", "cc.attest.pcr=23",
                       "--set", "cc.attest.tpm_hierarchy=endorsement",
                       "--set", "cc.attest.tpm_device=" + self.tpm.sock, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = tbtest.parse_csv(p.stdout)
        self.assertIn("pcr=23 ", tbtest.ok_rows(rows, "cc.attest", "tpm-pcr-extend")[0]["detail"])
        self.assertIn("hierarchy=endorsement",
                      tbtest.ok_rows(rows, "cc.attest", "tpm-quote")[0]["detail"])
        self.assertEqual(self.pcr(16), "0" * 64)
        self.assertNotEqual(self.pcr(23), "0" * 64)

    def test_a_tpm_nobody_started_gets_its_startup(self):
        # A bare simulator answers TPM_RC_INITIALIZE until TPM2_Startup: cc.attest sends it
        # (the kernel does at boot for /dev/tpm*).
        self.tpm.stop()
        d = tempfile.mkdtemp(dir=self.tmp.name)
        self.tpm = Swtpm(d, server=True, started=False)
        p = tbtest.run("run", "-b", "cc.attest:tpm-pcr-read", "-r", "1", "--set",
                       "cc.attest.requests=2", "--set", "cc.attest.tpm_device=" + self.tpm.sock,
                       timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = tbtest.parse_csv(p.stdout)
        self.assertEqual(len(tbtest.ok_rows(rows, "cc.attest", "tpm-pcr-read")), 3, rows)

    def test_a_socket_nobody_serves_is_a_skip_with_the_reason(self):
        gone = os.path.join(self.tmp.name, "nothing.sock")
        p = tbtest.run("run", "-b", "cc.attest:tpm-pcr-read", "--set",
                       "cc.attest.tpm_device=" + gone, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = tbtest.parse_csv(p.stdout)
        self.assertEqual([r["status"] for r in rows], ["skipped"])
        self.assertIn(gone, rows[0]["detail"])


# The guest's /init: /dev/tpmrm0 appears when the TPM driver has probed, which may be after
# init starts (devtmpfs makes nodes asynchronously): wait for it, then run cc.attest through
# the resource manager, and once more through /dev/tpm0 (no resource manager: tinyben flushes
# its key itself). Each run's CSV goes to the console between markers.
INIT = r'''#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
dmesg -n 1
i=0; while [ ! -e /dev/tpmrm0 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
cd /tmp
set -f  # the -b glob goes to tinyben as it is
n=0
for args in "-b cc.attest:tpm-* -r %(reps)d --set cc.attest.requests=%(requests)d" \
            "-b cc.attest:tpm-quote -r 1 --set cc.attest.requests=2 --set cc.attest.tpm_device=/dev/tpm0"; do
  n=$((n + 1))
  tinyben run $args > /tmp/out 2> /tmp/err
  echo "TB-TPM-BEGIN $n rc=$?"
  cat /tmp/out
  echo "TB-TPM-END $n"
  tail -n 3 /tmp/err
done
echo TB-TPM-DONE
poweroff -f
''' % {"reps": REPS, "requests": REQUESTS}


class InGuest(unittest.TestCase, Rows):
    """QEMU's tpm-tis backed by swtpm; the guest's kernel drives it."""

    def initramfs(self, d):
        root = os.path.join(d, "root")
        for sub in ("bin", "dev", "proc", "sys", "tmp"):
            os.makedirs(os.path.join(root, sub))
        shutil.copy("/bin/busybox", os.path.join(root, "bin", "busybox"))
        shutil.copy(tbtest.TINYBEN, os.path.join(root, "bin", "tinyben"))
        with open(os.path.join(root, "init"), "w") as f:
            f.write(INIT)
        os.chmod(os.path.join(root, "init"), 0o755)
        initrd = os.path.join(d, "initrd.cpio")
        with open(initrd, "wb") as out:
            files = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
            subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=files,
                           stdout=out, check=True)
        return initrd

    def csv_block(self, text, n):
        m = re.search(r"^TB-TPM-BEGIN %d rc=(\d+)\n(.*?)^TB-TPM-END %d$" % (n, n), text, re.M | re.S)
        self.assertIsNotNone(m, text[-3000:])
        self.assertEqual(int(m.group(1)), 0, text[-3000:])
        return tbtest.parse_csv(m.group(2))

    def test_variants_in_a_guest_through_tpmrm0(self):
        reason = guest.missing_prerequisite() or (None if shutil.which("cpio") else "no cpio")
        if reason:
            self.skipTest(reason)
        with tempfile.TemporaryDirectory(prefix="tbtest-tpm-guest-") as d:
            tpm = Swtpm(d, server=False)
            try:
                console = os.path.join(d, "console.log")
                cmd = guest.qemu_command(self.initramfs(d), console, [], [])
                at = cmd.index("-append")
                cmd[at:at] = ["-chardev", "socket,id=chrtpm,path=" + tpm.ctrl,
                              "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
                              "-device", "tpm-tis,tpmdev=tpm0"]
                text = guest.boot_until(cmd, console, r"^TB-TPM-DONE$", 150)
            finally:
                tpm.stop()
        rows = self.csv_block(text, 1)
        for r in tbtest.ok_rows(rows, metric="latency_p50"):
            print("guest", r["variant"], "p50", r["value"], "us")
        self.check_rows(rows, "/dev/tpmrm0")
        # Without the resource manager: the same quote, and the row says so.
        direct = tbtest.ok_rows(self.csv_block(text, 2), "cc.attest", "tpm-quote", "latency_p50")
        self.assertEqual(len(direct), 1, text[-3000:])
        self.assertIn("interface=/dev/tpm0 resource_manager=none ", direct[0]["detail"])


if __name__ == "__main__":
    tbtest.main(unless=why_not())
