"""tinyben serve under hostile clients: garbage on the control port ends that connection
only; 10,000 idle connections (as many as the fd limit allows) leave it within its cap and
still serving; clients that stop reading leave its memory bounded. After each, a real io.net
run against it is all ok."""
import os
import resource
import socket
import time

import tbtest
from tbtest import parse_csv
from netserve import Serve, data, run_against, session


def closed_by_peer(sock, timeout=10):
    """True when the other end closed (EOF or reset) within timeout."""
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class Hostile(tbtest.TempDirTest):
    def assert_still_serves(self, s, *variants):
        p, _ = run_against(s.peer, *(variants or ("rr", "stream-send")))
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertTrue(rows)
        self.assertEqual({r["status"] for r in rows}, {"ok"})

    def test_garbage_ends_only_that_connection(self):
        with Serve() as s:
            bystander, _ = session(s.port, "echo")
            cases = [b"GET / HTTP/1.1\r\n\r\n", b"tinyben-net 2 control\n",
                     b"tinyben-net 1 data 0123456789abcdef\n", b"x" * 200,
                     bytes(range(256)) * 4, b"tinyben-net 1 control\nrm -rf /\n",
                     b"tinyben-net 1 control\ntest echo 999999\n"]
            for garbage in cases:
                with self.subTest(garbage=garbage[:30]):
                    c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
                    c.sendall(garbage)
                    self.assertTrue(closed_by_peer(c))
                    c.close()
            # A connection that says nothing is closed after the first-line timeout (5 s).
            quiet = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            start = time.monotonic()
            self.assertTrue(closed_by_peer(quiet, timeout=15))
            self.assertLess(time.monotonic() - start, 10)
            # The other session saw nothing of it.
            bystander.sendall(b"udp-count\n")
            self.assertEqual(bystander.recv(100), b"udp-count 0\n")
            self.assert_still_serves(s)
            self.assertIsNone(s.proc.poll())

    def test_ten_thousand_idle_connections(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = 10000
        if soft < want + 200 and hard >= want + 200:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want + 200, hard))
        n = min(want, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 200)
        cap = 200
        with Serve("--max-conns", str(cap)) as s:
            idle = []
            try:
                for _ in range(n):
                    c = socket.socket()
                    c.setblocking(False)
                    c.connect_ex(("127.0.0.1", s.port))
                    idle.append(c)
                time.sleep(1)
                # The cap holds: serve keeps at most cap connections (plus its own fds).
                self.assertLessEqual(s.fds(), cap + 16)
                # A real client still gets in: idle connections make room for it.
                self.assert_still_serves(s, "rr")
                self.assertLessEqual(s.fds(), cap + 16)
            finally:
                for c in idle:
                    c.close()
            print(f"{n} idle connections against --max-conns {cap}: served")

    def test_more_rr_clients_than_echo_workers(self):
        # rr's connections are answered by at most 4 worker threads; the rest by the loop,
        # and idle ones hold nothing beyond their thread: all of them are answered.
        with Serve() as s:
            held = []
            for i in range(10):
                ctl, tok = session(s.port, "rr")
                d = data(s.port, tok)
                held += [ctl, d]
                msg = f"ping {i}".encode() * 100
                d.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    got += d.recv(65536)
                self.assertEqual(got, msg)
            # Threads are bounded: the loop's own plus at most 4 workers.
            threads = len(os.listdir(f"/proc/{s.proc.pid}/task"))
            self.assertLessEqual(threads, 1 + 4)
            self.assert_still_serves(s, "rr")
            for c in held:
                c.close()

    def test_clients_that_stop_reading_stay_bounded(self):
        with Serve() as s:
            time.sleep(0.2)
            before = s.rss_kib()
            # A source connection whose client never reads: serve writes only what the
            # kernel's buffer takes.
            ctl1, tok1 = session(s.port, "source", 4)
            sources = [data(s.port, tok1) for _ in range(4)]
            # Echo connections whose client sends and never reads the echo.
            ctl2, tok2 = session(s.port, "echo", 8)
            echoes = [data(s.port, tok2) for _ in range(8)]
            chunk = b"e" * 65536
            sent = 0
            deadline = time.monotonic() + 3
            for e in echoes:
                e.setblocking(False)
            while time.monotonic() < deadline:
                for e in echoes:
                    try:
                        sent += e.send(chunk)
                    except BlockingIOError:
                        pass
                time.sleep(0.001)
            time.sleep(0.5)
            after = s.rss_kib()
            print(f"serve RSS {before} KiB before, {after} KiB with 4 unread sources and "
                  f"8 unread echoes ({sent >> 20} MiB sent to them)")
            self.assertGreater(sent, 1 << 20)
            # At most one message (64 KiB) held per echo, nothing per source.
            self.assertLess(after - before, 8 * 64 + 4096)
            self.assert_still_serves(s)
            for c in sources + echoes + [ctl1, ctl2]:
                c.close()
            self.assertIsNone(s.proc.poll())


tbtest.main()
