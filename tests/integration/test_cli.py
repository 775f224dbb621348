"""The CLI contract: help, version, list, run, output safety, exit codes, Ctrl-C."""
import json
import os
import signal
import stat
import subprocess
import sys

import tbtest
from tbtest import run, parse_csv, read_csv, ok_rows

MBW_TINY = ["-b", "mem.mbw", "--quick", "--set", "mem.mbw.size_mib=4", "--min-time", "0.01"]


class Cli(tbtest.TempDirTest):
    def test_help_and_version(self):
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        for verb in ("run", "list"):
            self.assertIn(verb, p.stdout)
        p = run("--version")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^tinyben \d+\.\d+\.\d+")

    def test_list_from_registry(self):
        p = run("list")
        self.assertEqual(p.returncode, 0)
        self.assertIn("mem.mbw", p.stdout)
        self.assertIn("MCBLOCK", p.stdout)
        p = run("list", "--json")
        entries = [json.loads(line) for line in p.stdout.splitlines()]
        mbw = [e for e in entries if e["name"] == "mem.mbw"][0]
        self.assertEqual(mbw["group"], "mem")
        self.assertEqual(mbw["variants"], ["MEMCPY", "DUMB", "MCBLOCK"])
        self.assertIn("size_mib", [o["name"] for o in mbw["options"]])
        names = [e["name"] for e in entries]
        self.assertEqual(names, sorted(names))

    def test_run_mbw_quick(self):
        p = run("run", *MBW_TINY)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        # 3 variants x 2 metrics x 3 reps
        self.assertEqual(len(rows), 18)
        for r in rows:
            self.assertEqual(r["status"], "ok")
            self.assertGreater(float(r["value"]), 0)
            self.assertEqual(r["group"], "mem")
            self.assertIn(r["better"], ("higher", "lower"))
        bw = ok_rows(rows, metric="bw")
        self.assertEqual({r["unit"] for r in bw}, {"MiB/s"})
        self.assertEqual(sorted({int(r["rep"]) for r in bw}), [1, 2, 3])
        self.assertEqual(len({r["run_id"] for r in rows}), 1)
        self.assertRegex(rows[0]["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertTrue(rows[0]["cc_level"] in ("none", "sev", "sev-es", "sev-snp", "tdx", "unknown"))
        self.assertIn("median", p.stderr)

    def test_reps_and_variant_selection(self):
        p = run("run", *MBW_TINY[:1], "mem.mbw:MEMCPY", *MBW_TINY[2:], "-r", "4")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual({r["variant"] for r in rows}, {"MEMCPY"})
        self.assertEqual(len(rows), 8)

    def test_run_ids_differ(self):
        a = parse_csv(run("run", "-b", "mem.mbw:MEMCPY", *MBW_TINY[2:]).stdout)
        b = parse_csv(run("run", "-b", "mem.mbw:MEMCPY", *MBW_TINY[2:]).stdout)
        self.assertNotEqual(a[0]["run_id"], b[0]["run_id"])

    def test_output_file_and_json(self):
        out = self.path("r.json")
        p = run("run", *MBW_TINY, "-o", out, "--tag", "guest=plain")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "")
        lines = open(out).read().splitlines()
        recs = [json.loads(line) for line in lines]
        self.assertEqual(len(recs), 18)
        self.assertEqual(list(recs[0].keys()), tbtest.HEADER)
        # boot_id, last: the kernel's id of this boot in every row (CSV and JSON alike)
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
        self.assertEqual({r["boot_id"] for r in recs}, {boot})
        self.assertEqual({r["boot_id"] for r in parse_csv(
            run("run", "-b", "mem.mbw:MEMCPY", *MBW_TINY[2:]).stdout)}, {boot})
        self.assertIsInstance(recs[0]["value"], float)
        self.assertIsInstance(recs[0]["rep"], int)
        # the extension decides whatever its case: R.JSONL is JSON Lines too
        out = self.path("R.JSONL")
        p = run("run", *MBW_TINY, "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len([json.loads(line) for line in open(out)]), 18)
        self.assertIn("tag.guest=plain", recs[0]["detail"])

    def test_existing_output_is_kept(self):
        out = self.path("keep.csv")
        with open(out, "w") as f:
            f.write("precious\n")
        p = run("run", *MBW_TINY, "-o", out)
        self.assertEqual(p.returncode, 2)
        self.assertIn("already exists", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)
        self.assertEqual(open(out).read(), "precious\n")
        p = run("run", *MBW_TINY, "-o", out, "--force")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(read_csv(out)), 18)

    def test_bad_usage_exit_2(self):
        cases = [
            (["run", "-b", "nosuch.bench"], "no benchmark matches"),
            (["run", "-r", "abc"], "-r 'abc'"),
            (["run", "-r", "0"], "-r '0'"),
            (["run", "--bogus"], "unknown option '--bogus'"),
            (["run", "--format", "xml"], "--format 'xml'"),
            (["run", "--set", "mem.mbw.size_mib=huge"], "not a whole number"),
            (["run", "--set", "mem.mbw.nosuch=1"], "has no option 'nosuch'"),
            (["run", "--set", "nosuch.x=1"], "unknown benchmark 'nosuch'"),
            (["run", "--threads", "zero"], "--threads 'zero'"),
            # the limits are named, so a user who asked for too many knows what to ask for
            (["run", "--threads", "100000"], "expected N from 1 to 4096"),
            (["run", "--threads", ",".join(str(n) for n in range(1, 18))],
             "a list of up to 16"),
            (["run", "--tag", "novalue"], "--tag 'novalue'"),
            (["run", "--tag", "k=caf\udcff"], "must be valid UTF-8"),
            # a control character would break the one-line error that names it, and the row
            (["run", *MBW_TINY, "--tag", "k=a\nb"],
             "--tag: KEY=VALUE must not hold control characters"),
            (["run", *MBW_TINY, "--tag", "k=a\x1b[2Jb"], "must not hold control characters"),
            (["run", "--dir", "/nonexistent/dir"], "--dir"),
            (["run", "-o", "/nonexistent/dir/x.csv", *MBW_TINY], "cannot create"),
            (["run", "-o", "/dev/null", *MBW_TINY], "not a regular file"),
            # after "--" a verb without operands has nothing to read: not a silent full suite
            (["run", "-q", "--", "-b", "x"], "run: unexpected argument '-b'"),
            (["list", "--", "foo"], "list: unexpected argument 'foo'"),
            (["nosuchverb"], "unknown verb"),
            (["list", "--bogus"], "unknown option"),
        ]
        tbtest.assert_usage_errors(self, cases)
        for args, _ in cases:
            self.assertEqual(run(*args).stdout, "", args)

    def test_every_verb_speaks_the_parser_wording(self):
        # One parser, one wording: the verbs that had their own getopt loops say a mistake
        # exactly as run and list do, and answer --help on stdout.
        needs_value = [(["compare"], "--format"), (["report"], "-o"), (["attest"], "--bind"),
                       (["attest", "show"], "--product"), (["attest", "verify"], "--vcek"),
                       (["detect"], "--evidence"), (["canary"], "--seconds"),
                       (["scan"], "--pid")]
        cases = []
        for verb, opt in needs_value:
            name = " ".join(verb)
            cases.append((verb + ["--bogus"],
                          f"{name}: unknown option '--bogus' (see 'tinyben {name} --help')"))
            cases.append((verb + [opt], f"{name}: option '{opt}' needs a value"))
        for verb in (["attest"], ["detect"], ["canary"], ["scan"]):
            name = " ".join(verb)
            cases.append((verb + ["stray"], f"{name}: unexpected argument 'stray'"))
        tbtest.assert_usage_errors(self, cases)
        for verb, _ in needs_value:
            with self.subTest(verb=verb):
                p = run(*verb, "--help")
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertTrue(p.stdout.startswith("usage: tinyben "), p.stdout)
                self.assertEqual(p.stderr, "")

    def test_unwritable_dir_is_bad_usage(self):
        # --dir that the user cannot create files in: exit 2 before anything runs, not a
        # failed io row after the rest (as root, tinyben runs as nobody so the check bites).
        d = self.path("ro")
        os.mkdir(d, 0o555)
        os.chmod(self.tmp, 0o711)  # nobody must reach ro to find it unwritable
        p = tbtest.run_unprivileged("run", "-b", "io.sqlite:batch", "-r", "1", "--set",
                                    "io.sqlite.rows=5", "--dir", d)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertEqual(p.stderr.strip().splitlines(),
                         [f"tinyben: run: --dir '{d}': not a directory this user can create "
                          "files in"])
        # a run that creates no file there does not care
        p = tbtest.run_unprivileged("run", "-b", "mem.mbw:MEMCPY", "--set", "mem.mbw.size_mib=1",
                                    "-r", "1", "--min-time", "0.01", "--dir", d)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_a_million_repetitions_run_until_interrupted(self):
        # -r accepts up to 1,000,000: the samples live on the heap, not on the stack.
        out = self.path("million.csv")
        # Rows reach the file when the variant ends, so the run is stopped after a while
        # (the crash this guards against came at once, exit 139).
        rc, _, err = tbtest.interrupt_after(
            ["run", "-b", "cpu.exits:rdtsc", "-r", "1000000", "--min-time", "0.0001",
             "-o", out], 1.5)
        self.assertEqual(rc, 130, err)
        self.assertTrue(all(r["status"] == "ok" for r in read_csv(out)))

    def test_every_row_variant_selects_back(self):
        # Whatever variant a row carries, -b BENCH:VARIANT runs that one alone: team rows
        # (MEMCPY-t2) too.
        tiny = ["--quick", "-r", "1", "--min-time", "0.005", "--set", "mem.mbw.size_mib=2",
                "--threads", "1,2"]
        rows = parse_csv(run("run", "-b", "mem.mbw", *tiny).stdout)
        variants = sorted({r["variant"] for r in rows})
        self.assertEqual(variants, ["DUMB-t1", "DUMB-t2", "MCBLOCK-t1", "MCBLOCK-t2",
                                    "MEMCPY-t1", "MEMCPY-t2"])
        for v in ("MEMCPY-t2", "DUMB-t1"):
            p = run("run", "-b", "mem.mbw:" + v, *tiny)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual({r["variant"] for r in parse_csv(p.stdout)}, {v})
        # as copied from the file, without repeating --threads: -tN says the team size
        for v in ("MEMCPY-t2", "DUMB-t1"):
            p = run("run", "-b", "mem.mbw:" + v, *tiny[:-2])
            self.assertEqual(p.returncode, 0, p.stderr)
            got = parse_csv(p.stdout)
            self.assertEqual({r["variant"] for r in got}, {v})
            self.assertIn(f"threads={v[-1]}", got[0]["detail"])

    def test_threads_on_a_benchmark_that_does_not_scale(self):
        # No -tN variant for a benchmark without a team: its one-thread rows say so.
        p = run("run", "-b", "cpu.exits:rdtsc", "--quick", "-r", "2", "--threads", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual({r["variant"] for r in rows}, {"rdtsc"})
        self.assertTrue(all("threads=not-applicable" in r["detail"] for r in rows))
        self.assertIn("--threads does not apply", p.stderr)

    def test_host_name_not_utf8_keeps_json_parsable(self):
        # The host name is any bytes sethostname() took; a private UTS namespace lets the
        # test set one that is not UTF-8 without touching the machine's.
        probe = subprocess.run(["unshare", "--uts", "true"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("cannot create a UTS namespace here (needs root)")
        code = ("import ctypes, os, sys; n = b'guest\\xff\\xc0x'; "
                "assert ctypes.CDLL(None).sethostname(n, len(n)) == 0; "
                "os.execv(sys.argv[1], sys.argv[1:])")
        out = self.path("host.json")
        p = subprocess.run(["unshare", "--uts", sys.executable, "-c", code, tbtest.TINYBEN,
                            "run", "-q", "--quick", "-b", "cpu.exits:rdtsc", "-o", out],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = [json.loads(line) for line in open(out, encoding="utf-8")]
        self.assertTrue(recs)
        self.assertEqual(recs[0]["host"], "guest??x")

    def test_file_name_not_utf8_keeps_rows_utf8(self):
        # A corpus whose name is not UTF-8 lands in detail: CSV gets '?', JSON U+FFFD.
        name = os.path.join(os.fsencode(self.tmp), b"c\xff.bin")
        with open(name, "wb") as f:
            f.write(os.urandom(65536))
        for fmt in ("csv", "json"):
            p = subprocess.run([os.fsencode(tbtest.TINYBEN), b"run", b"-q", b"--quick", b"-b",
                                b"cpu.lz4:level1", b"-r", b"1", b"--min-time", b"0.01",
                                b"--format", fmt.encode(), b"--corpus", name],
                               capture_output=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            text = p.stdout.decode("utf-8")  # raises on a stray byte
            if fmt == "csv":
                self.assertIn("corpus=" + self.tmp + "/c?.bin", parse_csv(text)[0]["detail"])
            else:
                rec = json.loads(text.splitlines()[0])
                self.assertIn("c\ufffd.bin", rec["detail"])

    def test_closed_stderr_keeps_messages_out_of_the_results(self):
        # With fd 2 closed, -o's file would become fd 2 and take the progress lines.
        out = self.path("x.csv")
        p = subprocess.run(["sh", "-c", f'"$0" run {" ".join(MBW_TINY)} -o "$1" 2>&-',
                            tbtest.TINYBEN, out], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0)
        rows = read_csv(out)
        self.assertTrue(ok_rows(rows))

    def test_unwritable_output_dir(self):
        # As root the check would never bite: the run drops to nobody, who owns nothing here.
        os.chmod(self.tmp, 0o755)
        d = self.path("ro")
        os.mkdir(d)
        os.chmod(d, stat.S_IRUSR | stat.S_IXUSR | stat.S_IROTH | stat.S_IXOTH)
        p = tbtest.run_unprivileged("run", *MBW_TINY, "-o", os.path.join(d, "x.csv"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(os.listdir(d), [])

    def test_sigint_keeps_valid_csv(self):
        out = self.path("int.csv")
        # 50 repetitions per variant: the signal arrives once MEMCPY's rows are written,
        # in the middle of DUMB, whose repetitions measured so far must be written too.
        args = ["run", "-b", "mem.mbw", "--set", "mem.mbw.size_mib=16", "-r", "50",
                "--min-time", "0.05", "-o", out]
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(sig=sig):
                if os.path.exists(out):
                    os.unlink(out)
                rc, _, err = tbtest.interrupt_when(
                    args, lambda: tbtest.line_count(out) > 1, sig=sig, cwd=self.tmp)
                self.assertEqual(rc, 130, err)
                rows = read_csv(out)
                self.assertEqual(len(ok_rows(rows, variant="MEMCPY")), 100)
                self.assertNotIn("MCBLOCK", {r["variant"] for r in rows})
                self.assertTrue(all(r["status"] == "ok" for r in rows))
                self.assertIn("interrupted", err)
                self.assert_no_leftovers(self.tmp, allowed=("int.csv",))


if __name__ == "__main__":
    tbtest.main()
