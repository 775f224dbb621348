"""packaging/cloud-init/make-seed.sh: the seed ISO, the embedded tinyben (gzip+base64) and
the first-boot script that names the CSV <hostname>-<cc_level>.csv."""
import base64
import gzip
import os
import shutil
import socket
import subprocess

import tbtest
from tbtest import read_csv

MAKE_SEED = os.path.join(tbtest.SOURCE_ROOT, "packaging", "cloud-init", "make-seed.sh")
TINY = "run -b mem.mbw:MEMCPY --quick -r 2 --set mem.mbw.size_mib=4 --min-time 0.01"


def seed(*args):
    return subprocess.run([MAKE_SEED, *args], capture_output=True, text=True, timeout=60)


class CloudInit(tbtest.TempDirTest):
    @classmethod
    def setUpClass(cls):
        if subprocess.run(["ldd", tbtest.TINYBEN], capture_output=True).returncode == 0:
            raise __import__("unittest").SkipTest("the seed embeds the static tinyben; this build is dynamic")

    def make(self, *extra):
        iso, ud = self.path("seed.iso"), self.path("user-data")
        p = seed("-o", iso, "--tinyben", tbtest.TINYBEN, "--hostname", "plain",
                 "--run-args", TINY, "--user-data", ud, *extra)
        self.assertEqual(p.returncode, 0, p.stderr)
        return iso, ud

    def user_data(self, ud):
        text = open(ud).read()
        self.assertTrue(text.startswith("#cloud-config\n"))
        try:
            import yaml
        except ImportError:
            self.skipTest("no PyYAML to parse user-data")
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    def test_seed_iso_is_nocloud(self):
        iso, _ = self.make()
        with open(iso, "rb") as f:
            data = f.read()
        # ISO 9660 primary volume descriptor at 32 KiB; volume id at offset 40, 32 bytes.
        self.assertEqual(data[32768 + 1:32768 + 6], b"CD001")
        self.assertEqual(data[32768 + 40:32768 + 72].rstrip(b" "), b"cidata")
        self.assertIn(b"local-hostname: plain", data)
        self.assertIn(b"#cloud-config", data)

    def test_embedded_binary_and_runcmd(self):
        _, ud = self.make("--attest")
        cfg = self.user_data(ud)
        self.assertEqual(cfg["hostname"], "plain")
        files = {f["path"]: f for f in cfg["write_files"]}
        tb = files["/usr/local/bin/tinyben"]
        self.assertEqual(tb["encoding"], "gz+b64")
        self.assertEqual(tb["permissions"], "0755")
        with open(tbtest.TINYBEN, "rb") as f:
            self.assertEqual(gzip.decompress(base64.b64decode(tb["content"])), f.read())
        self.assertEqual(cfg["runcmd"], [["/usr/local/sbin/tinyben-firstboot"]])
        script = files["/usr/local/sbin/tinyben-firstboot"]["content"]
        self.assertIn(TINY, script)
        self.assertIn("attest=${TINYBEN_ATTEST:-1}", script)

    def test_redis_server_from_packages_unless_turned_off(self):
        _, ud = self.make()
        self.assertEqual(self.user_data(ud)["packages"], ["redis-server"])
        p = seed("-o", self.path("offline.iso"), "--tinyben", tbtest.TINYBEN, "--no-packages",
                 "--user-data", self.path("offline"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("packages", self.user_data(self.path("offline")))

    def test_tinyben_on_seed_instead_of_in_user_data(self):
        iso, ud = self.make("--tinyben-on-seed")
        cfg = self.user_data(ud)
        files = {f["path"]: f for f in cfg["write_files"]}
        self.assertNotIn("/usr/local/bin/tinyben", files)
        self.assertIn("from_seed=1", files["/usr/local/sbin/tinyben-firstboot"]["content"])
        self.assertLess(os.path.getsize(ud), 16384)
        if not shutil.which("isoinfo"):
            self.skipTest("no isoinfo (genisoimage) to read the file back from the ISO")
        p = subprocess.run(["isoinfo", "-i", iso, "-R", "-x", "/tinyben"], capture_output=True,
                           timeout=60)
        with open(tbtest.TINYBEN, "rb") as f:
            self.assertTrue(p.stdout == f.read(), "the seed's tinyben differs from the binary")

    def test_firstboot_names_csv_after_host_and_cc_level(self):
        _, ud = self.make()
        script = self.path("firstboot")
        with open(script, "w") as f:
            f.write({x["path"]: x for x in self.user_data(ud)["write_files"]}
                    ["/usr/local/sbin/tinyben-firstboot"]["content"])
        os.chmod(script, 0o755)
        state = self.path("state")
        env = dict(os.environ, TINYBEN_BIN=tbtest.TINYBEN, TINYBEN_STATE_DIR=state)
        p = subprocess.run([script], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        names = os.listdir(state)
        self.assertEqual(len(names), 1, names)
        rows = read_csv(os.path.join(state, names[0]))
        self.assertEqual(len(rows), 4)  # copy_bw and elapsed, 2 reps
        self.assertEqual(names[0], f"{socket.gethostname()}-{rows[0]['cc_level']}.csv")
        # a second run keeps the first file
        first = open(os.path.join(state, names[0])).read()
        p = subprocess.run([script], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(os.listdir(state)), 2)
        self.assertEqual(open(os.path.join(state, names[0])).read(), first)

    def test_ssh_key_is_one_yaml_string(self):
        """The key line reaches user-data as written: a comment with ': ' and '#' made it a
        mapping; a byte-order mark and CRLF (a Windows editor) are not part of it; a private
        key or an empty file is refused."""
        key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx it's me: laptop #2"
        pub = self.path("k.pub")
        with open(pub, "w", encoding="utf-8-sig", newline="\r\n") as f:
            f.write(key + "\n")
        _, ud = self.make("--tinyben-on-seed", "--no-packages", "--ssh-key", pub)
        self.assertEqual(self.user_data(ud)["ssh_authorized_keys"], [key])
        for name, text in (("id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n"),
                           ("empty.pub", "")):
            with open(self.path(name), "w") as f:
                f.write(text)
            iso = self.path("x.iso")
            p = seed("-o", iso, "--tinyben", tbtest.TINYBEN, "--ssh-key", self.path(name))
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("not an SSH public key", p.stderr)
            self.assertFalse(os.path.exists(iso))

    def test_bad_usage(self):
        keep = self.path("keep.iso")
        with open(keep, "w") as f:
            f.write("precious")
        cases = [([], "needs -o"),
                 (["-o", keep, "--tinyben", tbtest.TINYBEN], "already exists"),
                 (["-o", self.path("x.iso"), "--tinyben", tbtest.TINYBEN, "--hostname", "a b"], "not a host name"),
                 (["-o", self.path("x.iso"), "--tinyben", tbtest.TINYBEN, "--run-args", "run; rm -rf /"], "--run-args"),
                 (["-o", self.path("x.iso"), "--tinyben", "/nonexistent"], "not an executable"),
                 # a directory passes -x: it is not the binary either
                 (["-o", self.path("x.iso"), "--tinyben", self.tmp], "not an executable"),
                 (["--bogus"], "unknown option")]
        tbtest.assert_usage_errors(self, cases, command=seed, one_line=False)
        self.assertEqual(open(keep).read(), "precious")
        self.assertFalse(os.path.exists(self.path("x.iso")))


if __name__ == "__main__":
    tbtest.main()
