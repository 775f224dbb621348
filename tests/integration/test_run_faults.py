"""`run` facing a bad environment: an --dir that cannot take a file is exit 2 before
anything runs; a team that fails keeps its -tN name and the other team sizes still run."""
import os
import resource
import subprocess

import tbtest


class RunFaults(tbtest.TempDirTest):
    def test_dir_that_cannot_take_a_file_is_exit_2_before_anything_runs(self):
        gone = self.path("gone")
        os.mkdir(gone)
        cases = [(["--dir", "."], gone)]  # the working directory deleted under us
        if os.geteuid() == 0:
            cases.append((["--dir", "/proc"], self.tmp))  # W_OK for root, no file
        for args, cwd in cases:
            with self.subTest(args=args):
                out = self.path("out.csv")
                p = subprocess.Popen([tbtest.TINYBEN, "run", "--quick", "-q", "-b",
                                      "cpu.exits:rdtsc,io.sqlite:wal", *args, "-o", out],
                                     cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     preexec_fn=(lambda: os.rmdir(gone)) if cwd == gone else None)
                _, err = p.communicate(timeout=120)
                self.assertEqual(p.returncode, 2, err)
                self.assertIn("not a directory this user can create files in", err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertFalse(os.path.exists(out), "something ran before the check")

    def test_a_failed_team_keeps_its_thread_suffix(self):
        if os.geteuid() != 0:
            self.skipTest("a thread limit that binds needs another user (run as root)")
        exe = tbtest._binary_nobody_can_run()

        def few_threads():
            resource.setrlimit(resource.RLIMIT_NPROC, (3, 3))
        # Three tasks for user nobody: the team of 4 cannot start, the team of 1 can.
        p = subprocess.run([exe, "run", "--quick", "-q", "-b", "mem.mbw:MEMCPY", "--threads",
                            "4,1"], capture_output=True, text=True, timeout=120,
                           user=tbtest.NOBODY, group=tbtest.NOBODY, extra_groups=[],
                           preexec_fn=few_threads, cwd="/")
        self.assertEqual(p.returncode, 1, p.stderr)
        rows = tbtest.parse_csv(p.stdout)
        failed = [r for r in rows if r["status"] == "failed"]
        self.assertEqual([r["variant"] for r in failed], ["MEMCPY-t4"], failed)
        self.assertTrue(tbtest.ok_rows(rows, "mem.mbw", "MEMCPY-t1"),
                        "the team of 1 did not run after the team of 4 failed")
        self.assertEqual({r["variant"] for r in rows}, {"MEMCPY-t4", "MEMCPY-t1"})


if __name__ == "__main__":
    tbtest.main()
