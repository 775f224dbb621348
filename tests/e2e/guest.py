"""Boot Debian's cloud kernel with the tinyben initramfs under QEMU; shared by e2e tests."""
import functools
import glob
import json
import os
import re
import shutil
import subprocess
import time

import tbtest

QEMU = shutil.which("qemu-system-x86_64")
BUILD_SH = os.path.join(tbtest.SOURCE_ROOT, "packaging", "initramfs", "build.sh")
ACCEL_SH = os.path.join(tbtest.SOURCE_ROOT, "packaging", "qemu", "accel.sh")


def cloud_kernel():
    """Newest /boot/vmlinuz-*-cloud-amd64 (or $TB_E2E_KERNEL), with its version."""
    path = os.environ.get("TB_E2E_KERNEL")
    if not path:
        found = sorted(glob.glob("/boot/vmlinuz-*-cloud-amd64"))
        path = found[-1] if found else None
    if not path or not os.access(path, os.R_OK):
        return None, None
    return path, os.path.basename(path)[len("vmlinuz-"):]


@functools.lru_cache(maxsize=None)
def accelerator(cpu="host"):
    """"kvm" or "tcg", chosen by packaging/qemu/accel.sh: it tries KVM (a nested host can open
    /dev/kvm and still fail to run a vCPU) and says why it falls back; TINYBEN_QEMU_ACCEL
    forces one. Its one-line reason is passed on to the test's log."""
    p = subprocess.run([ACCEL_SH, "--qemu", QEMU or "qemu-system-x86_64", "--cpu", cpu],
                       capture_output=True, text=True, timeout=120)
    if p.stderr:
        print(p.stderr.strip())
    if p.returncode != 0 or p.stdout.strip() not in ("kvm", "tcg"):
        raise AssertionError(f"accel.sh failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout.strip()


def is_static(path):
    """ldd fails on a static executable; the initramfs has no C library for a dynamic one."""
    return subprocess.run(["ldd", path], capture_output=True).returncode != 0


def missing_prerequisite():
    """A reason the guest cannot be booted here, or None."""
    if not QEMU:
        return "no qemu-system-x86_64 (scripts/install-deps.sh installs qemu-system-x86)"
    if cloud_kernel()[0] is None:
        return "no readable /boot/vmlinuz-*-cloud-amd64 (install linux-image-cloud-amd64)"
    if not shutil.which("mkfs.ext4"):
        return "no mkfs.ext4 (e2fsprogs)"
    if not os.path.exists("/bin/busybox") or not is_static("/bin/busybox"):
        return "no static /bin/busybox (install busybox-static)"
    if not is_static(tbtest.TINYBEN):
        return "tinyben is dynamically linked (sanitizer build): the guest needs the static one"
    return None


def build_initramfs(out):
    _, kver = cloud_kernel()
    p = subprocess.run([BUILD_SH, "-o", out, "--tinyben", tbtest.TINYBEN,
                        "--kernel-version", kver], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError(f"build.sh failed: {p.stderr}")


def make_disk(path, mib=192):
    """A small sparse raw ext4 image (mkfs.ext4 -d: no loop mount, no root needed); io.uring
    wants its file plus 64 MiB of headroom free."""
    empty = path + ".d"
    os.mkdir(empty)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", empty, path, f"{mib}M"], check=True,
                   capture_output=True)
    os.rmdir(empty)


def qemu_command(initrd, console, init_opts, commands, disk=None, mem_mib=512):
    """init_opts go after `--`; commands (tinyben words, `;` between commands) go in
    tinyben_run= because the kernel gives init at most 32 arguments."""
    kernel, _ = cloud_kernel()
    kvm = accelerator() == "kvm"
    cmd = [QEMU, "-machine", "q35", "-nodefaults", "-display", "none", "-monitor", "none",
           "-no-reboot", "-m", str(mem_mib), "-smp", "1",
           "-serial", f"file:{console}", "-kernel", kernel, "-initrd", initrd]
    cmd += ["-accel", "kvm", "-cpu", "host"] if kvm else ["-accel", "tcg"]
    if disk:
        # cache=unsafe: the guest's flushes stay in the host page cache. The test checks that
        # the I/O benchmarks work in a guest, not how fast this shared host's disk syncs.
        cmd += ["-drive", f"file={disk},format=raw,if=virtio,cache=unsafe"]
    run = " ".join(commands)
    assert '"' not in run
    # no_timer_check: under TCG on a busy host the kernel's IO-APIC timer check can miss
    # its window and panic ("IO-APIC + timer doesn't work"); the check proves nothing here.
    cmd += ["-append", f'console=ttyS0 panic=-1 quiet no_timer_check tinyben_run="{run}" -- ' + " ".join(init_opts)]
    return cmd


class Guest:
    """A running guest; its console is read from the serial log file as it grows."""

    def __init__(self, cmd, console):
        self.console = console
        self.qemu_log = console + ".qemu"
        with open(self.qemu_log, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT)

    def text(self):
        try:
            with open(self.console, "rb") as f:
                return f.read().decode("utf-8", "replace").replace("\r", "")
        except FileNotFoundError:
            return ""

    def wait_for(self, pattern, timeout):
        """Waits until pattern (regex, multiline) appears on the console; returns the match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.text(), re.M)
            if m:
                return m
            if self.proc.poll() is not None:
                m = re.search(pattern, self.text(), re.M)
                if m:
                    return m
                raise AssertionError(f"guest stopped before {pattern!r}:\n{self.tail()}")
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} after {timeout} s:\n{self.tail()}")

    def tail(self, n=40):
        with open(self.qemu_log, errors="replace") as f:
            out = f.read()
        return "\n".join(self.text().splitlines()[-n:]) + ("\nqemu: " + out if out else "")

    def wait(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"guest did not power off in {timeout} s:\n{self.tail()}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def boot_until(cmd, console, done, timeout):
    """Boots the guest cmd, waits until its console shows `done` (regex) within timeout seconds
    and it powers off; the guest is stopped whatever happens. Its console text."""
    vm = Guest(cmd, console)
    try:
        vm.wait_for(done, timeout)
        vm.wait(60)
    finally:
        vm.stop()
    return vm.text()


def block(text, n):
    """stdout, rc and stderr of command n between /init's markers."""
    m = re.search(rf"^TINYBEN-BEGIN {n} .*?\n(.*?)^TINYBEN-END {n} rc=(\d+)\n"
                  rf"TINYBEN-STDERR-BEGIN {n}\n(.*?)^TINYBEN-STDERR-END {n}$", text, re.M | re.S)
    if not m:
        raise AssertionError(f"no complete output block {n} on the console:\n{text[-3000:]}")
    return m.group(1), int(m.group(2)), m.group(3)


def listed_benchmarks():
    p = tbtest.run("list", "--json")
    return {e["name"]: e for e in map(json.loads, p.stdout.splitlines())}


def has_verb(name):
    return re.search(rf"^\s+{re.escape(name)}\s", tbtest.run("--help").stdout, re.M) is not None
