#!/usr/bin/env python3
"""The OCI image (packaging/oci): built offline FROM scratch with only the static tinyben; under
gVisor (runsc, standing in for a VM runtime such as Kata) `run --quick` writes CSV on stdout and
progress on stderr; io.redis without a server is a skipped row that says so, and with a server
beside it (a redis-server on a unix socket shared with the container, as a pod's sidecar) it
measures. The default runtime is tried too; where this machine refuses its rlimits or cgroups
that case skips with crun's reason."""
import os
import shutil
import subprocess
import tarfile
import time
import unittest

import tbtest

BUILD = os.path.join(tbtest.SOURCE_ROOT, "packaging", "oci", "build.sh")
RUNSC = ["podman", "--runtime", "runsc", "--runtime-flag", "network=none",
         "--runtime-flag", "host-uds=open"]
TINY = ["run", "--quick", "--min-time", "0.01", "-r", "2"]


def why_not():
    if shutil.which("podman") is None:
        return "podman not installed (scripts/install-deps.sh installs it)"
    if os.geteuid() != 0:
        return "podman with runsc needs root here"
    if shutil.which("runsc") is None:
        return "runsc (gVisor) not installed"
    with open(tbtest.TINYBEN, "rb") as f:
        if b"__asan_init" in f.read():
            return "a sanitizer build is not static: an image FROM scratch cannot run it"
    return None


def sh(args, timeout=300, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)


class OciImage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tag = f"localhost/tinyben-test:{os.getpid()}-{int(time.time())}"
        p = sh([BUILD, "--tinyben", tbtest.TINYBEN, "--tag", cls.tag])
        if p.returncode != 0:
            raise AssertionError("build.sh failed: " + p.stderr[-2000:])
        cls.build_stdout = p.stdout

    @classmethod
    def tearDownClass(cls):
        sh(["podman", "rmi", "-f", cls.tag])

    def runsc(self, *args, volumes=()):
        vols = [a for v in volumes for a in ("-v", v)]
        return sh(RUNSC + ["run", "--rm", "--network=none", *vols, self.tag, *args])

    def test_name_on_the_last_line_and_only_the_binary(self):
        self.assertEqual(self.build_stdout.splitlines()[-1], self.tag)
        c = sh(["podman", "create", self.tag])
        self.assertEqual(c.returncode, 0, c.stderr)
        cid = c.stdout.strip()
        try:
            tar = os.path.join(self.tmp, "fs.tar")
            e = sh(["podman", "export", "-o", tar, cid])
            self.assertEqual(e.returncode, 0, e.stderr)
            with tarfile.open(tar) as t:
                files = sorted(m.name.strip("./") for m in t.getmembers() if m.isfile())
        finally:
            sh(["podman", "rm", "-f", cid])
        # podman adds empty mount points (/etc/hosts, /etc/resolv.conf ...) at run time only.
        self.assertEqual([f for f in files if not f.startswith(("etc/", "run/"))], ["usr/bin/tinyben"])

    def setUp(self):
        self.tmp = tbtest.tempfile.mkdtemp(prefix="tbtest-oci-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_quick_run_under_gvisor(self):
        p = self.runsc(*TINY, "-b", "cpu.exits:rdtsc,mem.mbw:MEMCPY,io.sqlite:batch,io.redis:SET")
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        rows = tbtest.parse_csv(p.stdout)            # stdout: nothing but the CSV
        self.assertTrue(tbtest.ok_rows(rows, bench="cpu.exits"))
        self.assertTrue(tbtest.ok_rows(rows, bench="mem.mbw"))
        self.assertTrue(tbtest.ok_rows(rows, bench="io.sqlite"))
        redis = [r for r in rows if r["bench"] == "io.redis"]
        self.assertEqual([r["status"] for r in redis], ["skipped"])
        self.assertIn("no --redis given", redis[0]["detail"])
        self.assertIn("samples ok", p.stderr)        # progress and summary: stderr
        self.assertNotIn("samples ok", p.stdout)

    def test_redis_sidecar(self):
        if shutil.which("redis-server") is None:
            self.skipTest("redis-server not installed (scripts/install-deps.sh)")
        sock_dir = os.path.join(self.tmp, "redis")
        os.mkdir(sock_dir)
        os.chmod(sock_dir, 0o755)
        server = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket",
                                   os.path.join(sock_dir, "redis.sock"), "--unixsocketperm", "777",
                                   "--save", "", "--appendonly", "no", "--dir", sock_dir],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if os.path.exists(os.path.join(sock_dir, "redis.sock")):
                    break
                time.sleep(0.05)
            p = self.runsc(*TINY, "-b", "io.redis:SET", "--set", "io.redis.requests=2000",
                           "--redis", "/redis/redis.sock", volumes=[sock_dir + ":/redis"])
        finally:
            server.terminate()
            server.wait(timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        rows = tbtest.parse_csv(p.stdout)
        self.assertTrue(tbtest.ok_rows(rows, bench="io.redis", variant="SET", metric="rps"), p.stdout)

    def test_default_runtime(self):
        p = sh(["podman", "run", "--rm", "--network=none", self.tag, *TINY, "-b", "cpu.exits:rdtsc"])
        if p.returncode == 126 and ("setrlimit" in p.stderr or "cgroups" in p.stderr):
            self.skipTest("the default runtime cannot start containers here: " + p.stderr.strip()[-200:])
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertTrue(tbtest.ok_rows(tbtest.parse_csv(p.stdout), bench="cpu.exits"))


if __name__ == "__main__":
    tbtest.main(unless=why_not())
