"""io.redis end to end: a real redis-server (ours or tinyben's), tiny loads, rows, skip and
failure paths, and nothing left behind (temp dir, socket, server process), also after SIGINT."""
import glob
import os
import shutil
import signal
import socket
import subprocess
import time
import unittest

import tbtest
from tbtest import run, parse_csv, ok_rows

REDIS_SERVER = shutil.which("redis-server")
TINY = ["--set", "io.redis.requests=300", "--set", "io.redis.clients=3", "-r", "2"]
METRICS = ["rps", "latency_p50", "latency_p99", "latency_p99.9"]


def redis_processes(marker):
    """PIDs of live redis-server processes whose command line or cwd mentions marker."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as f:
                if not f.read().startswith("redis-server"):
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().decode(errors="replace")
            try:
                cwd = os.readlink(f"/proc/{pid}/cwd")
            except OSError:
                cwd = ""
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (marker in cmd or marker in cwd):
            found.append(int(pid))
    return found


def calls(sock, command):
    """How many times the server at sock ran command (0 when it does not answer)."""
    p = subprocess.run(["redis-cli", "-s", sock, "INFO", "commandstats"], capture_output=True,
                       text=True)
    for line in p.stdout.splitlines():
        if line.startswith(f"cmdstat_{command}:calls="):
            return int(line.split("=", 1)[1].split(",")[0])
    return 0


class ServerTest(tbtest.TempDirTest):
    """Each test gets TMPDIR=self.tmp, so tinyben's private server lives there."""

    def env(self, **extra):
        e = {"TMPDIR": self.tmp}
        e.update(extra)
        return e

    def assert_clean(self):
        # tinyben's temp dir (socket, log) is gone, and so is its server.
        self.assert_no_leftovers(self.tmp, allowed=self.keep)
        self.assertEqual(redis_processes(self.tmp), [], "redis-server left running")

    keep = ()


@unittest.skipUnless(REDIS_SERVER, "redis-server not installed (scripts/install-deps.sh)")
class PrivateServer(ServerTest):
    def test_rows_at_pipeline_1_and_16(self):
        p = run("run", "-b", "io.redis:SET,io.redis:GET-P16", *TINY, env=self.env())
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual(len(rows), 2 * 4 * 2)
        for r in rows:
            self.assertEqual(r["status"], "ok", r)
            self.assertEqual(r["group"], "io")
            self.assertEqual(r["bench"], "io.redis")
            self.assertGreater(float(r["value"]), 0)
            d = dict(kv.split("=", 1) for kv in r["detail"].split())
            self.assertEqual(d["requests"], "300")
            self.assertEqual(d["clients"], "3")
            self.assertEqual(d["pipeline"], "16" if r["variant"] == "GET-P16" else "1")
            self.assertEqual(d["server"], "private-unix-socket")
            self.assertRegex(d["redis_version"], r"^\d+\.\d+")
            self.assertGreater(float(d["client_cpu_s"]), 0)
        for v in ("SET", "GET-P16"):
            self.assertEqual([r["metric"] for r in rows if r["variant"] == v and r["rep"] == "1"],
                             METRICS)
            for rep in ("1", "2"):
                m = {r["metric"]: r for r in rows if r["variant"] == v and r["rep"] == rep}
                self.assertEqual(m["rps"]["unit"], "req/s")
                self.assertEqual(m["rps"]["better"], "higher")
                self.assertEqual(m["latency_p50"]["unit"], "us")
                self.assertEqual(m["latency_p99.9"]["better"], "lower")
                p50, p99, p999 = (float(m[k]["value"]) for k in METRICS[1:])
                self.assertLessEqual(p50, p99)
                self.assertLessEqual(p99, p999)
                # rps is replies over wall time: requests / seconds in detail.
                d = dict(kv.split("=", 1) for kv in m["rps"]["detail"].split())
                self.assertAlmostEqual(float(m["rps"]["value"]) * float(d["seconds"]), 300,
                                       delta=300 * 0.02)
        self.assert_clean()

    def test_every_command_and_payload(self):
        # A 100-byte payload: GET and LPOP replies are checked against it.
        p = run("run", "-b", "io.redis", "--set", "io.redis.requests=100",
                "--set", "io.redis.clients=2", "--set", "io.redis.data_bytes=100", "-r", "1",
                env=self.env())
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        variants = ["SET", "GET", "INCR", "LPUSH", "LPOP", "SADD"]
        variants += [v + "-P16" for v in variants]
        self.assertEqual(sorted({r["variant"] for r in ok_rows(rows)}), sorted(variants))
        self.assertEqual(len(ok_rows(rows)), 12 * 4)
        self.assert_clean()

    def test_quick_is_smaller(self):
        p = run("run", "-b", "io.redis:INCR", "--quick", "-r", "1",
                "--set", "io.redis.clients=2", env=self.env())
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = ok_rows(parse_csv(p.stdout), metric="rps")
        self.assertEqual(len(rows), 1)
        self.assertIn("requests=5000", rows[0]["detail"])
        self.assert_clean()

    def load_running(self, command):
        """True once tinyben's private server has run command: the load is under way."""
        socks = glob.glob(os.path.join(self.tmp, "tinyben-redis-*", "redis.sock"))
        return bool(socks) and calls(socks[0], command) > 0

    def test_sigint_stops_server_and_cleans(self):
        rc, out, err = tbtest.interrupt_when(
            ["run", "-b", "io.redis:SET", "--set", "io.redis.requests=100000000", "-r", "1"],
            lambda: self.load_running("set"), env=self.env())
        self.assertEqual(rc, 130, err)
        self.assertIn("interrupted", err)
        parse_csv(out)
        self.assert_clean()

    def test_sigterm_during_run(self):
        rc, out, err = tbtest.interrupt_when(
            ["run", "-b", "io.redis:GET-P16", "--set", "io.redis.requests=100000000", "-r", "1"],
            lambda: self.load_running("get"), sig=signal.SIGTERM, env=self.env())
        self.assertEqual(rc, 130, err)
        self.assert_clean()


@unittest.skipUnless(REDIS_SERVER, "redis-server not installed (scripts/install-deps.sh)")
class ManyClients(ServerTest):
    """The option allows 10000 clients: 2000 on a unix socket must connect (the listen
    backlog of our server, pacing of our connects, our descriptor limit), whatever the
    server's listen queue and a soft descriptor limit of 1024."""
    MANY = ["--set", "io.redis.clients=2000", "--set", "io.redis.requests=4000", "-r", "1"]

    def run_soft_nofile(self, *args):
        import resource

        def soft_1024():
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
        full_env = dict(os.environ, **self.env())
        return subprocess.run([tbtest.TINYBEN, "run", "-q", "-b", "io.redis:GET", *self.MANY,
                               *args], capture_output=True, text=True, timeout=120,
                              env=full_env, preexec_fn=soft_1024)

    def check(self, p):
        self.assertEqual(p.returncode, 0, p.stdout[-600:] + p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual(len(ok_rows(rows, "io.redis", "GET")), 4, rows[:1])
        self.assertIn("clients=2000", rows[0]["detail"])

    def test_private_server(self):
        self.check(self.run_soft_nofile())
        self.assert_clean()

    def test_a_server_with_a_short_listen_queue(self):
        # Only pacing helps here: the server's queue holds 8 connections.
        sock = os.path.join(self.tmp, "srv", "r.sock")
        os.mkdir(os.path.dirname(sock))
        server = subprocess.Popen([REDIS_SERVER, "--port", "0", "--unixsocket", sock,
                                   "--tcp-backlog", "8", "--save", "", "--appendonly", "no",
                                   "--dir", os.path.dirname(sock), "--daemonize", "no"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            while not os.path.exists(sock):
                self.assertLess(time.time(), deadline, "test redis-server did not start")
                time.sleep(0.05)
            self.check(self.run_soft_nofile("--redis", sock))
        finally:
            server.terminate()
            server.wait(timeout=10)


class NoRedisServer(ServerTest):
    def test_skipped_when_not_on_path(self):
        bindir = os.path.join(self.tmp, "bin")
        os.mkdir(bindir)
        self.keep = ("bin",)
        p = run("run", "-b", "io.redis:SET,io.redis:LPOP-P16", env=self.env(PATH=bindir))
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual([(r["variant"], r["status"]) for r in rows],
                         [("SET", "skipped"), ("LPOP-P16", "skipped")])
        for r in rows:
            self.assertIn("redis-server not found", r["detail"])
        self.assert_clean()

    def test_server_that_cannot_start_fails_rows(self):
        bindir = os.path.join(self.tmp, "bin")
        os.mkdir(bindir)
        self.keep = ("bin",)
        fake = os.path.join(bindir, "redis-server")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho 'FATAL CONFIG FILE ERROR (fake)'\nexit 1\n")
        os.chmod(fake, 0o755)
        p = run("run", "-b", "io.redis:SET,io.redis:GET", env=self.env(PATH=bindir + ":/usr/bin:/bin"))
        self.assertEqual(p.returncode, 1, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual([r["status"] for r in rows], ["failed", "failed"])
        self.assertIn("redis-server exited at start", rows[0]["detail"])
        self.assertIn("FATAL CONFIG FILE ERROR (fake)", rows[0]["detail"])
        self.assert_clean()

    def test_malformed_address_is_bad_usage(self):
        # Found before anything runs: exit 2, one line, no rows; the same through --set.
        cases = [(["--redis", ""], "--redis: an empty value"),
                 (["--redis", "nocolon"], "'nocolon': expected host:port"),
                 (["--redis", "localhost"], "'localhost': expected host:port"),
                 (["--redis", "host:99999"], "'host:99999': expected host:port"),
                 (["--redis", "h:0"], "'h:0': expected host:port"),
                 (["--set", "io.redis.server=:6379"], "--set io.redis.server: ':6379'"),
                 # a path that exists and is no socket cannot be a server's, ever
                 (["--redis", "/etc/passwd"], "'/etc/passwd' exists and is not a socket"),
                 (["--redis", self.tmp], "is not a socket")]
        tbtest.assert_usage_errors(
            self, [(["run", "-b", "io.redis:SET", *args], why) for args, why in cases])
        self.assert_clean()

    def test_unreachable_server_fails_rows(self):
        p = run("run", "-b", "io.redis:SET", "--redis", os.path.join(self.tmp, "none.sock"),
                env=self.env())
        self.assertEqual(p.returncode, 1, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual([r["status"] for r in rows], ["failed"])
        self.assertIn("cannot connect", rows[0]["detail"])
        self.assert_clean()


class HostileServer(ServerTest):
    def test_sigterm_with_a_server_that_never_answers(self):
        # The server accepts the connection and then says nothing: the signal must still
        # end the run at once, not after the 60 s a preparing command may take.
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        srv.settimeout(30)
        port = srv.getsockname()[1]
        p = subprocess.Popen([tbtest.TINYBEN, "run", "-b", "io.redis:SET", "--redis",
                              f"127.0.0.1:{port}"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            conn, _ = srv.accept()
            conn.settimeout(30)
            self.assertIn(b"INFO", conn.recv(4096))  # asked, and will never be answered
            t0 = time.monotonic()
            p.send_signal(signal.SIGTERM)
            p.communicate(timeout=90)
            waited = time.monotonic() - t0
            conn.close()
        finally:
            if p.poll() is None:
                p.kill()
            srv.close()
        self.assertEqual(p.returncode, 130)
        self.assertLess(waited, 2.0)

    def test_second_ctrl_c_kills_a_server_that_ignores_sigterm(self):
        # A "redis-server" that ignores SIGTERM and never listens: the first Ctrl-C stops
        # the wait for it, the second one ends tinyben at once, and the server must not
        # outlive it (SIGKILL after a short grace).
        bindir = os.path.join(self.tmp, "bin")
        os.mkdir(bindir)
        self.keep = ("bin", "pid")
        pidfile = os.path.join(self.tmp, "pid")
        fake = os.path.join(bindir, "redis-server")
        with open(fake, "w") as f:
            f.write(f"#!/bin/sh\necho $$ > {pidfile}.new && mv {pidfile}.new {pidfile}\n"
                    "trap '' TERM\nexec sleep 1000\n")
        os.chmod(fake, 0o755)
        p = subprocess.Popen([tbtest.TINYBEN, "run", "-b", "io.redis:SET"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **self.env(PATH=bindir + ":/usr/bin:/bin")})
        deadline = time.monotonic() + 30
        while not os.path.exists(pidfile) and time.monotonic() < deadline:
            time.sleep(0.02)
        pid = int(open(pidfile).read())
        p.send_signal(signal.SIGINT)
        time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=30)
        self.assertEqual(p.returncode, 130)
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            state = "gone"
        if state != "gone" and state != "Z":
            os.kill(pid, signal.SIGKILL)
        self.assertIn(state, ("gone", "Z"), "the fake redis-server outlived tinyben")
        self.assert_clean()


@unittest.skipUnless(REDIS_SERVER, "redis-server not installed (scripts/install-deps.sh)")
class ExistingServer(ServerTest):
    """--redis ADDR: a server the test owns; tinyben must use it and leave it running."""

    def setUp(self):
        super().setUp()
        self.srvdir = os.path.join(self.tmp, "srv")
        os.mkdir(self.srvdir)
        self.keep = ("srv",)
        self.sock = os.path.join(self.srvdir, "r.sock")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--unixsocket", self.sock, "--save", "", "--appendonly", "no",
             "--dir", self.srvdir, "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while self.cli("PING") != "PONG":
            self.assertLess(time.time(), deadline, "test redis-server did not start")
            time.sleep(0.05)

    def tearDown(self):
        self.server.terminate()
        self.server.wait(timeout=10)
        super().tearDown()

    def cli(self, *args):
        p = subprocess.run(["redis-cli", "-s", self.sock, *args], capture_output=True, text=True)
        return p.stdout.strip()

    def test_unix_socket(self):
        p = run("run", "-b", "io.redis:SET,io.redis:LPUSH-P16", *TINY, "--redis", self.sock,
                env=self.env())
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual(len(ok_rows(rows)), 16)
        self.assertIn(f"server={self.sock}", rows[0]["detail"])
        # Still ours and running; the fixed-name keys tinyben wrote are gone.
        self.assertIsNone(self.server.poll())
        self.assertEqual(self.cli("PING"), "PONG")
        self.assertEqual(self.cli("EXISTS", "key:__rand_int__", "mylist"), "0")
        # The server saw exactly the requests: a warm-up of a tenth (at least one batch per
        # client), then 2 repetitions of 300.
        self.assertEqual(calls(self.sock, "set"), 630)
        self.assertEqual(calls(self.sock, "lpush"), 648)
        self.assert_clean_keep_server()

    def test_tcp_and_random_keys(self):
        p = run("run", "-b", "io.redis:SET,io.redis:GET", *TINY, "--set", "io.redis.keyspace=50",
                "--redis", f"127.0.0.1:{self.port}", env=self.env())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(ok_rows(parse_csv(p.stdout))), 16)
        # redis-benchmark -r: 12-digit keys below the keyspace.
        keys = self.cli("KEYS", "key:*").split()
        self.assertGreater(len(keys), 1)
        for k in keys:
            self.assertRegex(k, r"^key:0000000000[0-4]\d$")

    def test_error_reply_is_a_failed_row(self):
        self.cli("SET", "counter:__rand_int__", "not-a-number")
        rows = tbtest.rows_of(self, run("run", "-b", "io.redis:INCR,io.redis:SADD", *TINY, "--redis", self.sock,
                                        env=self.env()), status=1)
        failed = [r for r in rows if r["status"] == "failed"]
        self.assertEqual([r["variant"] for r in failed], ["INCR"])
        self.assertIn("unexpected reply to INCR: error ERR", failed[0]["detail"])
        # The next variant still runs.
        self.assertEqual(len(ok_rows(rows, variant="SADD")), 8)

    def test_sigint_leaves_existing_server_alone(self):
        rc, out, err = tbtest.interrupt_when(
            ["run", "-b", "io.redis:SET", "--set", "io.redis.requests=100000000", "-r", "1",
             "--redis", self.sock], lambda: calls(self.sock, "set") > 0, env=self.env())
        self.assertEqual(rc, 130, err)
        self.assertIsNone(self.server.poll())
        self.assertEqual(self.cli("PING"), "PONG")
        self.assert_clean_keep_server()

    def assert_clean_keep_server(self):
        self.assert_no_leftovers(self.tmp, allowed=self.keep)
        self.assertEqual(sorted(os.listdir(self.srvdir)), ["r.sock"])


if __name__ == "__main__":
    tbtest.main()
