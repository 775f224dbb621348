"""SSH "hosts" on this machine for the fleet tests: one sshd per host on its own loopback
port, with its own host key, a generated client key and its own folder that plays the
host's disk. No VM, no network namespace: what the playbook sees is real SSH."""
import os
import shutil
import signal
import socket
import subprocess
import time

import tbtest
from tbtest import free_port  # noqa: F401 (the fleet tests' ports come from here)

SSHD = "/usr/sbin/sshd"


def missing_tools():
    """The reason this machine cannot host the fleet tests, or None."""
    why = tbtest.missing_commands({tool: "apt-get install ansible-core openssh-client"
                                   for tool in ("ansible-playbook", "ssh", "ssh-keygen")})
    if why:
        return why
    if not os.access(SSHD, os.X_OK):
        return f"no {SSHD} (apt-get install openssh-server)"
    tinyben = os.environ.get("TINYBEN", "build/tinyben")
    if subprocess.run(["ldd", tinyben], capture_output=True).returncode == 0:
        return "tinyben is dynamically linked (sanitizer build): the playbook sends only a static one"
    return None


def keygen(path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tinyben-test", "-f", path],
                   check=True, capture_output=True)


class SshHost:
    """sshd on 127.0.0.1:port accepting key for this user; stop() ends it."""

    def __init__(self, workdir, name, client_pub):
        self.name = name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.port = free_port()
        keygen(os.path.join(self.dir, "hostkey"))
        shutil.copy(client_pub, os.path.join(self.dir, "authorized_keys"))
        os.chmod(os.path.join(self.dir, "authorized_keys"), 0o600)
        self.log = os.path.join(self.dir, "sshd.log")
        with open(os.path.join(self.dir, "sshd_config"), "w") as f:
            f.write(f"ListenAddress 127.0.0.1:{self.port}\n"
                    f"HostKey {self.dir}/hostkey\n"
                    f"AuthorizedKeysFile {self.dir}/authorized_keys\n"
                    f"PidFile {self.dir}/sshd.pid\n"
                    "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                    "PermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\n"
                    "Subsystem sftp internal-sftp\n")
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege-separation chroot
        # -D: stays our child (no daemon to hunt for later); -e: its log on stderr.
        cmd = [SSHD, "-D", "-e", "-f", os.path.join(self.dir, "sshd_config")]
        if os.geteuid() == 0:
            # In a mount namespace of its own, this machine's shell start-up files are hidden:
            # a host of the fleet has its own (here: none), and this machine's may be slow.
            home = os.path.expanduser("~")
            mask = "".join(f"mount --bind /dev/null {f} && " for f in
                           (os.path.join(home, n) for n in (".bashrc", ".profile", ".bash_profile", ".bash_login"))
                           if os.path.exists(f))
            cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", mask + 'exec "$@"', "sh", *cmd]
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd for {name} exited: {open(self.log).read().strip()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sshd for {name} did not answer on port {self.port}")

    def stop(self):
        if self.proc.poll() is None:
            # sshd forks one child per connection into the same session: end them all.
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)


def processes_mentioning(text):
    """PIDs (not ours) whose command line contains text: what a test must not leave behind."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd:
            found.append((int(pid), cmd.strip()))
    return found
