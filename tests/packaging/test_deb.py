#!/usr/bin/env python3
"""The Debian package: `dpkg-buildpackage -us -uc -b` builds it from a copy of the tree, lintian
finds no error, and installed with dpkg into a fresh root that holds nothing else, /usr/bin/tinyben
runs the quick suite (no /proc, no /dev, no shared library: the binary is static), with the man
page, the completion and the packaging scripts where the package says they are."""
import glob
import os
import shutil
import subprocess
import unittest

import tbtest

TOOLS = ("dpkg-buildpackage", "dh", "lintian", "chroot", "git")


def why_not():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        return "missing " + ", ".join(missing) + " (scripts/install-deps.sh installs them)"
    if os.geteuid() != 0:
        return "installing into a root and chroot need root"
    return None


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=kw.pop("timeout", 900), **kw)


class DebianPackage(tbtest.TempDirTest):
    def test_build_lint_install_run(self):
        # A copy of the tree as git sees it (committed or not, build folders left out), so the
        # package is built from the tree and writes its .deb into this temp dir, not beside it.
        src = self.path("tinyben")
        files = run(["git", "-C", tbtest.SOURCE_ROOT, "ls-files", "-co", "--exclude-standard", "-z"])
        self.assertEqual(files.returncode, 0, files.stderr)
        for rel in filter(None, files.stdout.split("\0")):
            path = os.path.join(tbtest.SOURCE_ROOT, rel)
            if rel.startswith("build") or not os.path.isfile(path):
                continue
            os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
            shutil.copy2(path, os.path.join(src, rel))
        # dh builds with one job unless told (debhelper compat 13); the CI host has 2 CPUs.
        env = dict(os.environ, DEB_BUILD_OPTIONS=f"parallel={os.cpu_count() or 1} nocheck")
        b = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env)
        self.assertEqual(b.returncode, 0, b.stdout[-3000:] + b.stderr[-3000:])
        debs = glob.glob(self.path("tinyben_*_amd64.deb"))
        self.assertEqual(len(debs), 1, os.listdir(self.tmp))
        deb = debs[0]

        lint = run(["lintian", "--allow-root", deb])
        errors = [l for l in lint.stdout.splitlines() if l.startswith("E:")]
        self.assertEqual(errors, [], lint.stdout)

        root = self.path("root")
        for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "tmp"):
            os.makedirs(os.path.join(root, d))
        for f in ("var/lib/dpkg/status", "var/lib/dpkg/available"):
            open(os.path.join(root, f), "w").close()
        i = run(["dpkg", "--root=" + root, "--log=/dev/null", "-i", deb])
        self.assertEqual(i.returncode, 0, i.stdout + i.stderr)
        for path in ("usr/bin/tinyben", "usr/share/man/man1/tinyben.1.gz",
                     "usr/share/bash-completion/completions/tinyben",
                     "usr/share/tinyben/qemu/launch.sh", "usr/share/tinyben/qemu/matrix.sh",
                     "usr/share/tinyben/image/build-image.sh",
                     "usr/share/tinyben/cloud-init/make-seed.sh",
                     "usr/share/tinyben/ansible/fleet.yml",
                     "usr/share/tinyben/ansible/roles/tinyben/tasks/main.yml",
                     "usr/share/tinyben/oci/Containerfile", "usr/share/tinyben/kubernetes/collect.sh"):
            self.assertTrue(os.path.exists(os.path.join(root, path)), path)
        for script in ("qemu/launch.sh", "qemu/matrix.sh", "image/build-image.sh", "cloud-init/make-seed.sh",
                       "oci/build.sh", "kubernetes/render.sh", "kubernetes/collect.sh"):
            self.assertTrue(os.access(os.path.join(root, "usr/share/tinyben", script), os.X_OK), script)

        q = run(["chroot", root, "/usr/bin/tinyben", "run", "--quick", "--dir", "/tmp"], timeout=600)
        self.assertEqual(q.returncode, 0, q.stderr[-3000:])
        rows = tbtest.parse_csv(q.stdout)
        listed = [l.split()[0] for l in tbtest.run("list").stdout.splitlines() if l[:1].strip()]
        for bench in listed:
            self.assertTrue([r for r in rows if r["bench"] == bench], f"no row of {bench}")
        self.assertTrue(tbtest.ok_rows(rows, bench="mem.mbw"))
        self.assertIn("samples ok", q.stderr)


if __name__ == "__main__":
    tbtest.main(unless=why_not())
