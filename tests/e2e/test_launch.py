"""packaging/qemu/launch.sh: each mode's QEMU command line (--dry-run), the C-bit from
CPUID evidence, bad usage, a clear refusal on a host without SEV before QEMU runs, direct
kernel boot, and the accelerator chosen by trying KVM (packaging/qemu/accel.sh)."""
import os
import shlex
import shutil
import subprocess
import time

import tbtest

LAUNCH = os.path.join(tbtest.SOURCE_ROOT, "packaging", "qemu", "launch.sh")
ACCEL = os.path.join(tbtest.SOURCE_ROOT, "packaging", "qemu", "accel.sh")
# The line QEMU 7.2 prints on a nested host before its assertion in kvm.c.
MSR_ERROR = "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69"
COMMON = ["--cbitpos", "51", "--reduced-phys-bits", "1", "--disk", "guest.qcow2",
          "--seed", "seed.iso", "--vcpus", "8", "--memory", "2048", "--ssh-port", "2201",
          "--ovmf", "/fw/OVMF.fd"]
# Evidence as `tinyben detect --save-evidence` writes it (DESIGN.md), from an SNP host:
# EBX 0x173 = C-bit 51 (bits 5:0), 5 reduced physical address bits (bits 11:6).
EVIDENCE = "cpuid.0x80000000.eax=0x80000028\ncpuid.0x8000001f.eax=0x0001789f\ncpuid.0x8000001f.ebx=0x00000173\n"


def launch(*args, env=None):
    # The command lines below are checked with KVM forced; the choice itself has its own tests.
    env = {**os.environ, "TINYBEN_QEMU_ACCEL": "kvm", **(env or {})}
    return subprocess.run([LAUNCH, *args], capture_output=True, text=True, timeout=60, env=env)


def fake_qemu(path, kvm):
    """A stand-in for qemu-system-x86_64 that lists CPU models, answers the accel.sh probe
    under KVM as `kvm` says ("works": exit 3 as the probe firmware would; "msr": QEMU's nested
    host failure) and records the arguments of a real start in path + ".args"."""
    probe = {"works": "exit 3",
             "msr": f'echo "{MSR_ERROR}" >&2; echo "kvm.c:3183: kvm_buf_set_msrs: Assertion" >&2; kill -ABRT $$'}[kvm]
    with open(path, "w") as f:
        f.write(f"""#!/bin/sh
case "$*" in
"-cpu help") printf 'x86 EPYC                  (alias)\nx86 EPYC-v4               AMD EPYC\nx86 max\n'; exit 0 ;;
*isa-debug-exit*) {probe} ;;
esac
printf '%s\n' "$@" > "{path}.args"
""")
    os.chmod(path, 0o755)


def dry(mode, *extra):
    p = launch(mode, "--dry-run", *COMMON, *extra)
    assert p.returncode == 0, p.stderr
    argv = shlex.split(p.stdout)
    opts = {}
    i = 1
    while i < len(argv):
        if argv[i] == "-nographic":
            opts[argv[i]] = [True]
            i += 1
            continue
        assert argv[i].startswith("-") and not argv[i + 1].startswith("-"), argv[i:i + 2]
        opts.setdefault(argv[i], []).append(argv[i + 1])
        i += 2
    return argv, opts


class Launch(tbtest.TempDirTest):
    def disk(self):
        """An empty raw disk: a real start needs one that exists (the fake QEMU never reads it)."""
        path = self.path("d.img")
        open(path, "w").close()
        return path

    def common(self, argv, opts):
        self.assertEqual(argv[0], "qemu-system-x86_64")
        self.assertTrue(opts["-machine"][0].startswith("q35"))
        self.assertEqual(opts["-smp"], ["8"])
        self.assertEqual(opts["-m"], ["2048"])
        self.assertEqual(opts["-accel"], ["kvm"])
        self.assertEqual(opts["-bios"], ["/fw/OVMF.fd"])
        self.assertIn("if=none,id=disk0,format=qcow2,file=guest.qcow2", opts["-drive"])
        self.assertIn("if=none,id=seed0,format=raw,readonly=on,file=seed.iso", opts["-drive"])
        self.assertIn("user,id=net0,hostfwd=tcp:127.0.0.1:2201-:22", opts["-netdev"])
        # identical devices in every mode, usable by an encrypted guest
        for d in opts["-device"]:
            self.assertIn("iommu_platform=true", d)

    def test_plain(self):
        argv, opts = dry("plain", "--pidfile", "/run/q.pid")
        self.assertEqual(opts["-pidfile"], ["/run/q.pid"])
        self.common(argv, opts)
        self.assertEqual(opts["-machine"], ["q35"])
        self.assertNotIn("-object", opts)
        self.assertNotIn("sev", " ".join(argv[1:]).replace("tinyben-plain", ""))

    def test_plain_swiotlb_shows_both_settings(self):
        """#25: a plain guest whose virtio devices use the DMA API (iommu_platform) and whose
        kernel bounces every buffer (swiotlb=force): the bounce-buffer cost on its own."""
        argv, opts = dry("plain-swiotlb", "--kernel", "img.vmlinuz", "--append", "root=LABEL=r console=ttyS0",
                         "--kernel-args", "idle=poll")
        self.common(argv, opts)
        self.assertEqual(opts["-machine"], ["q35"])
        self.assertNotIn("-object", opts)
        self.assertEqual(opts["-append"], ["root=LABEL=r console=ttyS0 swiotlb=force idle=poll"])
        self.assertEqual(opts["-name"], ["tinyben-plain-swiotlb"])
        # plain differs only there
        _, plain = dry("plain", "--kernel", "img.vmlinuz", "--append", "root=LABEL=r console=ttyS0")
        self.assertEqual(plain["-append"], ["root=LABEL=r console=ttyS0"])
        self.assertEqual(plain["-device"], opts["-device"])

    def test_kernel_args_after_the_image_command_line(self):
        with open(self.path("img.cmdline"), "w") as f:
            f.write("root=LABEL=tinyben-root rw console=ttyS0\n")
        p = launch("plain", "--dry-run", "--disk", "g.qcow2", "--kernel", self.path("img.vmlinuz"),
                   "--kernel-args", "idle=poll mitigations=off")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("-append 'root=LABEL=tinyben-root rw console=ttyS0 idle=poll mitigations=off'", p.stdout)

    def test_sev(self):
        argv, opts = dry("sev")
        self.common(argv, opts)
        self.assertEqual(opts["-machine"], ["q35,confidential-guest-support=sev0"])
        self.assertEqual(opts["-object"], ["sev-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,policy=0x1"])

    def test_sev_es_sets_policy_bit_2(self):
        argv, opts = dry("sev-es")
        self.common(argv, opts)
        self.assertEqual(opts["-machine"], ["q35,confidential-guest-support=sev0"])
        obj = opts["-object"][0]
        self.assertTrue(obj.startswith("sev-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,"))
        policy = int(obj.split("policy=")[1], 16)
        self.assertTrue(policy & 0x4, "SEV-ES policy bit 2")

    def test_sev_snp(self):
        argv, opts = dry("sev-snp")
        self.common(argv, opts)
        self.assertEqual(opts["-machine"],
                         ["q35,confidential-guest-support=sev0,memory-backend=ram1"])
        self.assertEqual(opts["-object"], [
            "memory-backend-memfd,id=ram1,size=2048M,share=true,prealloc=false",
            "sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=1,policy=0x30000"])

    def test_cbit_from_cpuid_evidence(self):
        ev = self.path("evidence.txt")
        with open(ev, "w") as f:
            f.write(EVIDENCE)
        p = launch("sev-snp", "--dry-run", "--evidence", ev, "--ssh-port", "0", "--disk", "d.img")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=5,policy=0x30000", p.stdout)
        self.assertNotIn("-netdev", p.stdout)
        # an override wins over CPUID
        p = launch("sev", "--dry-run", "--evidence", ev, "--cbitpos", "47", "--disk", "d.img")
        self.assertIn("cbitpos=47,reduced-phys-bits=5", p.stdout)

    def test_evidence_without_sev_refuses(self):
        ev = self.path("evidence.txt")
        with open(ev, "w") as f:
            f.write("cpuid.0x8000001f.eax=0x00000000\ncpuid.0x8000001f.ebx=0x00000000\n")
        p = launch("sev", "--dry-run", "--evidence", ev, "--disk", "d.img")
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot read the C-bit position", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_paths_with_commas_and_spaces(self):
        argv, opts = dry("plain", "--disk", "my disk,1.img")
        self.assertIn("if=none,id=disk0,format=raw,file=my disk,,1.img", opts["-drive"])

    def test_bad_usage(self):
        cases = [([], "needs a MODE"), (["tdx"], "unknown MODE 'tdx'"),
                 (["plain", "--vcpus", "x"], "--vcpus 'x'"),
                 (["plain", "--memory", "12"], "--memory '12'"),
                 (["sev", "--cbitpos", "7"], "--cbitpos '7'"),
                 (["sev", "--policy", "5"], "--policy '5'"),
                 (["plain", "--bogus"], "unknown option '--bogus'"),
                 (["plain", "--accel", "hvf"], "accelerator 'hvf'"),
                 (["plain", "--initrd", "i.gz"], "--initrd, --append and --kernel-args need --kernel"),
                 (["plain", "--dry-run", "--disk", "d.img", "--kernel-args", "idle=poll"], "need --kernel"),
                 (["plain-swiotlb", "--dry-run", "--disk", "d.img"], "plain-swiotlb needs --kernel"),
                 (["plain", "--dry-run", "--kernel", "vmlinuz"], "--kernel needs --append"),
                 (["plain", "sev"], "unexpected argument 'sev'"),
                 # nothing to boot: QEMU would wait at "No bootable device" for ever
                 (["plain"], "needs --disk IMG or --kernel FILE"),
                 (["plain", "--dry-run", "--seed", "seed.iso"], "needs --disk IMG or --kernel FILE"),
                 (["sev-snp", "--cbitpos", "51", "--reduced-phys-bits", "1"], "needs --disk IMG or --kernel FILE")]
        tbtest.assert_usage_errors(self, cases, command=launch, one_line=False)

    def test_host_without_sev_says_so_before_qemu(self):
        if os.path.exists("/dev/sev") and os.access("/dev/kvm", os.W_OK):
            self.skipTest("this host has SEV and KVM")
        marker = self.path("qemu-ran")
        fake = self.path("fake-qemu")
        with open(fake, "w") as f:
            # answers the "-object help" probe, records any real start
            f.write(f'#!/bin/sh\ncase "$*" in *"-object help"*) exit 0;; esac\ntouch {marker}\n')
        os.chmod(fake, 0o755)
        for mode in ("sev", "sev-es", "sev-snp"):
            with self.subTest(mode=mode):
                p = launch(mode, "--qemu", fake, "--cbitpos", "51", "--reduced-phys-bits", "1",
                           "--disk", self.disk())
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn(f"cannot start a {mode} guest on this host", p.stderr)
                self.assertIn("/dev/sev", p.stderr)
                self.assertFalse(os.path.exists(marker), "QEMU was started anyway")

    def test_direct_kernel_boot(self):
        argv, opts = dry("plain", "--kernel", "img.vmlinuz", "--initrd", "img.initrd",
                         "--append", "root=LABEL=r rw console=ttyS0")
        self.assertEqual(opts["-kernel"], ["img.vmlinuz"])
        self.assertEqual(opts["-initrd"], ["img.initrd"])
        self.assertEqual(opts["-append"], ["root=LABEL=r rw console=ttyS0"])
        # build-image.sh's IMAGE.cmdline is the default command line for IMAGE.vmlinuz,
        # whatever disk (a thin copy of IMAGE.qcow2) the guest boots
        with open(self.path("img.cmdline"), "w") as f:
            f.write("root=LABEL=tinyben-root rw console=ttyS0\n")
        p = launch("plain", "--dry-run", "--disk", "guest1.qcow2", "--kernel", self.path("img.vmlinuz"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("-append 'root=LABEL=tinyben-root rw console=ttyS0'", p.stdout)

    def boot_log_qemu(self, hold):
        """A QEMU whose console shows a Debian guest's milestones, then holds for `hold` s."""
        fake = self.path("qemu-console")
        with open(fake, "w") as f:
            f.write(f"""#!/bin/sh
case "$*" in "-cpu help") printf 'x86 EPYC\\nx86 EPYC-v4\\nx86 max\\n'; exit 0 ;; esac
echo $$ > {self.path("qemu.pid")}
printf 'SeaBIOS (version 1.16.2-debian-1.16.2-1)\\r\\n'
sleep 0.2
printf '[    0.000000] Linux version 6.1.0-27-cloud-amd64 (debian-kernel@lists.debian.org)\\r\\n'
sleep 0.2
printf '[    2.935811] Run /init as init process\\r\\n'
sleep 0.2
printf '[   35.310000] cloud-init[512]: Cloud-init v. 22.4.2 finished at Wed, 02 Dec 2026 06:12:09 +0000. Up 35.27 seconds\\r\\n'
printf 'tb-cloud login: '
exec sleep {hold}
""")
        os.chmod(fake, 0o755)
        return fake

    def test_boot_log(self):
        """#26: --boot-log dates the milestones on the console, on the host's uptime clock,
        and passes the console through unchanged."""
        fake = self.boot_log_qemu(hold=0)
        log = self.path("boot.log")
        with open("/proc/uptime") as f:
            before = float(f.read().split()[0])
        p = launch("plain", "--qemu", fake, "--disk", self.disk(), "--ssh-port", "0", "--boot-log", log,
                   env={"TINYBEN_QEMU_ACCEL": "tcg"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("SeaBIOS (version"), repr(p.stdout))
        self.assertTrue(p.stdout.endswith("Up 35.27 seconds\ntb-cloud login: "), repr(p.stdout))  # text mode: \\r\\n is \\n
        with open(log) as f:
            lines = [l.split() for l in f.read().splitlines()]
        self.assertEqual([l[0] for l in lines], ["qemu-start", "first-serial-byte", "kernel", "init", "cloud-init-final"])
        times = [float(l[1]) for l in lines]
        self.assertEqual(times, sorted(times))
        self.assertGreaterEqual(times[0], before)
        self.assertGreaterEqual(times[3] - times[1], 0.35)  # the console's pauses
        # the guest's tinyben reads it
        out = self.path("boot.csv")
        r = tbtest.run("run", "-q", "-b", "cc.boot", "--set", "cc.boot.host_log=" + log, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        host = {row["variant"]: row for row in tbtest.read_csv(out) if row["variant"].startswith("host-")}
        self.assertEqual(host["host-ssh-login"]["status"], "skipped")  # nobody logged in
        self.assertAlmostEqual(float(host["host-init"]["value"]), times[3] - times[0], places=6)

    def test_boot_log_stop_stops_qemu(self):
        fake = self.boot_log_qemu(hold=60)
        log = self.path("boot.log")
        env = {**os.environ, "TINYBEN_QEMU_ACCEL": "tcg"}
        p = subprocess.Popen([LAUNCH, "plain", "--qemu", fake, "--disk", self.disk(), "--ssh-port", "0",
                              "--boot-log", log], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not (os.path.exists(log) and "cloud-init-final" in open(log).read()):
                time.sleep(0.1)
            with open(self.path("qemu.pid")) as f:
                qemu = int(f.read())
            p.terminate()
            self.assertEqual(p.wait(timeout=20), 143)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and os.path.exists(f"/proc/{qemu}"):
            time.sleep(0.1)
        self.assertFalse(os.path.exists(f"/proc/{qemu}"), "QEMU outlived launch.sh")

    def test_forced_accelerator(self):
        fake = self.path("qemu")
        fake_qemu(fake, kvm="msr")
        for how in ({"env": {"TINYBEN_QEMU_ACCEL": "tcg"}}, {"args": ["--accel", "tcg"]}):
            with self.subTest(how=how):
                p = launch("plain", "--dry-run", "--disk", "d.img", "--qemu", fake, *how.get("args", []),
                           env=how.get("env"))
                self.assertEqual(p.returncode, 0, p.stderr)
                # TCG has no host CPU to pass through: the default model becomes "max"
                self.assertIn(" -accel tcg -cpu max ", p.stdout)
        p = launch("plain", "--dry-run", "--disk", "d.img", "--qemu", fake, "--accel", "tcg", "--cpu", "EPYC")
        self.assertIn(" -accel tcg -cpu EPYC ", p.stdout)
        # forced KVM is not probed: the nested failure of the fake does not show
        p = launch("plain", "--dry-run", "--disk", "d.img", "--qemu", fake, env={"TINYBEN_QEMU_ACCEL": "kvm"})
        self.assertIn(" -accel kvm -cpu EPYC-v4 ", p.stdout)
        self.assertNotIn("MSR", p.stderr)
        p = launch("plain", "--qemu", fake, "--disk", self.disk(), env={"TINYBEN_QEMU_ACCEL": "nope"})
        self.assertEqual(p.returncode, 2)
        self.assertIn("TINYBEN_QEMU_ACCEL", p.stderr)
        # memory encryption needs KVM
        p = launch("sev-snp", "--dry-run", "--disk", "d.img", "--accel", "tcg", "--cbitpos", "51", "--reduced-phys-bits", "1")
        self.assertEqual(p.returncode, 2)
        self.assertIn("sev-snp needs KVM", p.stderr)

    def needs_kvm_device(self):
        if not (os.access("/dev/kvm", os.R_OK) and os.access("/dev/kvm", os.W_OK)):
            self.skipTest("no read-write /dev/kvm: accel.sh falls back without probing")

    def launch_on_fake_kvm(self, kvm, accel):
        """launch.sh plain on a fake QEMU whose KVM does `kvm` (fake_qemu), with
        TINYBEN_QEMU_ACCEL=accel; it must succeed. The process and the arguments QEMU got."""
        self.needs_kvm_device()
        fake = self.path("qemu")
        fake_qemu(fake, kvm=kvm)
        p = launch("plain", "--qemu", fake, "--ssh-port", "0", "--disk", self.disk(),
                   env={"TINYBEN_QEMU_ACCEL": accel})
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(fake + ".args") as f:
            return p, f.read().split("\n")

    def test_failed_kvm_launch_falls_back_to_tcg_with_qemus_reason(self):
        p, args = self.launch_on_fake_kvm("msr", "auto")
        notes = [l for l in p.stderr.splitlines() if "KVM does not work" in l]
        self.assertEqual(len(notes), 1, p.stderr)
        self.assertIn("failed to set MSR 0x10a", notes[0])
        self.assertIn("using TCG", notes[0])
        self.assertNotIn("Assertion", p.stderr)
        self.assertEqual(args[args.index("-accel") + 1], "tcg")
        self.assertEqual(args[args.index("-cpu") + 1], "max")

    def test_working_kvm_is_used(self):
        p, args = self.launch_on_fake_kvm("works", "")
        self.assertEqual(p.stderr, "")
        self.assertEqual(args[args.index("-accel") + 1], "kvm")
        self.assertEqual(args[args.index("-cpu") + 1], "EPYC-v4")

    def test_probe_firmware_runs_in_real_qemu(self):
        """The probe's decision rests on its firmware reaching the exit port: run it in the
        real QEMU under TCG (a wrapper swaps the accelerator) and accel.sh must answer kvm."""
        self.needs_kvm_device()
        real = shutil.which("qemu-system-x86_64")
        if not real:
            self.skipTest("no qemu-system-x86_64 (scripts/install-deps.sh installs qemu-system-x86)")
        wrapper = self.path("qemu-tcg")
        with open(wrapper, "w") as f:
            f.write(f'#!/bin/sh\nfor a; do shift; case "$a" in kvm) a=tcg;; host) a=max;; esac; set -- "$@" "$a"; done\nexec {real} "$@"\n')
        os.chmod(wrapper, 0o755)
        env = dict(os.environ, TINYBEN_QEMU_ACCEL="auto")
        p = subprocess.run([ACCEL, "--qemu", wrapper], capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "kvm\n", ""))
        # and a QEMU that cannot start the probe is a fallback, not a "kvm"
        p = subprocess.run([ACCEL, "--qemu", wrapper, "--cpu", "no-such-cpu"], capture_output=True,
                           text=True, env=env, timeout=120)
        self.assertEqual(p.stdout, "tcg\n")
        self.assertIn("no-such-cpu", p.stderr)

    def test_probe_bytes_are_accel_probe_s(self):
        """accel.sh embeds the assembled accel-probe.S: the two must not drift apart."""
        if not (shutil.which("as") and shutil.which("ld")):
            self.skipTest("no binutils (as, ld) to assemble accel-probe.S")
        src = os.path.join(os.path.dirname(ACCEL), "accel-probe.S")
        obj, binary = self.path("p.o"), self.path("p.bin")
        subprocess.run(["as", "--32", "-o", obj, src], check=True, timeout=60)
        subprocess.run(["ld", "-m", "elf_i386", "-Ttext=0xffff0000", "-e", "0xffff0000",
                        "--oformat", "binary", "-o", binary, obj], check=True, timeout=60)
        with open(ACCEL) as f:
            script = f.read()
        start = script.index("\ncode=")
        end = script.index('} >"$tmp/probe.bin"')
        made = self.path("embedded.bin")
        body = script[start:end] + '} >"' + made + '"\n'
        subprocess.run(["bash", "-c", body], check=True, timeout=60)
        with open(binary, "rb") as a, open(made, "rb") as b:
            self.assertTrue(a.read() == b.read(), "accel.sh's probe bytes are not accel-probe.S")


if __name__ == "__main__":
    tbtest.main()
