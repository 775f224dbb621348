"""packaging/ansible/fleet.yml against real SSH hosts made on this machine (sshd on loopback
ports): two good hosts measure in parallel and their CSV, evidence and log arrive in
results/<host>/ with their tags; a host whose suite fails and an unreachable host are
reported, and still the pair is compared and one report of all CSVs is made; the playbook
exits non-zero; the binary is not sent again where the host's copy matches; nothing is left
running."""
import json
import os
import re
import subprocess
import sys
import time

import tbtest

sys.path.insert(0, os.path.dirname(__file__))
import sshhosts  # noqa: E402

PLAYBOOK = os.path.join(tbtest.SOURCE_ROOT, "packaging", "ansible", "fleet.yml")
# A tiny suite: the run is about the playbook, not the numbers.
ARGS = "run -b cpu.exits:getppid -r 2 --min-time 0.01"
RUN_ID = "20260101T000000Z-test"


def stage(name, t0):
    print(f"stage {name}: {time.monotonic() - t0:.1f} s", file=sys.stderr)


class Playbook(tbtest.TempDirTest):
    @classmethod
    def setUpClass(cls):
        tbtest.skip_if(sshhosts.missing_tools())

    def setUp(self):
        super().setUp()
        self.hosts = []
        t0 = time.monotonic()
        self.key = self.path("id")
        sshhosts.keygen(self.key)
        for name in ("a", "b"):
            self.hosts.append(sshhosts.SshHost(self.tmp, "sshd-" + name, self.key + ".pub"))
        stage("two sshd hosts", t0)

    def tearDown(self):
        for h in self.hosts:
            h.stop()
        super().tearDown()

    def inventory(self):
        a, b = self.hosts
        common = {
            "ansible_host": "127.0.0.1", "ansible_user": os.environ.get("USER") or "root",
            "ansible_ssh_private_key_file": self.key,
            "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
            "ansible_python_interpreter": sys.executable,
            # Ansible's own files stay in this test's folder, not in ~/.ansible.
            "ansible_remote_tmp": self.path("ansible-remote"),
            "ansible_async_dir": self.path("ansible-async"),
            "tinyben_become": False, "tinyben_poll": 1,
        }
        hosts = {
            "a": {**common, "ansible_port": a.port, "tinyben_remote_dir": self.path("host-a"),
                  "tinyben_tags": {"guest": "a", "site": "lab"}},
            "b": {**common, "ansible_port": b.port, "tinyben_remote_dir": self.path("host-b"),
                  "tinyben_tags": {"guest": "b", "site": "lab"}},
            # the same sshd as a, its own folder; its suite is refused (exit 2)
            "bad": {**common, "ansible_port": a.port, "tinyben_remote_dir": self.path("host-bad"),
                    "tinyben_tags": {"guest": "bad"}, "tinyben_args": "run -b no.such.bench"},
            # a suite longer than its time bound (a million autocommit INSERTs after a short
            # benchmark): stopped by SIGINT, the short one's rows kept, the database removed
            "slow": {**common, "ansible_port": b.port, "tinyben_remote_dir": self.path("host-slow"),
                     "tinyben_tags": {"guest": "slow"}, "tinyben_timeout": 3,
                     "tinyben_args": "run -b cpu.exits:getppid,io.sqlite:autocommit -r 2 --min-time 0.01 "
                                     "--set io.sqlite.rows=1000000"},
            # attestation asked for where there is no such hardware: reported, CSV still fetched
            "attest": {**common, "ansible_port": b.port, "tinyben_remote_dir": self.path("host-attest"),
                       "tinyben_tags": {"guest": "attest"}, "tinyben_attest": "always"},
            # nothing listens on this port
            "down": {**common, "ansible_port": sshhosts.free_port(), "tinyben_connect_timeout": 3,
                     "tinyben_remote_dir": self.path("host-down"), "tinyben_tags": {"guest": "down"}},
        }
        inv = {"all": {"vars": {"tinyben_args": ARGS, "tinyben_binary": os.path.abspath(tbtest.TINYBEN),
                                "tinyben_compare_pairs": [["a", "b"]]},
                       "children": {"tinyben": {"hosts": hosts}}}}
        path = self.path("inventory.json")  # JSON is YAML
        with open(path, "w") as f:
            json.dump(inv, f)
        return path

    def test_fleet(self):
        inv = self.inventory()
        # b already holds this very binary: the copy must not send it again.
        os.makedirs(self.path("host-b"))
        with open(tbtest.TINYBEN, "rb") as src, open(self.path("host-b/tinyben"), "wb") as dst:
            dst.write(src.read())
        os.chmod(self.path("host-b/tinyben"), 0o755)
        env = dict(os.environ, ANSIBLE_HOME=self.path("ansible-home"), ANSIBLE_LOCAL_TEMP=self.path("ansible-local"),
                   ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_FORKS="6", PWD=self.tmp)  # PWD: as a shell sets it
        t0 = time.monotonic()
        p = subprocess.run(["ansible-playbook", "-i", inv, PLAYBOOK, "-e", "tinyben_run_id=" + RUN_ID],
                           cwd=self.tmp, env=env, capture_output=True, text=True, timeout=600)
        stage("ansible-playbook (6 hosts)", t0)
        out = p.stdout + p.stderr
        print(out, file=sys.stderr)  # meson shows it when the test fails
        self.assertNotEqual(p.returncode, 0, "a failed and an unreachable host must fail the run:\n" + out)
        res = self.path("results")  # relative tinyben_results_dir: where the playbook was started

        for h in ("a", "b"):
            base = os.path.join(res, h, f"{h}-{RUN_ID}")
            rows = tbtest.read_csv(base + ".csv")
            ok = tbtest.ok_rows(rows, bench="cpu.exits", variant="getppid")
            self.assertEqual(len(ok), 4, out)  # 2 metrics x 2 reps
            for r in rows:
                self.assertIn(f"tag.guest={h}", r["detail"].split())
                self.assertIn("tag.site=lab", r["detail"].split())
            with open(base + ".evidence") as f:
                ev = f.read()
            self.assertRegex(ev, r"(?m)^cpuid\.0x0\.eax=0x[0-9a-f]+$")
            with open(base + ".status.json") as f:
                st = json.load(f)
            self.assertEqual((st["status"], st["tinyben_exit"]), ("ok", 0), st)
            self.assertIn(st["cc_level"], ("none", "sev", "sev-es", "sev-snp", "tdx", "unknown"))
            with open(base + ".log") as f:
                self.assertIn("samples ok", f.read())
            # not a confidential host here: no attestation was asked for
            self.assertFalse(os.path.exists(base + ".csv.report"))
            self.assertFalse(st["attested"])

        with open(os.path.join(res, "bad", f"bad-{RUN_ID}.status.json")) as f:
            st = json.load(f)
        self.assertEqual((st["status"], st["tinyben_exit"]), ("failed", 2), st)
        self.assertIn("bad usage", st["reason"])
        self.assertTrue(os.path.getsize(os.path.join(res, "bad", f"bad-{RUN_ID}.evidence")) > 0)

        with open(os.path.join(res, "slow", f"slow-{RUN_ID}.status.json")) as f:
            st = json.load(f)
        self.assertEqual((st["status"], st["tinyben_exit"]), ("failed", 124), st)
        self.assertIn("timed out after 3 s", st["reason"])
        rows = tbtest.read_csv(os.path.join(res, "slow", f"slow-{RUN_ID}.csv"))
        # the finished benchmark's rows, and not one of the interrupted one's
        self.assertEqual(sorted((r["bench"], r["status"]) for r in rows), [("cpu.exits", "ok")] * 4, rows)
        self.assertEqual(sorted(os.listdir(self.path("host-slow/" + RUN_ID))), ["evidence.txt", "results.csv"])

        with open(os.path.join(res, "attest", f"attest-{RUN_ID}.status.json")) as f:
            st = json.load(f)
        self.assertEqual((st["status"], st["tinyben_exit"]), ("failed", 0), st)
        self.assertIn("Bind the CSV", st["reason"])
        self.assertEqual(len(tbtest.ok_rows(tbtest.read_csv(os.path.join(res, "attest", f"attest-{RUN_ID}.csv")))), 4)

        with open(os.path.join(res, "down", f"down-{RUN_ID}.status.json")) as f:
            st = json.load(f)
        self.assertEqual(st["status"], "failed", st)
        self.assertIn("answers over SSH", st["reason"])
        self.assertEqual(sorted(os.listdir(os.path.join(res, "down"))), [f"down-{RUN_ID}.status.json"])

        with open(os.path.join(res, f"summary-{RUN_ID}.txt")) as f:
            summary = f.read()
        self.assertIn("2 of 6 hosts ok", summary)
        self.assertRegex(summary, r"(?m)^down\tfailed\t")
        self.assertRegex(summary, r"(?m)^problem: bad: bad usage")
        self.assertIn("Fail the run", out)

        with open(os.path.join(res, f"compare-a-vs-b-{RUN_ID}.txt")) as f:
            cmp = f.read()
        self.assertIn("getppid", cmp)
        with open(os.path.join(res, f"report-{RUN_ID}.html")) as f:
            report = f.read()
        # --by tag.guest (every host sets guest): one run per host that brought a CSV
        # (the environment table: one row per run, named "guest=VALUE (cc_level)")
        runs = re.findall(r'<tr><td class="n">\d+</td><td>guest=([^ <]+) \(', report)
        self.assertEqual(sorted(runs), ["a", "attest", "b", "slow"], "runs in the report")

        # The copy step: sent to a (empty folder), not to b (same checksum).
        copy = out[out.index("TASK [tinyben : Copy tinyben"):]
        copy = copy[:copy.index("TASK [", 5)]
        self.assertRegex(copy, r"changed: \[a\]")
        self.assertRegex(copy, r"ok: \[b\]")

        for h in self.hosts:
            h.stop()
        self.assertEqual(sshhosts.processes_mentioning(self.tmp), [], "processes left behind")


if __name__ == "__main__":
    tbtest.main()
