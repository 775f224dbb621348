"""The user's path end to end: a Debian 12 guest from packaging/image/build-image.sh, seeded by
make-seed.sh --ssh-key and started by launch.sh plain (KVM when it works, TCG otherwise), in
which cloud-init itself runs tinyben at first boot; then tinyben by hand over SSH, a new binary
copied in with scp, and compare and report of the two guest CSVs on the host; and the boot's
timeline from both sides (launch.sh --boot-log on the host, cc.boot in the guest): every phase
present and in order.

Everything runs on the host as root (the image builder needs it). The image is built once and
kept in the build directory (cloud-image/), rebuilt when build-image.sh changes.
TB_CLOUD_BOOT_TIMEOUT (seconds) bounds the wait for cloud-init."""
import atexit
import hashlib
import os
import signal
import subprocess
import sys
import time

import guest
import tbtest
from tbtest import read_csv

ROOT = tbtest.SOURCE_ROOT
BUILD_IMAGE = os.path.join(ROOT, "packaging", "image", "build-image.sh")
MAKE_SEED = os.path.join(ROOT, "packaging", "cloud-init", "make-seed.sh")
LAUNCH = os.path.join(ROOT, "packaging", "qemu", "launch.sh")
CACHE = os.path.join(os.path.abspath(tbtest.BUILD_ROOT), "cloud-image")
IMAGE = os.path.join(CACHE, "debian-12.qcow2")
HOSTNAME = "tb-cloud"
# What cloud-init's runcmd runs: one variant of each group's workloads, tiny sizes, so that
# the guest's part takes seconds even under TCG. io.redis is in: its rows must be ok.
FIRSTBOOT = {
    "mem.mbw:MEMCPY": ["mem.mbw.size_mib=4"],
    "cpu.lz4:level1": ["cpu.lz4.size_mib=2"],
    "io.sqlite:autocommit": ["io.sqlite.rows=100", "io.sqlite.wal_passes=1"],
    "io.redis:SET": ["io.redis.requests=2000", "io.redis.clients=4"],
}
SSH_OPTS = ["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"]


# QEMU must not outlive the test, whatever ends it: a failure (tearDown), Ctrl-C or meson's
# SIGTERM on a timeout (atexit, after SystemExit).
RUNNING = []


def stop_guests():
    # launch.sh --boot-log keeps QEMU as its child: SIGTERM lets it stop QEMU first.
    for proc in RUNNING:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


atexit.register(stop_guests)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def missing_prerequisite():
    if os.geteuid() != 0:
        return "build-image.sh needs root (mmdebstrap's root mode)"
    why = tbtest.missing_commands({tool: f"scripts/install-deps.sh installs {pkg}" for tool, pkg in (
        ("mmdebstrap", "mmdebstrap"), ("qemu-system-x86_64", "qemu-system-x86"), ("qemu-img", "qemu-utils"),
        ("genisoimage", "genisoimage"), ("ssh", "openssh-client"), ("ssh-keygen", "openssh-client"),
        ("mkfs.ext4", "e2fsprogs"))})
    if why:
        return why
    if not guest.is_static(tbtest.TINYBEN):
        return "tinyben is dynamically linked (sanitizer build): the guest needs the static one"
    return None


class Stages:
    """Prints how long each stage took (the suite's budget is read from these lines)."""

    def __init__(self):
        self.t = time.monotonic()

    def done(self, what):
        now = time.monotonic()
        print(f"stage {what}: {now - self.t:.1f} s", flush=True)
        self.t = now


def cached_image():
    """The guest image, rebuilt when build-image.sh changed since it was made."""
    with open(BUILD_IMAGE, "rb") as f:
        want = hashlib.sha256(f.read()).hexdigest()
    stamp = IMAGE + ".stamp"
    try:
        with open(stamp) as f:
            if f.read().strip() == want and os.path.exists(IMAGE):
                return False
    except FileNotFoundError:
        pass
    os.makedirs(CACHE, exist_ok=True)
    p = subprocess.run([BUILD_IMAGE, "-o", IMAGE, "--force"], capture_output=True, text=True,
                       timeout=1200)
    if p.returncode != 0:
        raise AssertionError(f"build-image.sh failed ({p.returncode}):\n{p.stderr[-3000:]}")
    with open(stamp, "w") as f:
        f.write(want + "\n")
    return True


class CloudGuest(tbtest.TempDirTest):
    @classmethod
    def setUpClass(cls):
        tbtest.skip_if(missing_prerequisite())

    def setUp(self):
        super().setUp()
        self.qemu = None
        self.stages = Stages()
        self.built = cached_image()
        self.stages.done("image (built)" if self.built else "image (cached)")

    def tearDown(self):
        # QEMU first (it holds the overlay), then the keys and disks with the temp dir.
        stop_guests()
        super().tearDown()

    def serial_tail(self, n=60):
        try:
            with open(self.path("serial.log"), "rb") as f:
                lines = f.read().decode("utf-8", "replace").replace("\r", "").splitlines()
        except FileNotFoundError:
            return "(no serial log)"
        return "\n".join(lines[-n:])

    def ssh(self, command, timeout=120, check=True):
        p = subprocess.run(["ssh", *SSH_OPTS, "-i", self.key, "-p", str(self.port),
                            "debian@127.0.0.1", command],
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            self.fail(f"ssh guest {command!r}: exit {p.returncode}\n{p.stdout}{p.stderr}")
        return p

    def scp(self, src, dst, timeout=120):
        p = subprocess.run(["scp", *SSH_OPTS, "-i", self.key, "-P", str(self.port), src, dst],
                           capture_output=True, text=True, timeout=timeout)
        self.assertEqual(p.returncode, 0, f"scp {src} {dst}: {p.stderr}")

    def boot(self):
        self.key = self.path("id_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tinyben-e2e",
                        "-f", self.key], check=True, timeout=60)
        disk = self.path("guest.qcow2")
        # A thin overlay: the cached image never sees a first boot.
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", IMAGE,
                        disk], check=True, timeout=60)
        seed = self.path("seed.iso")
        sets = [a for values in FIRSTBOOT.values() for v in values for a in ("--set", v)]
        run_args = " ".join(["run", "-b", ",".join(FIRSTBOOT), "--quick", "-r", "2",
                             "--min-time", "0.01", *sets])
        p = subprocess.run([MAKE_SEED, "-o", seed, "--tinyben", tbtest.TINYBEN, "--hostname",
                            HOSTNAME, "--ssh-key", self.key + ".pub", "--run-args", run_args,
                            "--tinyben-on-seed"], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.port = tbtest.free_port()
        base = IMAGE[:-len(".qcow2")]
        self.pidfile = self.path("qemu.pid")
        cmd = [LAUNCH, "plain", "--disk", disk, "--seed", seed, "--vcpus", "2", "--memory", "1024",
               # the command line comes from debian-12.cmdline beside the kernel
               "--kernel", base + ".vmlinuz", "--initrd", base + ".initrd",
               "--ssh-port", str(self.port), "--pidfile", self.pidfile, "--boot-log", self.path("boot.log")]
        with open(self.path("serial.log"), "wb") as log:
            # launch.sh execs QEMU: this process is QEMU once the checks are done.
            self.qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT)
        RUNNING.append(self.qemu)
        self.stages.done("seed and launch")

    def accelerator(self):
        """What launch.sh chose: its lines come before QEMU starts and writes its pid file."""
        deadline = time.monotonic() + 120
        while not os.path.exists(self.pidfile):
            if self.qemu.poll() is not None:
                self.fail(f"launch.sh failed ({self.qemu.returncode}):\n{self.serial_tail()}")
            if time.monotonic() > deadline:
                self.fail(f"QEMU not started after 120 s:\n{self.serial_tail()}")
            time.sleep(0.5)
        head = self.serial_tail(10**6).splitlines()[:5]
        notes = [l for l in head if l.startswith(("launch.sh:", "accel.sh:"))]
        for n in notes:
            print(n)
        tcg = any("using TCG" in n for n in notes) or os.environ.get("TINYBEN_QEMU_ACCEL") == "tcg"
        print(f"accelerator: {'tcg' if tcg else 'kvm'}")
        self.stages.done("accelerator chosen, QEMU started")
        return "tcg" if tcg else "kvm"

    def wait_for_cloud_init(self):
        """cloud-init done, bounded in time: a guest that never gets there (a broken
        user-data, a kernel that hangs) fails the test with its serial log tail."""
        tcg = self.accelerator() == "tcg"
        limit = float(os.environ.get("TB_CLOUD_BOOT_TIMEOUT", 720 if tcg else 240))
        deadline = time.monotonic() + limit
        reached_ssh = False
        while True:
            if self.qemu.poll() is not None:
                self.fail(f"QEMU exited ({self.qemu.returncode}) before cloud-init finished:\n"
                          f"{self.serial_tail()}")
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail(f"cloud-init not done after {limit:.0f} s "
                          f"({'SSH up' if reached_ssh else 'no SSH'}); serial log tail:\n"
                          f"{self.serial_tail()}")
            try:
                if not reached_ssh:
                    p = self.ssh("true", timeout=min(max(left, 1), 60), check=False)
                    if p.returncode == 255:  # sshd not up, or cloud-init has not set the key
                        time.sleep(3)
                        continue
                    reached_ssh = True
                    with open("/proc/uptime") as f, open(self.path("boot.log"), "a") as log:
                        log.write(f"ssh-login {f.read().split()[0]}\n")  # on launch.sh's clock
                    self.stages.done("boot to SSH")
                self.ssh("cloud-init status --wait", timeout=max(left, 1), check=False)
            except subprocess.TimeoutExpired:
                continue
            # 22.4 reports "error" as soon as one module failed, while later stages still
            # run: the boot is over only when boot-finished exists.
            done = self.ssh("test -e /var/lib/cloud/instance/boot-finished", check=False)
            if done.returncode == 0:
                status = self.ssh("cloud-init status --long", check=False).stdout
                self.assertIn("status: done", status, f"{status}\n{self.serial_tail()}")
                self.stages.done("cloud-init done")
                return
            time.sleep(3)

    def check_rows(self, rows, benches, what):
        self.assertTrue(rows, f"{what}: no rows")
        for b in benches:
            mine = [r for r in rows if r["bench"] == b]
            self.assertTrue(mine, f"{what}: no rows for {b}")
            bad = [(r["variant"], r["status"], r["detail"]) for r in mine if r["status"] != "ok"]
            self.assertEqual(bad, [], f"{what}: {b} rows not ok")
        for r in rows:
            self.assertEqual(r["cc_level"], "none", f"{what}: {r}")
            self.assertEqual(r["host"], HOSTNAME, f"{what}: {r}")

    def test_cloud_init_ssh_and_scp_in_a_debian_guest(self):
        self.boot()
        self.wait_for_cloud_init()

        # 1. cloud-init's runcmd ran tinyben at first boot
        first = self.path(f"{HOSTNAME}-none.csv")
        self.scp(f"debian@127.0.0.1:/var/lib/tinyben/{HOSTNAME}-none.csv", first)
        self.check_rows(read_csv(first), [b.split(":")[0] for b in FIRSTBOOT], "first boot")
        self.stages.done("first-boot CSV fetched")

        # 2. by hand over SSH
        p = self.ssh("tinyben run -b mem.mbw --quick -o x.csv", timeout=600)
        by_hand = self.path("by-hand.csv")
        self.scp("debian@127.0.0.1:x.csv", by_hand)
        self.check_rows(read_csv(by_hand), ["mem.mbw"], "over SSH")
        self.stages.done("tinyben over SSH")

        # 3. a new binary copied in with scp runs and reports its version
        self.scp(tbtest.TINYBEN, "debian@127.0.0.1:tinyben-new")
        version = tbtest.run("--version").stdout.strip()
        self.assertTrue(version.startswith("tinyben "), version)
        p = self.ssh("./tinyben-new --version")
        self.assertEqual(p.stdout.strip(), version)
        self.stages.done("scp of a new binary")

        # the two guest CSVs on the host
        p = tbtest.run("compare", first, by_hand)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("mem.mbw", p.stdout)
        report = self.path("report.html")
        p = tbtest.run("report", "-o", report, first, by_hand)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(report) as f:
            html = f.read()
        self.assertIn("<svg", html)
        self.assertIn(HOSTNAME, html)
        self.stages.done("compare and report")

        # 4. the boot's timeline from both sides: every phase there, in the order of a boot
        time.sleep(1)  # the console's last line (cloud-init's final message) into the log
        self.scp(self.path("boot.log"), "debian@127.0.0.1:host-boot.log")
        self.ssh("sudo tinyben run -q -b cc.boot --set cc.boot.host_log=host-boot.log --tag mode=plain "
                 "-o boot.csv", timeout=300)  # root: Debian's dmesg_restrict
        boot_csv = self.path("boot.csv")
        self.scp("debian@127.0.0.1:boot.csv", boot_csv)
        with open(self.path("boot.log")) as f:
            print("host boot log:\n" + f.read())
        rows = {r["variant"]: r for r in read_csv(boot_csv)}
        for r in rows.values():
            print(f"cc.boot {r['variant']}: {r['status']} {r['value']} {r['detail']}")
        self.check_rows(list(rows.values()), ["cc.boot"], "boot timeline")
        guest = ["kernel", "init", "root-mount", "cloud-init-final", "tinyben-start"]
        host = ["host-first-serial-byte", "host-kernel", "host-init", "host-cloud-init-final"]
        self.assertEqual(set(rows), set(guest + host + ["host-ssh-login"]))
        for order in (guest, host, ["host-init", "host-ssh-login"]):
            t = [float(rows[v]["value"]) for v in order]
            self.assertEqual(t, sorted(t), f"{order}: {t}")
        self.assertTrue(all("tag.mode=plain" in r["detail"].split() for r in rows.values()))
        self.stages.done("boot timeline")


if __name__ == "__main__":
    tbtest.main()
