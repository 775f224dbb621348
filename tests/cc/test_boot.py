"""cc.boot end to end on recorded logs: a Debian 12 guest's kernel log, cloud-init's
boot-finished and the host's boot log become rows of one run, one `elapsed` sample per phase in
the order the boot passes them, tagged like the rest; a wrapped kernel log, a missing
cloud-init and a host log without a phase are skipped rows with the reason, a malformed host
log failed rows, an unreadable one exit 2 before anything runs; and on this system itself."""
import os

import tbtest

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
GUEST = ["kernel", "init", "root-mount", "cloud-init-final", "tinyben-start"]
HOST = ["host-first-serial-byte", "host-kernel", "host-init", "host-ssh-login", "host-cloud-init-final"]


class Boot(tbtest.TempDirTest):
    def boot(self, *sets, extra=(), rc=0):
        out = self.path("boot.csv")
        if os.path.exists(out):
            os.unlink(out)
        args = ["run", "-q", "-b", "cc.boot", "-o", out, *extra]
        for s in sets:
            args += ["--set", "cc.boot." + s]
        p = tbtest.run(*args)
        self.assertEqual(p.returncode, rc, p.stderr)
        return {r["variant"]: r for r in tbtest.read_csv(out)}

    def test_recorded_guest_and_host(self):
        rows = self.boot(f"kmsg={FIX}/kmsg-debian12.txt", f"cloud_init={FIX}/boot-finished",
                         f"host_log={FIX}/host-boot.log", extra=["--tag", "mode=plain-swiotlb", "-r", "3"])
        self.assertEqual(list(rows), GUEST + HOST)  # table order: the order of the boot
        for v, r in rows.items():
            self.assertEqual((r["status"], r["metric"], r["unit"]), ("ok", "elapsed", "s"), r)
            self.assertIn("tag.mode=plain-swiotlb", r["detail"].split())
        want = {"kernel": 0.0, "init": 2.935811, "root-mount": 4.870124, "cloud-init-final": 35.27,
                "host-first-serial-byte": 0.41, "host-kernel": 1.37, "host-init": 4.12,
                "host-cloud-init-final": 38.02, "host-ssh-login": 31.80}
        for v, t in want.items():
            self.assertAlmostEqual(float(rows[v]["value"]), t, places=6, msg=v)
        self.assertIn("source=file", rows["init"]["detail"].split())
        self.assertIn("source=boot-finished", rows["cloud-init-final"]["detail"].split())
        self.assertIn("source=host-log", rows["host-kernel"]["detail"].split())
        # one sample per phase: a boot happens once, whatever -r says
        out = tbtest.read_csv(self.path("boot.csv"))
        self.assertEqual(len(out), len(GUEST) + len(HOST))

    def test_recorded_files_with_a_byte_order_mark(self):
        """The three recorded files, saved by a Windows editor (a byte-order mark first, CRLF
        line ends), give the same rows as without (a BOM hid the kernel's banner, the
        boot-finished uptime and qemu-start)."""
        sets = []
        for opt, name in (("kmsg", "kmsg-debian12.txt"), ("cloud_init", "boot-finished"),
                          ("host_log", "host-boot.log")):
            with open(os.path.join(FIX, name), "rb") as f:
                data = f.read()
            with open(self.path(name), "wb") as f:
                f.write(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"))
            sets.append(f"{opt}={self.path(name)}")
        rows = self.boot(*sets)
        self.assertEqual(list(rows), GUEST + HOST)
        self.assertEqual({v: r["status"] for v, r in rows.items()},
                         {v: "ok" for v in GUEST + HOST}, rows)
        self.assertAlmostEqual(float(rows["cloud-init-final"]["value"]), 35.27, places=6)
        self.assertAlmostEqual(float(rows["host-kernel"]["value"]), 1.37, places=6)

    def test_what_is_missing_is_skipped_with_the_reason(self):
        hostlog = self.path("host.log")
        with open(hostlog, "w") as f:
            f.write("qemu-start 100\nfirst-serial-byte 100.5\n")
        rows = self.boot(f"kmsg={FIX}/kmsg-wrapped.txt", f"cloud_init={FIX}/../fixtures/kmsg-wrapped.txt",
                         f"host_log={hostlog}")
        for v in ("kernel", "init", "root-mount"):
            self.assertEqual(rows[v]["status"], "skipped")
            self.assertIn("the kernel log no longer starts at boot", rows[v]["detail"])
        self.assertEqual(rows["cloud-init-final"]["status"], "skipped")
        self.assertIn("not 'UPTIME - TIMESTAMP - v. VERSION'", rows["cloud-init-final"]["detail"])
        self.assertEqual(rows["tinyben-start"]["status"], "ok")
        self.assertEqual(rows["host-first-serial-byte"]["status"], "ok")
        self.assertEqual(rows["host-ssh-login"]["status"], "skipped")
        self.assertIn("the host's boot log has no 'ssh-login' line", rows["host-ssh-login"]["detail"])

    def test_malformed_host_log_fails_its_rows(self):
        hostlog = self.path("host.log")
        with open(hostlog, "w") as f:
            f.write("qemu-start 1\nkernel 1.0\nkernel soon\n")
        rows = self.boot(f"kmsg={FIX}/kmsg-debian12.txt", f"host_log={hostlog}", rc=1)  # a failed row
        self.assertEqual(rows["init"]["status"], "ok")
        for v in HOST:
            self.assertEqual(rows[v]["status"], "failed", v)
            self.assertIn("line 3: expected 'PHASE SECONDS'", rows[v]["detail"])
        # times without their origin are no timeline
        with open(hostlog, "w") as f:
            f.write("kernel 1.0\n")
        rows = self.boot(f"host_log={hostlog}", rc=1)
        self.assertIn("no 'qemu-start' line", rows["host-kernel"]["detail"])
        # a phase before QEMU started: another boot's log, not a negative time
        with open(hostlog, "w") as f:
            f.write("qemu-start 10\nkernel 5\n")
        rows = self.boot(f"host_log={hostlog}", rc=1)
        self.assertEqual(rows["host-kernel"]["status"], "failed")
        self.assertIn("'kernel 5' is before 'qemu-start 10'", rows["host-kernel"]["detail"])

    def test_unreadable_host_log_is_usage_error(self):
        tbtest.assert_usage_errors(self, [
            (["run", "-b", "cc.boot", "--set", "cc.boot.host_log=" + self.path("none.log")], "none.log"),
            (["run", "-b", "cc.boot", "--set", "cc.boot.kmsg=" + self.tmp], "cc.boot.kmsg"),
        ])

    def test_this_system(self):
        """No host rows without host_log; tinyben-start is after the kernel's phases it found."""
        rows = self.boot()
        self.assertEqual([v for v in rows if v.startswith("host-")], [])
        start = rows["tinyben-start"]
        self.assertEqual(start["status"], "ok")
        self.assertRegex(start["detail"], r"unaccepted_kib=(\d+|unknown)")
        for v in ("kernel", "init", "root-mount"):
            if rows[v]["status"] == "ok":
                self.assertLessEqual(float(rows[v]["value"]), float(start["value"]), v)
            else:  # no root here to read the log, or a wrapped log: said, not guessed
                self.assertTrue(rows[v]["detail"], v)


    def test_detect_records_the_time_since_boot(self):
        """#26: detect records, at its start, CLOCK_BOOTTIME and Unaccepted: in its evidence."""
        ev = self.path("ev.txt")
        with open("/proc/uptime") as f:
            before = float(f.read().split()[0])
        p = tbtest.run("detect", "--save-evidence", ev)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(ev) as f:
            items = dict(l.rstrip("\n").split("=", 1) for l in f if "=" in l)
        since = float(items["boot.since_boot_s"])
        self.assertGreaterEqual(since, before - 0.02)  # /proc/uptime has centiseconds
        self.assertLess(since, before + 30)
        self.assertRegex(items["boot.unaccepted_kib"], r"^(\d+|unknown)$")
        # the saved file still decides the level
        p = tbtest.run("detect", "--evidence", ev)
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    tbtest.main()
