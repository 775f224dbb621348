"""End to end in a real guest: Debian's cloud kernel + the tinyben initramfs under QEMU
(KVM when it works, TCG otherwise): detect, a tiny benchmark subset on a virtio disk, the
canary found by scan on the QEMU process, then the same without /proc and /sys."""
import json
import os

import guest
import tbtest
from tbtest import parse_csv

# The quick subset the issue asks for; the test requires those this binary has, so it
# covers each benchmark as soon as it lands.
WANTED = ["mem.mbw", "cpu.lz4", "io.sqlite", "io.uring"]
CC_LEVELS = ("none", "sev", "sev-es", "sev-snp", "tdx", "unknown")
# Columns /init's guest can always fill, with a value or the word "unknown".
ENV_COLUMNS = ("host", "kernel", "cpu_model", "vcpus", "mem_mib", "cc_level")
BOOT_TIMEOUT = 75


# Tiny sizes so that TCG stays quick; applied to the options a benchmark has.
TINY = {
    "mem.mbw": {"size_mib": "4"},
    "cpu.lz4": {"size_mib": "2"},
    "io.sqlite": {"rows": "100", "wal_passes": "1"},
    "io.uring": {"size": "8M", "runtime_ms": "200", "ramp_ms": "50"},
}


def tiny_settings(benchmarks):
    """--set for each benchmark's tiny sizes (any other *_mib option: 4 MiB)."""
    out = []
    for name, entry in benchmarks.items():
        for o in entry.get("options", []):
            value = TINY.get(name, {}).get(o["name"])
            if value is None and o["type"] == "int" and o["name"].endswith("_mib"):
                value = str(max(int(o["min"]), 4))
            if value is not None:
                out += ["--set", f"{name}.{o['name']}={value}"]
    return out


class Guest(tbtest.TempDirTest):
    @classmethod
    def setUpClass(cls):
        tbtest.skip_if(guest.missing_prerequisite())
        listed = guest.listed_benchmarks()
        cls.benches = [b for b in WANTED if b in listed]
        missing = [b for b in WANTED if b not in listed]
        if missing:
            print(f"note: not in this binary yet, not checked: {', '.join(missing)}")
        cls.settings = tiny_settings({b: listed[b] for b in cls.benches})
        # lz4's high levels are seconds of pure CPU under TCG: one level shows it runs.
        cls.selection = [f"{b}:{listed[b]['variants'][0]}" if b == "cpu.lz4" else b
                         for b in cls.benches]
        cls.has_detect = guest.has_verb("detect")
        if not cls.has_detect:
            print("note: no detect verb in this binary yet: detect not checked, cc_level may be unknown")
        print(f"note: accelerator {guest.accelerator()}")

    def setUp(self):
        super().setUp()
        self.initrd = self.path("initrd.gz")
        guest.build_initramfs(self.initrd)
        self.disk = self.path("disk.img")
        guest.make_disk(self.disk)

    def commands(self, extra=()):
        cmds = []
        if self.has_detect:
            cmds.append(["detect", "--json"])
        cmds.append(["run", "-b", ",".join(self.selection), "--quick", "-r", "2",
                     "--min-time", "0.01", *self.settings])
        cmds += extra
        args = []
        for c in cmds:
            args += ([";"] if args else []) + c
        return args, len(cmds)

    def boot(self, init_opts, extra=()):
        args, n = self.commands(extra)
        console = self.path("console.log")
        if os.path.exists(console):
            os.unlink(console)
        cmd = guest.qemu_command(self.initrd, console, init_opts, args, disk=self.disk)
        return guest.Guest(cmd, console), n

    def check_run(self, text, run_no, unmounted):
        out, rc, err = guest.block(text, run_no)
        self.assertEqual(rc, 0, err)
        rows = parse_csv(out)
        for b in self.benches:
            mine = [r for r in rows if r["bench"] == b]
            self.assertTrue(mine, f"no rows for {b}:\n{err}")
            self.assertFalse([r for r in mine if r["status"] == "failed"], err)
            # a benchmark that only skipped did not show it works in a guest
            self.assertTrue([r for r in mine if r["status"] == "ok"], f"{b} only skipped:\n{err}")
        for r in rows:
            for col in ENV_COLUMNS:
                self.assertTrue(r[col], f"empty {col}")
            self.assertIn(r["cc_level"], CC_LEVELS)
            self.assertEqual(r["host"], "tb-plain")
            if self.has_detect and not unmounted:
                self.assertEqual(r["cc_level"], "none")
            else:
                # Without /proc and /sys only CPUID is left: "none" or "unknown", never a guess.
                self.assertIn(r["cc_level"], ("none", "unknown"))
        io = [r for r in rows if r["group"] == "io" and r["status"] == "ok"]
        if io:
            self.assertIn("TINYBEN-INIT disk=/dev/vda dir=/mnt", text)
        return rows

    def check_detect(self, text, unmounted):
        out, rc, err = guest.block(text, 1)
        self.assertEqual(rc, 0, err)
        try:
            d = json.loads(out)
        except ValueError:
            self.fail(f"detect --json printed no JSON:\n{out}")
        self.assertIn(d.get("level"), ("none", "unknown") if unmounted else ("none",), out)
        # Evidence keys are a contract (DESIGN.md): without sysfs a /sys path is not
        # "absent" but "unknown"; with sysfs mounted they are known (configfs, under
        # /sys/kernel/config, is a mount of its own and may stay unknown).
        sys_paths = {k: v for k, v in d.get("evidence", {}).items() if k.startswith("path./sys/")}
        if not sys_paths:
            print("note: detect --json shows no path./sys/ evidence: not checked")
        elif unmounted:
            self.assertEqual(set(sys_paths.values()), {"unknown"}, sys_paths)
        else:
            known = [k for k, v in sys_paths.items() if v in ("present", "absent")]
            self.assertTrue(known, sys_paths)

    def test_plain_guest_with_canary(self):
        g, n = self.boot(["--disk", "/dev/vda", "--hostname", "tb-plain"],
                         extra=[["canary", "--seconds", "120"]])
        try:
            m = g.wait_for(r"^(TBMARK-[0-9a-f]{32})$", BOOT_TIMEOUT)
            text = g.text()
            self.assertIn("TINYBEN-INIT mounts=proc,sys", text)
            if self.has_detect:
                self.check_detect(text, unmounted=False)
            self.check_run(text, n - 1, unmounted=False)
            # The QEMU process holds the plain guest's RAM: the planted form is there.
            p = tbtest.run("scan", "--pid", str(g.proc.pid), "--marker", m.group(1), timeout=60)
            if p.returncode == 2 and "permission" in p.stderr and os.geteuid() != 0:
                self.skipTest(f"scan needs ptrace rights here: {p.stderr.strip()}")
            print(f"scan of the QEMU process:\n{p.stdout}", end="")
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("marker visible: this guest's memory is readable by the host", p.stdout)
            # A marker no guest planted is not found: the hit above is not an accident.
            other = "TBMARK-" + "".join("%02x" % b for b in os.urandom(16))
            p = tbtest.run("scan", "--pid", str(g.proc.pid), "--marker", other, timeout=60)
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertRegex(p.stdout, r"^marker not found in \d+ MiB scanned$")
        finally:
            g.stop()

    def test_without_proc_and_sys(self):
        g, n = self.boot(["--no-mount", "--disk", "/dev/vda", "--hostname", "tb-plain"])
        try:
            g.wait(BOOT_TIMEOUT)
        finally:
            g.stop()
        text = g.text()
        self.assertIn("TINYBEN-INIT mounts=none", text)
        self.assertIn("TINYBEN-DONE", text)
        if self.has_detect:
            self.check_detect(text, unmounted=True)
        self.check_run(text, n, unmounted=True)


if __name__ == "__main__":
    tbtest.main()
