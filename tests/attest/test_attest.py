"""tinyben detect / attest end to end: the level on this machine, evidence files, report
parsing and signature checks from real reports, and one-line errors with exit 2."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import snpforge
import tbtest

HERE = os.path.join(tbtest.SOURCE_ROOT, "tests", "attest", "fixtures")
# CI puts a copy of shared/ beside the clone; the tests also run from our own copy.
SHARED = os.path.join(tbtest.SOURCE_ROOT, "..", "shared", "fixtures", "attest")
FIXTURE_DIRS = [HERE] + ([SHARED] if os.path.isdir(SHARED) else [])
LEVELS = {"none", "sev", "sev-es", "sev-snp", "tdx", "unknown"}
SNP_KEYS = ["version", "guest_svn", "policy", "family_id", "image_id", "vmpl", "signature_algo",
            "current_tcb", "platform_info", "report_data", "measurement", "host_data",
            "id_key_digest", "author_key_digest", "report_id", "report_id_ma", "reported_tcb",
            "chip_id", "committed_tcb", "launch_tcb", "signature_r", "signature_s"]
MEASUREMENT = ("b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b"
               "6bdf8a9ece31a5a608eb0cf2e4872b01")


def fx(name, d=HERE):
    return os.path.join(d, name)


def expected_level():
    """An independent opinion: systemd-detect-virt --cvm where it knows --cvm, else the
    kernel's own cpuinfo flags (a guest shows sev/sev_es/sev_snp/tdx_guest)."""
    sdv = shutil.which("systemd-detect-virt")
    if sdv:
        p = subprocess.run([sdv, "--cvm"], capture_output=True, text=True)
        if "unrecognized option" not in p.stderr:
            return p.stdout.strip() or "none"
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((l.split(":", 1)[1].split() for l in f if l.startswith("flags")), [])
    except OSError:
        return None
    if "hypervisor" not in flags:
        return "none"
    for flag, level in (("tdx_guest", "tdx"), ("sev_snp", "sev-snp"), ("sev_es", "sev-es"),
                        ("sev", "sev")):
        if flag in flags:
            return level
    return "none"


class Detect(tbtest.TempDirTest):
    def test_this_machine(self):
        p = tbtest.run("detect")
        self.assertEqual(p.returncode, 0, p.stderr)
        level = p.stdout.splitlines()[0]
        self.assertIn(level, LEVELS)
        self.assertIn("decided by", p.stdout)
        want = expected_level()
        if want is not None:
            self.assertEqual(level, want)

    def test_json(self):
        p = tbtest.run("detect", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        d = json.loads(p.stdout)
        self.assertIn(d["level"], LEVELS)
        self.assertIsInstance(d["features"], list)
        self.assertIn("c_bit", d)
        self.assertIn("msr", d["sources"])
        self.assertIsInstance(d["evidence"]["kmsg"], list)
        text = tbtest.run("detect").stdout.splitlines()[0]
        self.assertEqual(d["level"], text)

    def test_save_that_cannot_be_written_is_removed(self):
        # A full disk (here a file size limit) cuts the evidence short: exit 1, one line,
        # and no torn evidence file that a later --evidence would read as the whole record.
        import resource

        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
        out = self.path("ev.txt")
        p = subprocess.run([tbtest.TINYBEN, "detect", "--save-evidence", out],
                           capture_output=True, text=True, timeout=60, preexec_fn=small_files)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("File too large", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertFalse(os.path.exists(out))

    def test_save_refuses_overwrite_and_round_trips(self):
        out = self.path("ev.txt")
        p = tbtest.run("detect", "--save-evidence", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            saved = f.read()
        self.assertRegex(saved, r"(?m)^cpuid\.0x0\.ebx=0x[0-9a-f]{8}$")
        for line in saved.splitlines():
            self.assertIn("=", line)
        p = tbtest.run("detect", "--save-evidence", out)
        self.assertEqual(p.returncode, 2)
        self.assertIn("already exists", p.stderr)
        with open(out) as f:
            self.assertEqual(f.read(), saved)
        self.assertEqual(tbtest.run("detect", "--save-evidence", out, "--force").returncode, 0)
        live = tbtest.run("detect").stdout.splitlines()[0]
        p = tbtest.run("detect", "--evidence", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.splitlines()[0], live)

    def test_fixtures(self):
        for name, level in [("sev.evidence", "sev"), ("sev-es.evidence", "sev-es"),
                            ("sev-snp.evidence", "sev-snp"), ("tdx.evidence", "tdx"),
                            ("azure-snp.evidence", "sev-snp"), ("empty.evidence", "unknown"),
                            ("none-kvm.evidence", "none")]:
            p = tbtest.run("detect", "--evidence", fx(name))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.splitlines()[0], level, name)
        p = tbtest.run("detect", "--json", "--evidence", fx("sev-snp.evidence"))
        d = json.loads(p.stdout)
        self.assertEqual(d["features"], ["SEV", "SEV-ES", "SEV-SNP", "DebugSwap"])
        self.assertEqual(d["c_bit"], 51)
        self.assertEqual(d["decided_by"], "msr")

    def test_bad_number_names_its_line(self):
        # Every evidence error names its line, a value that is not a number too.
        for name, line in (("bad-number.evidence-bad", 1), ("bad-msr-number.evidence-bad", 4)):
            p = tbtest.run("detect", "--evidence", fx(name))
            self.assertEqual(p.returncode, 2, name)
            self.assertIn("line %d:" % line, p.stderr, name)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        path = self.path("late.evidence")
        with open(path, "w") as f:
            f.write("# comment\n\ncpuid.0x0.eax=0x10\nmsr.0xc0010131=0x3\ncpuid.0x1.ecx=12q\n")
        p = tbtest.run("detect", "--evidence", path)
        self.assertEqual(p.returncode, 2)
        self.assertIn("line 5: cpuid.0x1.ecx=12q", p.stderr)

    def test_conflict_is_a_warning(self):
        p = tbtest.run("detect", "--evidence", fx("snp-lying-cpuid.evidence"))
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout.splitlines()[0], "sev-snp")
        self.assertIn("CPUID says none", p.stderr)

    def test_bad_evidence(self):
        for name in ("bad-line.evidence-bad", "bad-number.evidence-bad", "does-not-exist"):
            p = tbtest.run("detect", "--evidence", fx(name))
            self.assertEqual(p.returncode, 2, name)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertEqual(p.stdout, "")

    def test_rows_carry_the_level_quietly(self):
        level = tbtest.run("detect").stdout.splitlines()[0]
        p = tbtest.run("run", "-b", "mem.mbw", "--quick", "-r", "1",
                       "--set", "mem.mbw.size_mib=1")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = tbtest.parse_csv(p.stdout)
        self.assertTrue(rows)
        self.assertEqual({r["cc_level"] for r in rows}, {level})
        self.assertNotIn("conflicting", p.stderr)


class Show(tbtest.TempDirTest):
    def test_snp_json(self):
        for d in FIXTURE_DIRS:
            p = tbtest.run("attest", "show", fx("snp-report-v2.bin", d), "--json")
            self.assertEqual(p.returncode, 0, p.stderr)
            r = json.loads(p.stdout)
            for k in SNP_KEYS:
                self.assertIn(k, r)
            self.assertEqual(r["version"], 2)
            self.assertEqual(r["policy"], 0xb0000)
            self.assertTrue(r["policy_decoded"]["debug"])
            self.assertTrue(r["policy_decoded"]["smt"])
            self.assertFalse(r["policy_decoded"]["migrate_ma"])
            self.assertEqual(r["measurement"], MEASUREMENT)
            self.assertTrue(r["report_data"].startswith("0102030405"))
            self.assertEqual(r["vmpl"], 0)
            self.assertEqual(r["signature_algo"], 1)
            self.assertEqual(len(r["chip_id"]), 128)
            self.assertIn("snp", r["reported_tcb_decoded"])

    def test_snp_v3_turin_and_v5(self):
        with open(fx("snp-report-v2.bin"), "rb") as f:
            raw = bytearray(f.read())
        raw[0] = 3
        raw[0x188] = 0x1A  # Turin: TCB bytes are FMC, bootloader, TEE, SNP, ..., microcode
        raw[0x38:0x40] = bytes([1, 2, 3, 4, 0, 0, 0, 0x44])
        path = self.path("v3.bin")
        with open(path, "wb") as f:
            f.write(raw)
        r = json.loads(tbtest.run("attest", "show", path, "--json").stdout)
        self.assertEqual(r["version"], 3)
        self.assertEqual(r["cpuid_fam_id"], 0x1A)
        self.assertEqual(r["current_tcb_decoded"],
                         {"fmc": 1, "bootloader": 2, "tee": 3, "snp": 4, "microcode": 0x44})
        self.assertNotIn("launch_mit_vector", r)
        raw[0] = 5
        raw[0x1F8:0x200] = (7).to_bytes(8, "little")
        with open(path, "wb") as f:
            f.write(raw)
        r = json.loads(tbtest.run("attest", "show", path, "--json").stdout)
        self.assertEqual(r["version"], 5)
        self.assertEqual(r["launch_mit_vector"], 7)
        self.assertIn("current_mit_vector", r)

    def test_snp_hex_text(self):
        with open(fx("snp-report-v2.bin"), "rb") as f:
            raw = f.read()
        path = self.path("r.hex")
        with open(path, "w") as f:
            f.write("\n".join(raw[i:i + 32].hex() for i in range(0, len(raw), 32)) + "\n")
        p = tbtest.run("attest", "show", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("measurement: " + MEASUREMENT, p.stdout)
        # the same text saved by a Windows editor: a byte-order mark first, CRLF line ends
        with open(path, "w", encoding="utf-8-sig", newline="\r\n") as f:
            f.write("\n".join(raw[i:i + 32].hex() for i in range(0, len(raw), 32)) + "\n")
        p = tbtest.run("attest", "show", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("measurement: " + MEASUREMENT, p.stdout)

    def test_tdx(self):
        p = tbtest.run("attest", "show", fx("tdx-tdreport.bin"), "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        self.assertEqual(r["type"], "tdx")
        self.assertEqual(r["report_type"], 0x81)
        self.assertEqual(len(r["mrtd"]), 96)
        self.assertIn("rtmr3", r)

    def test_bad_input(self):
        with open(fx("snp-report-v2.bin"), "rb") as f:
            raw = f.read()
        cases = {
            "truncated.bin": raw[:1000],
            "long.bin": raw + b"\0",
            "garbage.hex": b"zz" * 1184,
            "odd.hex": raw.hex()[:-1].encode(),
            "v9.bin": bytes([9]) + raw[1:],
            "empty.bin": b"",
        }
        for name, data in cases.items():
            path = self.path(name)
            with open(path, "wb") as f:
                f.write(data)
            p = tbtest.run("attest", "show", path)
            self.assertEqual(p.returncode, 2, name)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, (name, p.stderr))
            self.assertEqual(p.stdout, "", name)
        self.assertEqual(tbtest.run("attest", "show").returncode, 2)
        self.assertEqual(tbtest.run("attest", "show", self.path("missing")).returncode, 2)

    def test_silent_pipe_is_interruptible(self):
        # `attest show <(slow command)`: a report read from a pipe that never delivers
        # ends at the first SIGTERM (exit 130), whether the writer has opened it or not.
        fifo = self.path("fifo")
        os.mkfifo(fifo)
        readers = [["attest", "show", fifo], ["detect", "--evidence", fifo]]
        # verify reads the VCEK only when built with libcrypto (else it refuses at once).
        if not tbtest.verify_needs_crypto(self, tbtest.run("attest", "verify", fx("snp-report-v2.bin"),
                                                           "--vcek", fx("snp-report-v2.vcek.der"))):
            readers.append(["attest", "verify", fx("snp-report-v2.bin"), "--vcek", fifo])
        for writer in (False, True):
            w = os.open(fifo, os.O_RDWR) if writer else None  # open, silent writer
            try:
                for args in readers:
                    p = interrupted_after(0.5, *args)
                    self.assertEqual(p.returncode, 130, (writer, args, p.stderr))
                    self.assertIn("interrupted", p.stderr, args)
                    self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            finally:
                if w is not None:
                    os.close(w)


class Verify(tbtest.TempDirTest):
    def setUp(self):
        super().setUp()
        p = self.verify(fx("snp-report-v2.bin"))
        if "built without libcrypto" in p.stderr:
            self.assertEqual(p.returncode, 1)
            self.skipTest("tinyben built without libcrypto (-Dcrypto=disabled)")

    def verify(self, report, *extra):
        # The fixture VCEK is valid 2022-09-24..2029-09-24: judged at a time inside it.
        return tbtest.run("attest", "verify", report, "--vcek", fx("snp-report-v2.vcek.der"),
                          "--at", "2025-06-01", *extra)

    def test_valid_and_chain(self):
        for d in FIXTURE_DIRS:
            p = self.verify(fx("snp-report-v2.bin", d))
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertTrue(p.stdout.startswith("valid"))
            # The VCEK's hwID and SPL extensions name this report's chip_id and reported_tcb.
            self.assertIn("VCEK matches chip_id and reported_tcb", p.stdout)
            p = self.verify(fx("snp-report-v2.bin", d), "--chain", fx("milan-ask-ark.pem", d))
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("chain valid", p.stdout)

    def test_one_flipped_bit_fails(self):
        with open(fx("snp-report-v2.bin"), "rb") as f:
            raw = bytearray(f.read())
        raw[0x90] ^= 0x80  # one bit of the measurement
        path = self.path("flipped.bin")
        with open(path, "wb") as f:
            f.write(raw)
        p = self.verify(path)
        self.assertEqual(p.returncode, 1)
        self.assertIn("INVALID", p.stdout)

    def test_bad_input(self):
        self.assertEqual(self.verify(fx("tdx-tdreport.bin")).returncode, 2)
        p = tbtest.run("attest", "verify", fx("snp-report-v2.bin"))
        self.assertEqual(p.returncode, 2)
        p = tbtest.run("attest", "verify", fx("snp-report-v2.bin"), "--vcek",
                       fx("tdx-tdreport.bin"))
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)


class BoundResults(unittest.TestCase):
    """The reader's check: a report signed by a test hierarchy (ARK, ASK, VCEK with AMD's
    hwID and TCB extensions) binds a results CSV; `verify --bound` confirms exactly that file,
    and `show --kds-url` names the VCEK to fetch."""

    @classmethod
    def setUpClass(cls):
        if shutil.which("openssl") is None:
            raise unittest.SkipTest("no openssl command to make the test key hierarchy")
        cls.tmp = tempfile.TemporaryDirectory(prefix="tbtest-attest-")
        d = cls.tmp.name
        cls.h = snpforge.Hierarchy(os.path.join(d, "keys"))
        cls.csv = os.path.join(d, "results.csv")
        with open(cls.csv, "w") as f:
            f.write(tbtest.run("run", "-b", "mem.mbw", "--quick", "-r", "1",
                               "--set", "mem.mbw.size_mib=1").stdout)
        cls.report = os.path.join(d, "r.bin")
        with open(cls.report, "wb") as f:
            f.write(cls.h.sign(cls.h.report(snpforge.sha512_file(cls.csv))))
        p = tbtest.run("attest", "verify", cls.report, "--vcek", cls.h.path("vcek.der"))
        if "built without libcrypto" in p.stderr:
            raise unittest.SkipTest("tinyben built without libcrypto (-Dcrypto=disabled)")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def verify(self, *extra, report=None):
        return tbtest.run("attest", "verify", report or self.report, "--vcek",
                          self.h.path("vcek.der"), *extra)

    def test_certificate_dates_are_checked_now_or_at_a_given_time(self):
        now = self.verify("--chain", self.h.path("chain.pem"))
        self.assertEqual(now.returncode, 0, now.stdout + now.stderr)
        self.assertRegex(now.stdout, r"certificate dates checked at \d{4}-\d\d-\d\dT[\d:]+Z "
                         r"\(now\)")
        # The test hierarchy is valid for 30 days from its making.
        cases = [
            (["--at", "2016-01-01"], "VCEK is not valid before"),
            (["--at", time.strftime("%Y-%m-%d", time.gmtime(time.time() + 60 * 86400))],
             "VCEK is expired since"),
            (["--vcek", self.h.resign("vcek", "20150101000000Z", "20160101000000Z")],
             "VCEK is expired since 2016-01-01T00:00:00Z"),
            (["--vcek", self.h.resign("vcek", "20990101000000Z", "21000101000000Z")],
             "VCEK is not valid before 2099-01-01T00:00:00Z"),
            (["--chain", self.h.resign("ask", "20150101000000Z", "20160101000000Z")],
             "ASK is expired since 2016-01-01T00:00:00Z"),
        ]
        for extra, says in cases:
            with self.subTest(extra=extra):
                p = self.verify(*extra)
                self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
                self.assertTrue(p.stdout.startswith("INVALID: " + says), p.stdout)
        ok = self.verify("--at", "@" + str(int(time.time()) + 86400))
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("(--at)", ok.stdout)
        tbtest.assert_usage_errors(self, [(["attest", "verify", self.report, "--vcek",
                                            self.h.path("vcek.der"), "--at", bad],
                                           "--at '%s': expected" % bad)
                                          for bad in ("yesterday", "2026-13-01", "@-5", "")])

    def test_bound_file_chain_and_signature(self):
        p = self.verify("--chain", self.h.path("chain.pem"), "--bound", self.csv)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertTrue(p.stdout.startswith("valid: "), p.stdout)
        self.assertIn("chain valid", p.stdout)
        self.assertIn("report_data = SHA-512 of " + self.csv, p.stdout)
        r = json.loads(tbtest.run("attest", "show", self.report, "--json").stdout)
        self.assertEqual(r["report_data"], snpforge.sha512_file(self.csv).hex())

    def test_one_changed_byte_of_the_csv_fails(self):
        with open(self.csv, "rb") as f:
            data = bytearray(f.read())
        for where in (0, len(data) // 2, len(data) - 2):
            changed = bytearray(data)
            changed[where] ^= 0x01
            path = os.path.join(self.tmp.name, "changed.csv")
            with open(path, "wb") as f:
                f.write(changed)
            p = self.verify("--chain", self.h.path("chain.pem"), "--bound", path)
            self.assertEqual(p.returncode, 1, where)
            self.assertTrue(p.stdout.startswith("INVALID: report_data is not SHA-512"), p.stdout)
        # One byte more (a row appended) is another file too.
        with open(path, "wb") as f:
            f.write(data + b"\n")
        self.assertEqual(self.verify("--bound", path).returncode, 1)

    def test_chain_file_that_also_holds_the_vcek(self):
        # `cat vcek.pem ask.pem ark.pem > chain.pem` is a complete chain, not a broken one:
        # the VCEK in it is not mistaken for the ASK.
        import ssl
        with open(self.h.path("vcek.der"), "rb") as f:
            vcek_pem = ssl.DER_cert_to_PEM_cert(f.read())
        with open(self.h.path("chain.pem")) as f:
            chain = f.read()
        full = os.path.join(self.tmp.name, "full-chain.pem")
        for text in (vcek_pem + chain, chain + vcek_pem):
            with open(full, "w") as f:
                f.write(text)
            p = self.verify("--chain", full, "--bound", self.csv)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("chain valid", p.stdout)

    def test_amd_milan_chain_rejects_the_test_vcek(self):
        for d in FIXTURE_DIRS:
            p = self.verify("--chain", fx("milan-ask-ark.pem", d), "--bound", self.csv)
            self.assertEqual(p.returncode, 1, p.stdout)
            self.assertIn("VCEK is NOT signed by the ASK", p.stdout)

    def test_a_forged_report_fails_even_when_bound(self):
        # Someone rewrites report_data to the hash of other results: the signature breaks.
        other = os.path.join(self.tmp.name, "other.csv")
        with open(other, "w") as f:
            f.write("not the measured results\n")
        with open(self.report, "rb") as f:
            raw = bytearray(f.read())
        raw[0x50:0x90] = snpforge.sha512_file(other)
        forged = os.path.join(self.tmp.name, "forged.bin")
        with open(forged, "wb") as f:
            f.write(raw)
        p = self.verify("--bound", other, report=forged)
        self.assertEqual(p.returncode, 1)
        self.assertIn("signature INVALID", p.stdout)

    def test_bound_bad_input(self):
        p = self.verify("--bound", os.path.join(self.tmp.name, "missing.csv"))
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertEqual(self.verify("--bound").returncode, 2)

    def test_bound_not_a_file(self):
        # A directory is named as one, not as an I/O error; for --bind as for --bound.
        for args in (["attest", "verify", self.report, "--vcek", self.h.path("vcek.der"),
                      "--bound", self.tmp.name], ["attest", "--bind", self.tmp.name]):
            p = tbtest.run(*args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn("is a directory", p.stderr.lower(), args)
            self.assertNotIn("Input/output", p.stderr, args)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_endless_bound_file_is_interruptible(self):
        # /dev/zero never ends: one SIGTERM must stop the hashing (exit 130), as it does
        # every other verb; so must a FIFO nobody writes to.
        fifo = os.path.join(self.tmp.name, "fifo")
        os.mkfifo(fifo)
        self.addCleanup(os.unlink, fifo)
        for bound in ("/dev/zero", fifo):
            for args in (["attest", "verify", self.report, "--vcek", self.h.path("vcek.der"),
                          "--bound", bound], ["attest", "--bind", bound]):
                p = interrupted_after(0.5, *args)
                self.assertEqual(p.returncode, 130, (args, p.stderr))
                self.assertIn("interrupted", p.stderr, args)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_kds_url(self):
        p = tbtest.run("attest", "show", self.report, "--kds-url")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "https://kdsintf.amd.com/vcek/v1/Milan/%s?blSPL=03&teeSPL=00"
                         "&snpSPL=08&ucodeSPL=115\n" % self.h.chip_id.hex())
        # A version 2 report carries no CPUID: the product must be named.
        v2 = fx("snp-report-v2.bin")
        p = tbtest.run("attest", "show", v2, "--kds-url")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--product", p.stderr)
        p = tbtest.run("attest", "show", v2, "--kds-url", "--product", "Milan")
        self.assertEqual(p.returncode, 0, p.stderr)
        chip = json.loads(tbtest.run("attest", "show", v2, "--json").stdout)["chip_id"]
        self.assertEqual(p.stdout, "https://kdsintf.amd.com/vcek/v1/Milan/%s?blSPL=02&teeSPL=00"
                         "&snpSPL=05&ucodeSPL=68\n" % chip)
        for bad in (["--product", "Genoa"], ["--product", "Rome"], ["--json"]):
            p = tbtest.run("attest", "show", self.report, "--kds-url", *bad)
            self.assertEqual(p.returncode, 2, bad)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertEqual(tbtest.run("attest", "show", fx("tdx-tdreport.bin"),
                                    "--kds-url").returncode, 2)
        # Turin's firmware writes version 3 and later, and its TCB has another layout: a
        # Turin URL for a version 2 report would name the wrong SPLs.
        p = tbtest.run("attest", "show", v2, "--kds-url", "--product", "Turin")
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertEqual(p.stdout, "")
        self.assertIn("version 2", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_kds_url_turin_vlek_and_masked_chip(self):
        raw = bytearray(self.h.report(b"", version=3))
        raw[0x188:0x18B] = bytes([0x1A, 0x02, 0x00])
        raw[0x180:0x188] = bytes([1, 4, 2, 5, 0, 0, 0, 0x50])  # FMC, BL, TEE, SNP, ..., ucode
        path = os.path.join(self.tmp.name, "turin.bin")
        with open(path, "wb") as f:
            f.write(raw)
        p = tbtest.run("attest", "show", path, "--kds-url")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "https://kdsintf.amd.com/vcek/v1/Turin/%s?fmcSPL=01&blSPL=04"
                         "&teeSPL=02&snpSPL=05&ucodeSPL=80\n" % self.h.chip_id[:8].hex())
        vlek = bytearray(raw)
        vlek[0x48] = 1 << 2  # SIGNING_KEY = VLEK
        masked = bytearray(raw)
        masked[0x1A0:0x1E0] = bytes(64)
        other = bytearray(raw)
        other[0x48] = 7 << 2  # SIGNING_KEY = 7: "none" (no signature)
        for name, data, why in (("vlek.bin", vlek, "VLEK"), ("masked.bin", masked, "chip_id"),
                                ("none.bin", other, "key type 7")):
            path = os.path.join(self.tmp.name, name)
            with open(path, "wb") as f:
                f.write(data)
            p = tbtest.run("attest", "show", path, "--kds-url")
            self.assertEqual(p.returncode, 2, name)
            self.assertIn(why, p.stderr)


def interrupted_after(delay, *args):
    """Run tinyben, send it one SIGTERM after delay seconds; a tinyben that ignores it is
    killed after 10 s more (the failure this guards against)."""
    p = subprocess.Popen([tbtest.TINYBEN, *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        p.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def run_stdout(stdout, *args):
    """Run tinyben with stdout on a given file object, or closed (None)."""
    def close_stdout():
        os.close(1)
    kw = {"preexec_fn": close_stdout} if stdout is None else {"stdout": stdout}
    return subprocess.run([tbtest.TINYBEN, *args], stderr=subprocess.PIPE, text=True,
                          timeout=60, **kw)


class StdoutErrors(unittest.TestCase):
    """Output that cannot be written is a failure (exit 1, one line), as compare does."""
    def cases(self):
        return [("detect",), ("detect", "--json"),
                ("detect", "--evidence", fx("sev-snp.evidence")),
                ("attest", "show", fx("snp-report-v2.bin")),
                ("attest", "show", fx("snp-report-v2.bin"), "--json"),
                ("attest", "show", fx("tdx-tdreport.bin")),
                ("list",), ("list", "--json"), ("list", "--options"),
                ("--help",), ("--version",), ("detect", "--help")]

    def test_dev_full(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        for args in self.cases():
            with open("/dev/full", "w") as full:
                p = run_stdout(full, *args)
            self.assertEqual(p.returncode, 1, (args, p.stderr))
            self.assertIn("No space left on device", p.stderr, args)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, (args, p.stderr))

    def test_closed_stdout(self):
        for args in self.cases():
            p = run_stdout(None, *args)
            self.assertEqual(p.returncode, 1, (args, p.stderr))
            self.assertIn("stdout", p.stderr, args)

    def test_usage_errors_stay_exit_2(self):
        with open("/dev/full", "w") as full:
            p = run_stdout(full, "detect", "--evidence", fx("bad-line.evidence-bad"))
        self.assertEqual(p.returncode, 2, p.stderr)


class Fetch(tbtest.TempDirTest):
    def test_no_hardware(self):
        if any(os.path.exists(x) for x in ("/dev/sev-guest", "/dev/tdx_guest",
                                           "/sys/kernel/config/tsm/report")):
            self.skipTest("this guest has an attestation interface")
        out = self.path("r.bin")
        p = tbtest.run("attest", "--report-data", "00ff", "-o", out)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no attestation interface", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)
        self.assertFalse(os.path.exists(out))

    def test_bad_usage(self):
        csv = self.path("a.csv")
        with open(csv, "w") as f:
            f.write("x\n")
        for args in (["--report-data", "xyz"], ["--report-data", "00" * 65],
                     ["--bind", self.path("missing")],
                     ["--bind", csv, "--report-data", "00"], ["bogus"]):
            p = tbtest.run("attest", *args)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, (args, p.stderr))
        existing = self.path("exists.bin")
        with open(existing, "w") as f:
            f.write("keep")
        p = tbtest.run("attest", "-o", existing)
        self.assertEqual(p.returncode, 2)
        with open(existing) as f:
            self.assertEqual(f.read(), "keep")
        # The report must not replace the results it is about, even with --force (also
        # through another name for the same file).
        link = self.path("same.csv")
        os.link(csv, link)
        for target in (csv, link):
            p = tbtest.run("attest", "--bind", csv, "-o", target, "--force")
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("--bind", p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            with open(csv) as f:
                self.assertEqual(f.read(), "x\n")


if __name__ == "__main__":
    tbtest.main()
