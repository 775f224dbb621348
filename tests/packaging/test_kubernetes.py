#!/usr/bin/env python3
"""packaging/kubernetes, offline: render.sh's Jobs parse as YAML with the fields a cluster
needs (batch/v1 Job, the pod's containers, the RuntimeClass given or none, Indexed completion
for repetitions, requests = limits sized for the suite), bad parameters are one line and exit 2;
collect.sh, with a fake kubectl on PATH, writes one CSV per pod from logs that mix progress and
rows, reports a pod without rows, and never replaces a file."""
import os
import subprocess
import textwrap

import yaml

import tbtest

K8S = os.path.join(tbtest.SOURCE_ROOT, "packaging", "kubernetes")
IMAGE = "registry.example/tinyben:0.1.0"


def render(*args):
    return subprocess.run([os.path.join(K8S, "render.sh"), *args], capture_output=True,
                          text=True, timeout=60)


class Render(tbtest.TempDirTest):
    def job(self, *args):
        p = render("--image", IMAGE, *args)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotRegex(p.stdout, r"@[A-Z_]+@", "a field was left unfilled")
        doc = yaml.safe_load(p.stdout)
        self.assertEqual((doc["apiVersion"], doc["kind"]), ("batch/v1", "Job"))
        pod = doc["spec"]["template"]["spec"]
        self.assertEqual(pod["restartPolicy"], "Never")
        c = pod["containers"][0]
        self.assertEqual((c["name"], c["image"]), ("tinyben", IMAGE))
        self.assertEqual(c["resources"]["requests"], c["resources"]["limits"])
        self.assertTrue(all(isinstance(a, str) for a in c["args"]))
        return doc, pod, c

    def test_runtime_class_substituted(self):
        for rc in ("kata-qemu-snp", "kata-qemu-tdx", "kata-qemu", "none"):
            for kind in ([], ["--indexed"]):
                with self.subTest(rc=rc, kind=kind):
                    doc, pod, c = self.job("--runtime-class", rc, *kind)
                    if rc == "none":
                        self.assertNotIn("runtimeClassName", pod)
                    else:
                        self.assertEqual(pod["runtimeClassName"], rc)
                    self.assertEqual(c["args"][:2], ["run", "--quick"])
                    self.assertIn(f"runtime_class={rc}", c["args"])
                    self.assertEqual(doc["metadata"]["name"], f"tinyben-{rc}")

    def test_indexed_repetitions(self):
        doc, pod, c = self.job("--indexed", "--completions", "7", "--parallelism", "2")
        spec = doc["spec"]
        self.assertEqual((spec["completionMode"], spec["completions"], spec["parallelism"]),
                         ("Indexed", 7, 2))
        self.assertIn("rep=$(REP)", c["args"])
        env = {e["name"]: e for e in c["env"]}
        self.assertEqual(env["REP"]["valueFrom"]["fieldRef"]["fieldPath"],
                         "metadata.annotations['batch.kubernetes.io/job-completion-index']")
        doc, _, _ = self.job()
        self.assertNotIn("completionMode", doc["spec"])
        self.assertEqual(doc["spec"]["completions"], 1)

    def test_resources_follow_the_suite(self):
        # The full suite peaks at 2.1 GB resident (docs/BENCHMARKS.md): 3Gi; --quick: 1Gi.
        _, _, c = self.job("--suite", "full")
        self.assertEqual(c["resources"]["limits"], {"cpu": "2", "memory": "3Gi"})
        self.assertEqual(c["args"][0], "run")
        self.assertNotIn("--quick", c["args"])
        _, _, c = self.job()
        self.assertEqual(c["resources"]["limits"], {"cpu": "2", "memory": "1Gi"})
        _, _, c = self.job("--memory", "2Gi", "--cpus", "4", "--args", "run -b mem.* -r 10")
        self.assertEqual(c["resources"]["limits"], {"cpu": "4", "memory": "2Gi"})
        self.assertEqual(c["args"][:5], ["run", "-b", "mem.*", "-r", "10"])

    def test_redis_sidecar(self):
        _, pod, c = self.job()
        self.assertNotIn("initContainers", pod)
        self.assertNotIn("--redis", c["args"])
        _, pod, c = self.job("--redis-image", "docker.io/library/redis:7")
        side = pod["initContainers"][0]
        self.assertEqual((side["name"], side["restartPolicy"]), ("redis", "Always"))
        self.assertEqual(c["args"][-2:], ["--redis", "127.0.0.1:6379"])

    def test_args_are_written_as_given(self):
        """--args words reach the pod as given: not globbed against the files where render.sh
        runs (mem.* is tinyben's pattern), not rewritten by sed (& and | are literal)."""
        for f in ("mem.a", "mem.b"):
            open(os.path.join(self.tmp, f), "w").close()
        words = ["run", "-b", "mem.*", "--set", "a=b&c|d", "--tag", "x=#y:z"]
        p = subprocess.run([os.path.join(K8S, "render.sh"), "--image", IMAGE, "--args",
                            " ".join(words)], capture_output=True, text=True, timeout=60,
                           cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        c = yaml.safe_load(p.stdout)["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(c["args"][:len(words)], words)
        self.assertEqual(c["image"], IMAGE)

    def test_bad_parameters(self):
        cases = [([], "--image is required"),
                 (["--image", IMAGE, "--runtime-class", "Kata SNP"], "RuntimeClass"),
                 (["--image", IMAGE, "--completions", "0"], "--completions"),
                 (["--image", IMAGE, "--suite", "long"], "--suite"),
                 (["--image", IMAGE, "--memory", "lots"], "--memory"),
                 (["--image", IMAGE, "--name", "Bad_Name"], "--name"),
                 (["--image", IMAGE, "--bogus"], "unknown argument"),
                 # YAML would read these as a sequence, an alias, a tag; sed as its own syntax
                 (["--image", "[a,b]"], "--image"), (["--image", "*x"], "--image"),
                 (["--image", "!x"], "--image"), (["--image", "a|b"], "--image"),
                 (["--image", "x&y"], "--image"),
                 (["--image", IMAGE, "--redis-image", "{a: b}"], "--redis-image")]
        for args, want in cases:
            with self.subTest(args=args):
                p = render(*args)
                self.assertEqual(p.returncode, 2)
                self.assertEqual(p.stdout, "")
                self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
                self.assertIn(want, p.stderr)


class Collect(tbtest.TempDirTest):
    def setUp(self):
        super().setUp()
        run = tbtest.run("run", "--quick", "-b", "cpu.exits:rdtsc", "--min-time", "0.01", "-r", "2")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.csv = run.stdout
        logs = os.path.join(self.tmp, "logs")
        os.mkdir(logs)
        # A pod's log is stdout and stderr interleaved: progress around the rows.
        lines = run.stdout.split("\r\n")
        for pod in ("bench-0-abc", "bench-1-def"):
            with open(os.path.join(logs, pod), "w", newline="") as f:
                f.write("[1/1] cpu.exits: ...\n" + "\r\n".join(lines[:2]) + "\r\n"
                        + "  cpu.exits rdtsc ...\n" + "\r\n".join(lines[2:]) + run.stderr)
        with open(os.path.join(logs, "bench-2-ghi"), "w") as f:
            f.write("tinyben: run: something went wrong\n")
        bindir = os.path.join(self.tmp, "bin")
        os.mkdir(bindir)
        with open(os.path.join(bindir, "kubectl"), "w") as f:
            f.write(textwrap.dedent(f"""\
                #!/bin/sh
                echo "$*" >>{self.tmp}/kubectl.calls
                case "$1" in
                get) printf 'bench-0-abc 0 Succeeded\\nbench-1-def 1 Succeeded\\nbench-2-ghi 2 Failed\\n' ;;
                logs) for a; do case "$a" in bench-*) exec cat {logs}/"$a";; esac; done; exit 1 ;;
                esac
                """))
        os.chmod(os.path.join(bindir, "kubectl"), 0o755)
        self.env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"])

    def collect(self, *args):
        return subprocess.run([os.path.join(K8S, "collect.sh"), *args], capture_output=True,
                              text=True, env=self.env, cwd=self.tmp, timeout=60)

    def test_one_csv_per_pod(self):
        p = self.collect("bench", "-n", "lab", "-o", "out")
        self.assertEqual(p.returncode, 1, p.stderr)            # bench-2-ghi has no rows
        self.assertIn("bench-2-ghi (Failed): no CSV rows", p.stderr)
        self.assertIn("something went wrong", p.stderr)
        out = os.path.join(self.tmp, "out")
        self.assertEqual(sorted(os.listdir(out)), ["bench-0.csv", "bench-1.csv"])
        for name in ("bench-0.csv", "bench-1.csv"):
            with open(os.path.join(out, name), newline="") as f:
                self.assertEqual(f.read(), self.csv)           # byte for byte the run's CSV
        calls = open(os.path.join(self.tmp, "kubectl.calls")).read()
        self.assertIn("get pods -n lab -l job-name=bench", calls)
        self.assertIn("logs -n lab bench-0-abc -c tinyben", calls)
        # compare reads them as they are
        c = tbtest.run("compare", os.path.join(out, "bench-0.csv"), os.path.join(out, "bench-1.csv"))
        self.assertEqual(c.returncode, 0, c.stderr)
        # a second collection never replaces the files
        p = self.collect("bench", "-o", "out")
        self.assertEqual(p.returncode, 1)
        self.assertIn("exists: not replaced", p.stderr)
        with open(os.path.join(out, "bench-0.csv"), newline="") as f:
            self.assertEqual(f.read(), self.csv)
        self.assertEqual([f for f in os.listdir(out) if f.startswith(".")], [])

    def test_usage(self):
        for args in ([], ["a", "b"], ["bench", "--bogus"]):
            p = self.collect(*args)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)


if __name__ == "__main__":
    tbtest.main()
