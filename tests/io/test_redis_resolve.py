"""io.redis with --redis NAME:PORT in a minimal guest: the static binary resolves names from
/etc/hosts (and DNS) with no shared library present, and a name only another NSS module could
serve is a failed row that says to give an address (docs/USAGE.md, "Static binary and host names")."""
import os
import shutil
import socket
import subprocess
import time

import tbtest
from tbtest import parse_csv

REDIS_SERVER = shutil.which("redis-server")
LOAD = ["-b", "io.redis:SET", "-r", "2", "--set", "io.redis.requests=300",
        "--set", "io.redis.clients=3"]


class StaticResolve(tbtest.TempDirTest):
    """A root holding only tinyben, /etc/hosts and /etc/nsswitch.conf: no libc.so, no libnss_*."""

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("needs root to chroot into a root without shared libraries")
        if not REDIS_SERVER:
            self.skipTest("redis-server not installed (scripts/install-deps.sh)")
        if b"statically linked" not in subprocess.run(["file", "-L", tbtest.TINYBEN],
                                                       capture_output=True).stdout:
            self.skipTest("not the static binary")
        self.root = self.path("root")
        os.makedirs(os.path.join(self.root, "etc"))
        shutil.copy(tbtest.TINYBEN, os.path.join(self.root, "tinyben"))
        with open(os.path.join(self.root, "etc", "hosts"), "w") as f:
            f.write("127.0.0.1 localhost tinyben-redis\n")
        self.port = tbtest.free_port()
        self.server = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                self.assertLess(time.monotonic(), deadline, "redis-server did not start")
                time.sleep(0.05)

    def tearDown(self):
        if hasattr(self, "server"):
            self.server.kill()
            self.server.wait()
        super().tearDown()

    def run_in_root(self, nsswitch, address):
        with open(os.path.join(self.root, "etc", "nsswitch.conf"), "w") as f:
            f.write(nsswitch)
        return subprocess.run(["chroot", self.root, "/tinyben", "run", *LOAD, "--redis", address],
                              capture_output=True, text=True, timeout=120)

    def test_name_from_etc_hosts(self):
        p = self.run_in_root("hosts: files dns\n", f"tinyben-redis:{self.port}")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertTrue(rows)
        self.assertEqual({r["status"] for r in rows}, {"ok"})
        self.assertIn(f"server=tinyben-redis:{self.port}", rows[0]["detail"])

    def test_name_only_a_module_serves_says_give_an_address(self):
        p = self.run_in_root("hosts: myhostname\n", f"tinyben-redis:{self.port}")
        self.assertEqual(p.returncode, 1, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual([r["status"] for r in rows], ["failed"])
        self.assertIn("cannot resolve tinyben-redis", rows[0]["detail"])
        self.assertIn("give an address", rows[0]["detail"])

    def test_numeric_address_needs_nothing(self):
        p = self.run_in_root("hosts: myhostname\n", f"127.0.0.1:{self.port}")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual({r["status"] for r in parse_csv(p.stdout)}, {"ok"})


if __name__ == "__main__":
    tbtest.main()
