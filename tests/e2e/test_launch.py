"""packaging/qemu/launch.sh: each mode's QEMU command line (--dry-run), the C-bit from
CPUID evidence, bad usage, and a clear refusal on a host without SEV before QEMU runs."""
import os
import shlex
import subprocess

import tbtest

LAUNCH = os.path.join(tbtest.SOURCE_ROOT, "packaging", "qemu", "launch.sh")
COMMON = ["--cbitpos", "51", "--reduced-phys-bits", "1", "--disk", "guest.qcow2",
          "--seed", "seed.iso", "--vcpus", "8", "--memory", "2048", "--ssh-port", "2201",
          "--ovmf", "/fw/OVMF.fd"]
# Evidence as `tinyben detect --save-evidence` writes it (DESIGN.md), from an SNP host:
# EBX 0x173 = C-bit 51 (bits 5:0), 5 reduced physical address bits (bits 11:6).
EVIDENCE = "cpuid.0x80000000.eax=0x80000028\ncpuid.0x8000001f.eax=0x0001789f\ncpuid.0x8000001f.ebx=0x00000173\n"


def launch(*args, env=None):
    return subprocess.run([LAUNCH, *args], capture_output=True, text=True, timeout=30, env=env)


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
        p = launch("sev-snp", "--dry-run", "--evidence", ev, "--ssh-port", "0")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("sev-snp-guest,id=sev0,cbitpos=51,reduced-phys-bits=5,policy=0x30000", p.stdout)
        self.assertNotIn("-netdev", p.stdout)
        # an override wins over CPUID
        p = launch("sev", "--dry-run", "--evidence", ev, "--cbitpos", "47")
        self.assertIn("cbitpos=47,reduced-phys-bits=5", p.stdout)

    def test_evidence_without_sev_refuses(self):
        ev = self.path("evidence.txt")
        with open(ev, "w") as f:
            f.write("cpuid.0x8000001f.eax=0x00000000\ncpuid.0x8000001f.ebx=0x00000000\n")
        p = launch("sev", "--dry-run", "--evidence", ev)
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
                 (["plain", "sev"], "unexpected argument 'sev'")]
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
                p = launch(mode, "--qemu", fake, "--cbitpos", "51", "--reduced-phys-bits", "1")
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn(f"cannot start a {mode} guest on this host", p.stderr)
                self.assertIn("/dev/sev", p.stderr)
                self.assertFalse(os.path.exists(marker), "QEMU was started anyway")


if __name__ == "__main__":
    tbtest.main()
