"""A `tinyben serve` for the tests of io.net: started on a free loopback port, always stopped."""
import os
import re
import select
import signal
import socket
import subprocess
import time

import tbtest

FAST = ["-r", "1", "--set", "io.net.runtime_ms=100", "--set", "io.net.ramp_ms=0"]
VARIANTS = ["stream-send", "stream-recv", "stream-send-p4", "stream-recv-p4", "rr", "crr",
            "udp-rr", "udp-send"]


class Serve:
    """tinyben serve --listen 127.0.0.1:0 ARGS; .port from its banner; a context manager."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([tbtest.TINYBEN, "serve", "--listen", "127.0.0.1:0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.banner = self._line(10)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+) ", self.banner)
        if not m:
            self.stop()
            raise AssertionError(f"no banner: {self.banner!r}")
        self.port = int(m.group(1))
        self.peer = f"127.0.0.1:{self.port}"

    def _line(self, timeout):
        r, _, _ = select.select([self.proc.stderr], [], [], timeout)
        return self.proc.stderr.readline() if r else ""

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def stop(self, sig=signal.SIGTERM):
        """Stops it; returns (returncode, the rest of stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            _, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return self.proc.returncode, err

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def session(port, mode, streams=1):
    """A control connection that asked for a test: (control socket, token)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"tinyben-net 1 control\n")
    f = c.makefile("rb")
    hello = f.readline().decode()
    assert hello.startswith("tinyben-net 1 ok "), hello
    token = hello.split()[3]
    c.sendall(f"test {mode} {streams}\n".encode())
    assert f.readline() == b"ok\n"
    return c, token


def data(port, token):
    d = socket.create_connection(("127.0.0.1", port), timeout=5)
    d.sendall(f"tinyben-net 1 data {token}\n".encode())
    return d


def free_port():
    """A loopback port nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_against(peer, *variants, timeout=60):
    sel = "io.net" if not variants else ",".join("io.net:" + v for v in variants)
    start = time.monotonic()
    p = tbtest.run("run", "-b", sel, *FAST, "--peer", peer, timeout=timeout)
    return p, time.monotonic() - start
