#!/usr/bin/env python3
"""tinyben(1): built from the binary's own --help and list, so every verb, option, exit code,
benchmark and --set key is in it; man and groff format it without a warning; a verb the binary
gains appears without editing the generator."""
import os
import re
import subprocess
import sys
import textwrap
import unittest

import tbtest

MAN = os.path.join(tbtest.BUILD_ROOT, "tinyben.1")
MKMAN = os.path.join(tbtest.SOURCE_ROOT, "packaging", "man", "mkman.py")


def render(path):
    env = dict(os.environ, MANWIDTH="100", LC_ALL="C.UTF-8")
    return subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", path],
                          capture_output=True, text=True, env=env, timeout=60)


def verbs():
    top = tbtest.run("--help").stdout
    return re.findall(r"^  ([a-z][a-z-]*)\s{2,}", top, re.M)


class ManPage(tbtest.TempDirTest):
    def setUp(self):
        super().setUp()
        self.assertTrue(os.path.exists(MAN), f"{MAN} was not built")
        r = render(MAN)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.text = r.stdout
        self.warnings = r.stderr

    def test_formats_without_warnings(self):
        self.assertEqual(self.warnings, "", "man --warnings")
        r = subprocess.run(["groff", "-man", "-ww", "-z", MAN], capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stderr), (0, ""))

    def test_every_verb_and_its_options(self):
        names = verbs()
        self.assertIn("run", names)
        for verb in names:
            self.assertRegex(self.text, rf"(?m)^   {re.escape(verb)}$", f"no section for {verb}")
            usage = tbtest.run(verb, "--help").stdout
            for opt in set(re.findall(r"(?<![\w-])--?[a-zA-Z][\w-]*", usage)):
                self.assertIn(opt, self.text, f"{verb}: {opt} of --help missing from the man page")

    def test_exit_codes_benchmarks_and_set_keys(self):
        exit_status = self.text.split("EXIT STATUS")[1].split("ENVIRONMENT")[0]
        for code in ("0", "1", "2", "130"):
            self.assertRegex(exit_status, rf"(?m)^       {code}\s")
        for line in tbtest.run("list", "--json", "--options").stdout.splitlines():
            b = __import__("json").loads(line)
            self.assertIn(b["name"], self.text)
            for o in b["options"]:
                self.assertIn(f"{b['name']}.{o['name']}", self.text)
        for section in ("SYNOPSIS", "FILES", "ENVIRONMENT", "EXAMPLES"):
            self.assertRegex(self.text, rf"(?m)^{section}$")

    def test_same_as_generated_now(self):
        out = self.path("now.1")
        env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
        subprocess.run([sys.executable, MKMAN, tbtest.TINYBEN, out], check=True, env=env)
        with open(out) as a, open(MAN) as b:
            self.assertEqual(a.read(), b.read(), "build/tinyben.1 is stale")

    def test_a_new_verb_appears_by_itself(self):
        # A stand-in binary: tinyben's answers plus a verb `serve` with an option of its own.
        fake = self.path("tinyben")
        with open(fake, "w") as f:
            f.write(textwrap.dedent(f"""\
                #!/bin/sh
                if [ "$1" = --help ]; then
                    {tbtest.TINYBEN} --help | sed 's/^  run /  serve     answer a peer on --port\\n  run /'
                elif [ "$1" = serve ]; then
                    echo 'usage: tinyben serve [--port N]'
                    echo '      --port N       where to listen (default 5201)'
                else
                    exec {tbtest.TINYBEN} "$@"
                fi
                """))
        os.chmod(fake, 0o755)
        out = self.path("new.1")
        subprocess.run([sys.executable, MKMAN, fake, out], check=True)
        r = render(out)
        self.assertEqual(r.stderr, "")
        self.assertRegex(r.stdout, r"(?m)^   serve$")
        self.assertIn("--port N", r.stdout)
        self.assertIn("tinyben serve [--port N]", r.stdout)


if __name__ == "__main__":
    tbtest.main()
