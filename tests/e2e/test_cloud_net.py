"""io.net across the virtual NIC: a Debian guest of the cloud suite's image (built once into
build/cloud-image/, as test_cloud does) runs io.net against a `tinyben serve` on the host,
reached through QEMU's user networking (the guest's 10.0.2.2 is the host's loopback). Every
variant must give ok rows whose detail names that peer, not loopback."""
import os
import re
import select
import subprocess
import unittest

import tbtest
from tbtest import read_csv
# Only the module: a TestCase class imported by name would run here as well.
import test_cloud

VARIANTS = ["stream-send", "stream-recv", "stream-send-p4", "stream-recv-p4", "rr", "crr",
            "udp-rr", "udp-send"]


class CloudNet(test_cloud.CloudGuest):
    # Only this class's own test: the inherited one is test_cloud's.
    test_cloud_init_ssh_and_scp_in_a_debian_guest = None

    def start_serve(self):
        serve = subprocess.Popen([tbtest.TINYBEN, "serve", "--listen", "127.0.0.1:0"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (serve.terminate(), serve.wait(timeout=10)))
        ready, _, _ = select.select([serve.stderr], [], [], 10)
        banner = serve.stderr.readline() if ready else ""
        m = re.search(r"listening on 127\.0\.0\.1:(\d+) ", banner)
        self.assertIsNotNone(m, banner)
        return serve, int(m.group(1))

    def test_io_net_in_a_guest_against_the_hosts_serve(self):
        serve, port = self.start_serve()
        self.boot()
        self.wait_for_cloud_init()
        peer = f"10.0.2.2:{port}"
        self.ssh(f"tinyben run -b io.net --quick -r 2 --peer {peer} -o net.csv", timeout=600)
        out = self.path("net.csv")
        self.scp("debian@127.0.0.1:net.csv", out)
        rows = read_csv(out)
        self.stages.done("io.net in the guest")
        self.check_rows(rows, ["io.net"], "io.net against the host")
        self.assertEqual(sorted({r["variant"] for r in rows}), sorted(VARIANTS))
        for r in rows:
            self.assertIn(f"peer={peer} ", r["detail"])
            self.assertNotIn("peer=loopback", r["detail"])
        bw = [float(r["value"]) for r in rows if r["metric"] == "bw"]
        print("io.net across virtio-net (TCG):", ", ".join(
            f"{r['variant']} {r['metric']} {float(r['value']):.1f} {r['unit']}"
            for r in rows if r["rep"] == "1" and r["metric"] in ("bw", "rps", "pps", "loss")))
        self.assertTrue(all(b > 0 for b in bw))
        self.assertIsNone(serve.poll(), "the host's serve stopped")


if __name__ == "__main__":
    tbtest.main(unless=test_cloud.missing_prerequisite())
