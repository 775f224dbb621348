"""packaging/image/build-image.sh on bad input and faults: usage errors, no overwrite without
--force, too little free space, an archive that cannot be reached, a package the archive does
not have. Each refusal is one clear line, and nothing is left behind. (The image it builds is
booted by test_cloud.py.)"""
import os
import shutil
import subprocess

import tbtest

BUILD_IMAGE = os.path.join(tbtest.SOURCE_ROOT, "packaging", "image", "build-image.sh")


def build(*args, timeout=600):
    return subprocess.run([BUILD_IMAGE, *args], capture_output=True, text=True, timeout=timeout)


class BuildImage(tbtest.TempDirTest):
    def needs_root_and_mmdebstrap(self):
        if os.geteuid() != 0:
            self.skipTest("build-image.sh needs root")
        if not shutil.which("mmdebstrap"):
            self.skipTest("no mmdebstrap (scripts/install-deps.sh installs it)")

    def test_bad_usage(self):
        img = self.path("x.qcow2")
        cases = [([], "needs -o"), (["-o", self.path("x.img")], "must end in .qcow2"),
                 (["-o", img, "--size", "lots"], "--size 'lots'"),
                 (["-o", img, "--size", "512M"], "at least 1536M"),
                 (["-o", img, "--mirror", "deb.debian.org"], "is not a URL"),
                 (["-o", img, "--packages", "vim;reboot"], "--packages"),
                 (["-o", self.path("no/such/dir/x.qcow2")], "cannot write in"),
                 (["--bogus"], "unknown argument '--bogus'")]
        tbtest.assert_usage_errors(self, cases, command=build)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_no_overwrite_without_force(self):
        for name in ("guest.qcow2", "guest.initrd"):
            with self.subTest(existing=name):
                path = self.path(name)
                with open(path, "w") as f:
                    f.write("precious")
                p = build("-o", self.path("guest.qcow2"))
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(f"{path} already exists (use --force", p.stderr)
                with open(path) as f:
                    self.assertEqual(f.read(), "precious")
                os.unlink(path)

    def test_too_little_free_space_before_any_download(self):
        self.needs_root_and_mmdebstrap()
        small = self.path("small")
        os.mkdir(small)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", small],
                          capture_output=True).returncode != 0:
            self.skipTest("cannot mount a small tmpfs here")
        try:
            p = build("-o", os.path.join(small, "guest.qcow2"), timeout=60)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertRegex(p.stderr, r"only \d+ MiB free in .*; the build needs 2048 MiB")
            self.assertEqual(os.listdir(small), [])
        finally:
            subprocess.run(["umount", small], check=True)

    def test_unreachable_archive(self):
        self.needs_root_and_mmdebstrap()
        # Port 9 (discard) on the loopback: refused at once, no network needed.
        p = build("-o", self.path("guest.qcow2"), "--mirror", "http://127.0.0.1:9/debian",
                  "--security", "none", timeout=300)
        self.assertEqual(p.returncode, 1, p.stderr)
        last = p.stderr.strip().splitlines()[-1]
        self.assertIn("cannot reach Debian's archive for bookworm at http://127.0.0.1:9/debian", last)
        self.assertIn("packages come from there: ", last)
        self.assertIn("redis-server", last)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_missing_package_is_named(self):
        self.needs_root_and_mmdebstrap()
        if os.environ.get("TB_OFFLINE"):
            self.skipTest("TB_OFFLINE is set: Debian's archive is not reachable")
        p = build("-o", self.path("guest.qcow2"), "--packages", "tinyben-no-such-package",
                  timeout=600)
        self.assertEqual(p.returncode, 1, p.stderr)
        last = p.stderr.strip().splitlines()[-1]
        self.assertIn("has no package tinyben-no-such-package", last)
        self.assertEqual(os.listdir(self.tmp), [])


if __name__ == "__main__":
    tbtest.main()
