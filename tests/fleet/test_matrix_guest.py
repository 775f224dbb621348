"""packaging/qemu/matrix.sh on real guests: a two-entry matrix (plain, 1 and 2 vCPUs, small
memory, a tiny suite) with --parallel 2 under QEMU (KVM when it works, else TCG), guests of
packaging/image/build-image.sh's image booted with cloud-init seeds, measured through the
playbook: two result folders with CSV and evidence, the configured tags, a report whose runs
are the two configurations, and no QEMU left running.

The image is built once into the build folder (minutes: it comes from Debian's archive), in
the cache tests/e2e/test_cloud.py uses too, and reused; TINYBEN_GUEST_IMAGE=IMAGE.qcow2 names
one built before (with its IMAGE.vmlinuz and IMAGE.initrd beside it)."""
import hashlib
import os
import re
import subprocess
import sys
import time
import unittest

import tbtest

sys.path.insert(0, os.path.dirname(__file__))
import sshhosts  # noqa: E402

MATRIX = os.path.join(tbtest.SOURCE_ROOT, "packaging", "qemu", "matrix.sh")
BUILD_IMAGE = os.path.join(tbtest.SOURCE_ROOT, "packaging", "image", "build-image.sh")
# The same cache as tests/e2e/test_cloud.py: one image for both, rebuilt when build-image.sh
# changes (its SHA-256 in IMAGE.stamp).
CACHE = os.path.join(os.path.abspath(tbtest.BUILD_ROOT), "cloud-image")
IMAGE = os.path.join(CACHE, "debian-12.qcow2")


def stage(name, t0):
    print(f"stage {name}: {time.monotonic() - t0:.1f} s", file=sys.stderr)


def guest_image():
    """The image to boot, building it if needed; raises SkipTest when it cannot exist here."""
    given = os.environ.get("TINYBEN_GUEST_IMAGE")
    if given:
        if not os.path.exists(given):
            raise AssertionError(f"TINYBEN_GUEST_IMAGE={given}: no such file")
        return given
    if not os.path.exists(BUILD_IMAGE):
        raise unittest.SkipTest("no guest image builder in this tree (packaging/image/build-image.sh, issue 15)")
    with open(BUILD_IMAGE, "rb") as f:
        want = hashlib.sha256(f.read()).hexdigest()
    try:
        with open(IMAGE + ".stamp") as f:
            if f.read().strip() == want and os.path.exists(IMAGE):
                return IMAGE
    except FileNotFoundError:
        pass
    if os.geteuid() != 0:
        raise unittest.SkipTest("building the guest image needs root (or set TINYBEN_GUEST_IMAGE)")
    os.makedirs(CACHE, exist_ok=True)
    t0 = time.monotonic()
    p = subprocess.run([BUILD_IMAGE, "-o", IMAGE, "--force"], capture_output=True, text=True, timeout=1800)
    stage("build-image.sh", t0)
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        if p.returncode == 1 and ("cannot reach" in last or "no mmdebstrap" in last):
            raise unittest.SkipTest(f"cannot build the guest image here: {last}")
        raise AssertionError(f"build-image.sh exit {p.returncode}:\n{p.stderr[-3000:]}")
    with open(IMAGE + ".stamp", "w") as f:
        f.write(want + "\n")
    return IMAGE


class MatrixGuests(tbtest.TempDirTest):
    @classmethod
    def setUpClass(cls):
        tbtest.skip_if(sshhosts.missing_tools() or tbtest.missing_commands(
            {tool: "apt-get install qemu-system-x86 qemu-utils" for tool in ("qemu-system-x86_64", "qemu-img")}))
        cls.image = guest_image()

    def test_two_guests_parallel(self):
        with open(self.path("m.txt"), "w") as f:
            f.write("modes: plain\nvcpus: 1 2\nmemory: 768\n")
        env = dict(os.environ, ANSIBLE_HOME=self.path("ansible-home"), ANSIBLE_LOCAL_TEMP=self.path("ansible-local"),
                   ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", PWD=self.tmp, TMPDIR=self.tmp)
        t0 = time.monotonic()
        p = subprocess.run([MATRIX, "-m", "m.txt", "--image", self.image, "--tinyben", os.path.abspath(tbtest.TINYBEN),
                            "--parallel", "2", "--run-id", "g1", "--boot-timeout", "1200",
                            "--base-port", str(sshhosts.free_port() // 2 + 20000),
                            "--run-args", "run -b cpu.exits:getppid -r 2 --min-time 0.01"],
                           capture_output=True, text=True, timeout=2400, cwd=self.tmp, env=env)
        stage("matrix.sh, 2 guests, --parallel 2", t0)
        print(p.stdout + p.stderr, file=sys.stderr)
        self.assertEqual(p.returncode, 0)
        res = self.path("results")
        for vcpus in (1, 2):
            g = f"plain-{vcpus}c-768m"
            rows = tbtest.read_csv(os.path.join(res, g, f"{g}-g1.csv"))
            self.assertEqual(len(tbtest.ok_rows(rows, bench="cpu.exits")), 4)
            for r in rows:
                self.assertEqual((r["host"], r["vcpus"], r["cc_level"]), (g, str(vcpus), "none"))
                detail = r["detail"].split()
                for tag in (f"tag.guest={g}", "tag.mode=plain", f"tag.vcpus={vcpus}", "tag.memory_mib=768",
                            "tag.concurrency=parallel-2"):
                    self.assertIn(tag, detail)
            with open(os.path.join(res, g, f"{g}-g1.evidence")) as f:
                self.assertRegex(f.read(), r"(?m)^cpuid\.0x0\.eax=0x")
        with open(os.path.join(res, "report-g1.html")) as f:
            runs = re.findall(r'<tr><td class="n">\d+</td><td>guest=([^ <]+) \(', f.read())
        self.assertEqual(sorted(runs), ["plain-1c-768m", "plain-2c-768m"])
        self.assertEqual(sshhosts.processes_mentioning(self.tmp), [], "QEMU or a helper left running")


if __name__ == "__main__":
    tbtest.main()
