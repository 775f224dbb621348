"""/dev/sev-guest as a real character device: cuse_sevguest (CUSE) in a TCG guest running
Debian's cloud kernel, which builds CUSE as a module. `tinyben attest --bind` in the guest
goes through open(2) and ioctl(2) on the device, the kernel's FUSE ioctl retries fetch the
request through its pointers, and the report that comes back must verify on the host against
the test key hierarchy and bind the CSV; with a firmware error, one line, exit 1, one request.

Exits 77 when it cannot run: no QEMU, no cloud kernel or its fuse/cuse modules, no static
busybox or cpio, cuse_sevguest not built (sanitizer build), no openssl."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import snpforge
import tbtest

sys.path.insert(0, os.path.join(tbtest.SOURCE_ROOT, "tests", "e2e"))
import guest  # noqa: E402  (the e2e suite's QEMU helpers: kernel lookup, KVM probe, console)

EMUL = sys.argv.pop(1) if len(sys.argv) > 1 and sys.argv[1].endswith("cuse_sevguest") else None

INIT = r'''#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
insmod /lib/modules/fuse.ko && insmod /lib/modules/cuse.ko
echo "TB-CUSE-MODULES rc=$?"
attest() {  # $1: name, then cuse_sevguest's options
  name=$1; shift
  cuse_sevguest --template /t.bin --vcek-key /vcek.key "$@" 2> /tmp/emul.log &
  emul=$!
  i=0; while [ ! -e /dev/sev-guest ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  tinyben attest --bind /results.csv -o /r.bin 2> /tmp/err
  echo "TB-CUSE-BEGIN $name rc=$?"
  echo "stderr: $(cat /tmp/err)"
  [ -e /r.bin ] && echo "report: $(od -An -v -tx1 /r.bin | tr -d ' \n')"
  echo "requests: $(grep -c SNP_GET_REPORT /tmp/emul.log)"
  echo "TB-CUSE-END $name"
  rm -f /r.bin
  kill $emul; wait $emul
  i=0; while [ -e /dev/sev-guest ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
attest ok
attest fwerr --firmware-error
echo TB-CUSE-DONE
poweroff -f
'''


def why_not():
    if not EMUL or not os.access(EMUL, os.X_OK):
        return "cuse_sevguest not built (needs static libfuse3 and libcrypto; not in sanitizer builds)"
    reason = guest.missing_prerequisite()
    if reason:
        return reason
    _, kver = guest.cloud_kernel()
    for mod in ("fuse", "cuse"):
        if not os.path.exists("/lib/modules/%s/kernel/fs/fuse/%s.ko" % (kver, mod)):
            return "no %s.ko for %s (CONFIG_CUSE=m in Debian's cloud kernel)" % (mod, kver)
    for tool in ("cpio", "openssl"):
        if shutil.which(tool) is None:
            return "no %s command" % tool
    return None


class CuseSevGuest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tbtest-cuse-")
        d = cls.tmp.name
        cls.h = snpforge.Hierarchy(os.path.join(d, "keys"))
        cls.csv = os.path.join(d, "results.csv")
        p = tbtest.run("run", "-b", "mem.mbw", "--quick", "-r", "1", "--set",
                       "mem.mbw.size_mib=1", "-o", cls.csv)
        assert p.returncode == 0, p.stderr
        root = os.path.join(d, "root")
        for sub in ("bin", "dev", "proc", "sys", "tmp", "lib/modules"):
            os.makedirs(os.path.join(root, sub))
        _, kver = guest.cloud_kernel()
        copies = {"/bin/busybox": "bin/busybox", tbtest.TINYBEN: "bin/tinyben",
                  EMUL: "bin/cuse_sevguest", cls.csv: "results.csv",
                  cls.h.path("vcek.key"): "vcek.key"}
        for mod in ("fuse", "cuse"):
            copies["/lib/modules/%s/kernel/fs/fuse/%s.ko" % (kver, mod)] = "lib/modules/%s.ko" % mod
        for src, dst in copies.items():
            shutil.copy(src, os.path.join(root, dst))
        with open(os.path.join(root, "t.bin"), "wb") as f:
            f.write(cls.h.report())
        with open(os.path.join(root, "init"), "w") as f:
            f.write(INIT)
        os.chmod(os.path.join(root, "init"), 0o755)
        cls.initrd = os.path.join(d, "initrd.cpio")
        with open(cls.initrd, "wb") as out:
            files = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
            subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=files,
                           stdout=out, check=True)
        kernel, _ = guest.cloud_kernel()
        console = os.path.join(d, "console.log")
        # TCG always: nested KVM on CI hosts can open /dev/kvm and still fail on MSRs.
        accel = ["-accel", "tcg"]
        cmd = [guest.QEMU, "-machine", "q35", "-nodefaults", "-display", "none", "-monitor",
               "none", "-no-reboot", "-m", "512", "-smp", "1", "-serial", "file:" + console,
               "-kernel", kernel, "-initrd", cls.initrd, *accel,
               "-append", "console=ttyS0 panic=-1 quiet no_timer_check rdinit=/init"]
        cls.console = guest.boot_until(cmd, console, r"^TB-CUSE-DONE$", 240)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def block(self, name):
        m = re.search(r"^TB-CUSE-BEGIN %s rc=(\d+)\n(.*?)^TB-CUSE-END %s$" % (name, name),
                      self.console, re.M | re.S)
        self.assertIsNotNone(m, self.console[-3000:])
        fields = dict(l.split(": ", 1) for l in m.group(2).splitlines() if ": " in l)
        return int(m.group(1)), fields

    def test_modules_loaded(self):
        self.assertIn("TB-CUSE-MODULES rc=0", self.console)

    def test_report_through_the_device(self):
        rc, f = self.block("ok")
        self.assertEqual(rc, 0, f)
        self.assertIn("from /dev/sev-guest: SNP report", f["stderr"])
        self.assertEqual(f["requests"], "1")
        report = os.path.join(self.tmp.name, "r.bin")
        with open(report, "wb") as out:
            out.write(bytes.fromhex(f["report"]))
        p = tbtest.run("attest", "verify", report, "--vcek", self.h.path("vcek.der"),
                       "--chain", self.h.path("chain.pem"), "--bound", self.csv)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(self.csv, "rb") as src:
            data = bytearray(src.read())
        data[0] ^= 0x01
        changed = os.path.join(self.tmp.name, "changed.csv")
        with open(changed, "wb") as out:
            out.write(data)
        p = tbtest.run("attest", "verify", report, "--vcek", self.h.path("vcek.der"),
                       "--bound", changed)
        self.assertEqual(p.returncode, 1)

    def test_firmware_error(self):
        rc, f = self.block("fwerr")
        self.assertEqual(rc, 1, f)
        self.assertIn("firmware error 0x16", f["stderr"])
        self.assertNotIn("report", f)
        self.assertEqual(f["requests"], "1")


if __name__ == "__main__":
    tbtest.main(unless=why_not())
