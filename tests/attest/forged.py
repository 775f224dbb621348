"""A test case base for the emulated attestation paths: a test key hierarchy (snpforge), a report
template signed by it, and a small real results CSV to bind, made once per test class."""
import os
import tempfile
import unittest

import snpforge
import tbtest


def guestdev_unavailable(emul):
    """Why guestdev_emul (at path emul) cannot serve a command here, or None: it is not
    built, or seccomp user notification is unavailable (probed with a TDX template)."""
    if not emul or not os.access(emul, os.X_OK):
        return "guestdev_emul not built (needs libcrypto and linux/seccomp.h)"
    template = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "tdx-tdreport.bin")
    return tbtest.command_fails([emul, "--device", "tdx", "--template", template, "--", "true"],
                                "seccomp user notification unavailable")


class ForgedAttestCase(unittest.TestCase):
    prefix = "tbtest-attest-"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix=cls.prefix)
        cls.h = snpforge.Hierarchy(os.path.join(cls.tmp.name, "keys"))
        cls.template = os.path.join(cls.tmp.name, "template.bin")
        with open(cls.template, "wb") as f:
            f.write(cls.h.report())
        cls.csv = os.path.join(cls.tmp.name, "results.csv")
        p = tbtest.run("run", "-b", "mem.mbw", "--quick", "-r", "1", "--set",
                       "mem.mbw.size_mib=1", "-o", cls.csv)
        assert p.returncode == 0, p.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
