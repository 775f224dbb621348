"""The boot timeline on a real boot (QEMU, KVM when it works, else TCG): launch.sh --boot-log
starts Debian's cloud kernel with the tinyben initramfs, whose /init runs `tinyben run -b
cc.boot`; the host's log has QEMU's start, the first serial byte, the kernel's first line and
init starting, in that order, and the guest's rows date the kernel and init from its own log.
The cloud suite (test_cloud.py) checks the same with cloud-init and SSH in a full Debian guest."""
import os
import subprocess

import guest
import tbtest

LAUNCH = os.path.join(tbtest.SOURCE_ROOT, "packaging", "qemu", "launch.sh")


class BootLog(tbtest.TempDirTest):
    @classmethod
    def setUpClass(cls):
        tbtest.skip_if(guest.missing_prerequisite())

    def test_real_boot(self):
        initrd = self.path("initrd.cpio.gz")
        guest.build_initramfs(initrd)
        kernel, _ = guest.cloud_kernel()
        log = self.path("boot.log")
        # no `quiet`: the kernel's lines must reach the console; /init powers the guest off
        append = 'console=ttyS0 panic=-1 no_timer_check tinyben_run="run -q -b cc.boot"'
        env = dict(os.environ, TINYBEN_QEMU_ACCEL=guest.accelerator())
        p = subprocess.run([LAUNCH, "plain", "--kernel", kernel, "--initrd", initrd, "--append", append,
                            "--vcpus", "1", "--memory", "512", "--ssh-port", "0", "--boot-log", log],
                           capture_output=True, text=True, timeout=170, env=env, stdin=subprocess.DEVNULL)
        console = p.stdout.replace("\r", "")
        self.assertEqual(p.returncode, 0, p.stderr + console[-3000:])
        with open(log) as f:
            host = [l.split() for l in f.read().splitlines()]
        print("host boot log:", host)
        self.assertEqual([h[0] for h in host], ["qemu-start", "first-serial-byte", "kernel", "init"])
        t = [float(h[1]) for h in host]
        self.assertEqual(t, sorted(t))
        out, rc, err = guest.block(console, 1)
        self.assertEqual(rc, 0, err)
        rows = {r["variant"]: r for r in tbtest.parse_csv("\n".join(l for l in out.splitlines() if l))}
        for r in rows.values():
            print(f"cc.boot {r['variant']}: {r['status']} {r['value']} {r['detail']}")
        self.assertEqual(list(rows), ["kernel", "init", "root-mount", "cloud-init-final", "tinyben-start"])
        for v in ("kernel", "init", "tinyben-start"):
            self.assertEqual(rows[v]["status"], "ok", rows[v])
        times = [float(rows[v]["value"]) for v in ("kernel", "init", "tinyben-start")]
        self.assertEqual(times, sorted(times))
        self.assertIn("source=/dev/kmsg", rows["init"]["detail"].split())
        # an initramfs that mounts no root and has no cloud-init: said, not guessed
        self.assertEqual(rows["root-mount"]["status"], "skipped")
        self.assertEqual(rows["cloud-init-final"]["status"], "skipped")
        # the guest's kernel ran init within the host's kernel-to-init span plus the console's lag
        self.assertLess(float(rows["init"]["value"]), t[3] - t[0])


if __name__ == "__main__":
    tbtest.main()
