"""io.net end to end: every variant on loopback (its own serve, and a separate `tinyben serve`
as --peer), the metrics each writes, bad --peer values, an unreachable peer, a peer that is
not a tinyben serve; and serve's own options, banner, --duration, --once and SIGTERM."""
import socket
import threading
import time

import tbtest
from tbtest import run, parse_csv, ok_rows
from netserve import FAST, VARIANTS, Serve, free_port, run_against

METRICS = {
    "stream-send": {"bw"}, "stream-recv": {"bw"}, "stream-send-p4": {"bw"},
    "stream-recv-p4": {"bw"},
    "rr": {"rps", "latency_p50", "latency_p99", "latency_p99.9"},
    "crr": {"rps", "latency_p50", "latency_p99", "latency_p99.9"},
    "udp-rr": {"rps", "latency_p50", "latency_p99", "latency_p99.9"},
    "udp-send": {"pps", "loss"},
}


class Net(tbtest.TempDirTest):
    def check_all_ok(self, rows, peer):
        self.assertEqual({r["status"] for r in rows}, {"ok"}, [r["detail"] for r in rows])
        for v in VARIANTS:
            got = ok_rows(rows, bench="io.net", variant=v)
            self.assertEqual({r["metric"] for r in got}, METRICS[v], v)
            for r in got:
                self.assertIn(f"peer={peer} ", r["detail"])
                if r["metric"] != "loss":
                    self.assertGreater(float(r["value"]), 0, r)
        units = {r["metric"]: (r["unit"], r["better"]) for r in rows}
        self.assertEqual(units["bw"], ("MB/s", "higher"))
        self.assertEqual(units["latency_p99.9"], ("us", "lower"))
        self.assertEqual(units["loss"], ("%", "lower"))
        self.assertEqual(units["rps"], ("req/s", "higher"))
        self.assertEqual(units["pps"], ("pkt/s", "higher"))
        p4 = ok_rows(rows, variant="stream-send-p4")[0]["detail"]
        self.assertIn("streams=4 write_bytes=131072", p4)
        rr = ok_rows(rows, variant="rr", metric="latency_p50")[0]
        self.assertIn("msg_bytes=1 ", rr["detail"])
        for v in ("rr", "crr", "udp-rr"):
            p = {m: float(ok_rows(rows, variant=v, metric=m)[0]["value"])
                 for m in ("latency_p50", "latency_p99", "latency_p99.9")}
            self.assertLessEqual(p["latency_p50"], p["latency_p99"])
            self.assertLessEqual(p["latency_p99"], p["latency_p99.9"])

    def test_every_variant_on_loopback(self):
        p = run("run", "-b", "io.net", *FAST, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.check_all_ok(parse_csv(p.stdout), "loopback")

    def test_every_variant_against_a_serve_as_peer(self):
        with Serve("--once") as s:
            p, _ = run_against(s.peer)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.check_all_ok(parse_csv(p.stdout), s.peer)
            # --once: the session ended with the run, so serve ends by itself.
            s.proc.wait(timeout=10)
            self.assertEqual(s.proc.returncode, 0)

    def test_msg_bytes_and_the_set_spelling_of_peer(self):
        with Serve() as s:
            p = run("run", "-b", "io.net:rr", *FAST, "--set", "io.net.msg_bytes=1000",
                    "--set", f"io.net.peer={s.peer}")
            self.assertEqual(p.returncode, 0, p.stderr)
            rows = ok_rows(parse_csv(p.stdout), variant="rr")
            self.assertTrue(rows)
            self.assertIn(f"peer={s.peer} ", rows[0]["detail"])
            self.assertIn("msg_bytes=1000 ", rows[0]["detail"])

    def test_malformed_peer_is_exit_2_before_anything_runs(self):
        why = "expected HOST:PORT"
        tbtest.assert_usage_errors(self, [
            (["run", "-b", "io.net", "--peer", v], m) for v, m in [
                ("localhost", why), ("127.0.0.1:", why), ("127.0.0.1:0", why),
                ("127.0.0.1:65536", why), (":5290", why), ("1.2.3.4:80x", why),
                ("a b:1", why), ("::1:5290", "in brackets"), ("", "empty value")]])
        tbtest.assert_usage_errors(self, [
            (["run", "-b", "io.net", "--set", "io.net.peer=host"], why)])

    def test_unreachable_peer_fails_every_variant_quickly(self):
        port = free_port()
        p, took = run_against(f"127.0.0.1:{port}")
        self.assertEqual(p.returncode, 1, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual([r["variant"] for r in rows], VARIANTS)
        for r in rows:
            self.assertEqual(r["status"], "failed")
            self.assertIn(f"cannot connect to 127.0.0.1:{port}: Connection refused",
                          r["detail"])
        self.assertLess(took, 10)

    def fake_peer(self, answer):
        """A listener that answers each connection with `answer` (None: accepts, says nothing)."""
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        held = []

        def loop():
            while True:
                try:
                    c, _ = srv.accept()
                except OSError:
                    return
                held.append(c)
                if answer is not None:
                    c.sendall(answer)
        threading.Thread(target=loop, daemon=True).start()
        self.addCleanup(lambda: [c.close() for c in held + [srv]])
        return srv.getsockname()[1]

    def test_not_a_serve_is_refused_by_the_handshake(self):
        for answer in (b"SSH-2.0-OpenSSH_9.2p1\r\n", b"HTTP/1.1 400 Bad Request\r\n\r\n", None):
            with self.subTest(answer=answer):
                port = self.fake_peer(answer)
                p, took = run_against(f"127.0.0.1:{port}", "rr", "udp-send")
                self.assertEqual(p.returncode, 1, p.stderr)
                rows = parse_csv(p.stdout)
                self.assertEqual([r["status"] for r in rows], ["failed", "failed"])
                for r in rows:
                    self.assertIn(f"not a tinyben serve at 127.0.0.1:{port}", r["detail"])
                # Silence costs one handshake timeout (3 s), once for all variants.
                self.assertLess(took, 10)

    def test_loopback_down_says_so(self):
        # A fresh network namespace has lo down, as a bare initramfs does.
        import shutil
        import subprocess
        if not shutil.which("unshare") or subprocess.run(
                ["unshare", "-n", "true"], capture_output=True).returncode != 0:
            self.skipTest("no network namespace here (unshare -n needs root or user namespaces)")
        p = subprocess.run(["unshare", "-n", tbtest.TINYBEN, "run", "-b", "io.net:rr", *FAST],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1, p.stderr)
        rows = parse_csv(p.stdout)
        self.assertEqual([r["status"] for r in rows], ["failed"])
        self.assertIn("Network is unreachable (the loopback interface is down here: "
                      "ip link set lo up)", rows[0]["detail"])

    def test_serve_options_banner_duration_and_sigterm(self):
        tbtest.assert_usage_errors(self, [
            (["serve", "--listen", "nowhere"], "expected HOST:PORT"),
            (["serve", "--duration", "-1"], "--duration"),
            # the message names the range the code takes (it said "more than 0" for 1e30)
            (["serve", "--duration", "1e30"], "0.001 to 1e9"),
            (["serve", "--duration", "0.0001"], "0.001 to 1e9"),
            (["serve", "--max-conns", "0"], "--max-conns"),
            (["serve", "--bogus"], "unknown option"),
            (["serve", "extra"], "serve"),
        ])
        start = time.monotonic()
        p = run("serve", "--listen", "127.0.0.1:0", "--duration", "0.3", timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertLess(time.monotonic() - start, 5)
        self.assertEqual(p.stdout, "")
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        self.assertRegex(p.stderr, r"^tinyben serve: listening on 127\.0\.0\.1:\d+ ")
        s = Serve()
        rc, err = s.stop()
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("5290", run("serve", "--help").stdout)

    def test_port_in_use_is_one_line_exit_1(self):
        with Serve() as s:
            p = run("serve", "--listen", s.peer, timeout=20)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("Address already in use", p.stderr)
            self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)


tbtest.main()
