"""Every option of every shell script the user runs (packaging/ and scripts/), read from the
scripts themselves so that a new option is covered the day it is added: an option given last,
without its value, is one usage line and exit 2, never bash's "parameter null or not set"
(exit 1); and every option the parser knows is in the script's --help."""
import glob
import os
import re
import subprocess

import tbtest

ROOT = os.path.abspath(tbtest.SOURCE_ROOT)
# packaging/initramfs/init.sh is the guest's PID 1 (its options come from the kernel command
# line); scripts/lib.sh and packaging/lib.sh are sourced, not run.
NOT_RUN_BY_USERS = {"packaging/initramfs/init.sh", "scripts/lib.sh", "packaging/lib.sh"}
# The operands a script needs before its options are looked at.
LEADING = {"packaging/qemu/launch.sh": ["plain"]}
# The scripts #24 named: the scan must find them all, or it checks nothing.
NAMED = {"packaging/image/build-image.sh", "packaging/cloud-init/make-seed.sh",
         "packaging/qemu/launch.sh", "packaging/qemu/matrix.sh", "packaging/initramfs/build.sh",
         "packaging/qemu/accel.sh"}
# A case branch of the option loop: `\t-o|--output) ...`.
BRANCH = re.compile(r"^\t(-[-A-Za-z0-9|]*)\)\s*(.*)$", re.M)


def scripts():
    found = {}
    for pattern in ("packaging/**/*.sh", "scripts/*.sh"):
        for path in glob.glob(os.path.join(ROOT, pattern), recursive=True):
            rel = os.path.relpath(path, ROOT)
            if rel in NOT_RUN_BY_USERS:
                continue
            with open(path) as f:
                text = f.read()
            options = {}  # one branch's names (-o|--output) -> whether it takes a value
            for names, body in BRANCH.findall(text):
                options[tuple(names.split("|"))] = "$2" in body or "${2" in body
            if options:
                found[rel] = (text, options)
    return found


class ScriptOptions(tbtest.TempDirTest):
    def test_scan_finds_the_scripts(self):
        self.assertLessEqual(NAMED, set(scripts()))

    def test_option_without_its_value(self):
        checked = 0
        for rel, (_, options) in sorted(scripts().items()):
            for name in sorted(n for names, takes_value in options.items() if takes_value for n in names):
                with self.subTest(script=rel, option=name):
                    p = subprocess.run([os.path.join(ROOT, rel), *LEADING.get(rel, []), name],
                                       capture_output=True, text=True, timeout=60, cwd=self.tmp)
                    self.assertEqual(p.returncode, 2, p.stderr)
                    self.assertEqual(p.stdout, "")
                    lines = p.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, p.stderr)
                    self.assertIn(f"{name} needs ", lines[0])
                    self.assertTrue(lines[0].startswith(os.path.basename(rel) + ": "), lines[0])
                    self.assertNotRegex(lines[0], r"parameter null|unbound variable|line \d+|shift count")
                    checked += 1
        self.assertGreater(checked, 40, "fewer options than the scripts have: the scan is broken")

    def test_help_lists_every_option(self):
        for rel, (_, options) in sorted(scripts().items()):
            if rel == "scripts/fresh-root.sh":
                help_text = subprocess.run([os.path.join(ROOT, rel), "--nothing"], capture_output=True,
                                           text=True, timeout=60).stderr  # its usage line
            else:
                p = subprocess.run([os.path.join(ROOT, rel), *LEADING.get(rel, []), "--help"],
                                   capture_output=True, text=True, timeout=60, cwd=self.tmp)
                self.assertEqual(p.returncode, 0, f"{rel} --help: {p.stderr}")
                help_text = p.stdout
            for names in options:
                if "--help" in names:
                    continue
                with self.subTest(script=rel, option=names):
                    # one of its spellings (-o or --output) is enough
                    self.assertRegex(help_text, r"(?<![-\w])(" + "|".join(map(re.escape, names)) + r")(?![-\w])")


if __name__ == "__main__":
    tbtest.main()
