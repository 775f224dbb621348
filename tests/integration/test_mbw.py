"""mem.mbw specifics: the DUMB kernel stays an element loop in the binary we ship."""
import os
import re
import shutil
import subprocess
import unittest

import tbtest


class MbwCodegen(unittest.TestCase):
    def test_dumb_is_a_real_loop(self):
        if not shutil.which("objdump"):
            self.skipTest("objdump not installed")
        kind = subprocess.run(["file", "-L", tbtest.TINYBEN], capture_output=True, text=True).stdout
        if "statically linked" not in kind:
            # Sanitizer builds add checks and calls into every loop: only the shipped
            # (static, optimised) binary says what users run.
            self.skipTest("not the static release binary")
        dis = subprocess.run(["objdump", "-d", "--no-show-raw-insn", tbtest.TINYBEN],
                             capture_output=True, text=True, check=True).stdout
        m = re.search(r"<dumb_copy>:\n(.*?)\n\n", dis, re.S)
        self.assertIsNotNone(m, "dumb_copy not found (inlined or renamed?)")
        body = m.group(1)
        self.assertNotRegex(body, r"\bcall", "DUMB must not call memcpy")
        self.assertNotRegex(body, r"%[xyz]mm", "DUMB must not be vectorised")
        # A backward branch: the element loop itself.
        self.assertRegex(body, r"\bj(ne|nz|b|a|l|g)\b")


class MbwRows(tbtest.TempDirTest):
    def test_block_size_and_detail(self):
        p = tbtest.run("run", "-b", "mem.mbw:MCBLOCK", "--quick", "--min-time", "0.01",
                       "--set", "mem.mbw.size_mib=2", "--set", "mem.mbw.block_bytes=4096")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = tbtest.parse_csv(p.stdout)
        self.assertTrue(rows)
        for r in rows:
            self.assertIn("block_bytes=4096", r["detail"])
            self.assertIn("size_mib=2", r["detail"])

    def test_too_big_is_skipped_not_killed(self):
        # More than this machine has: a skipped row with the reason, exit 0.
        p = tbtest.run("run", "-b", "mem.mbw", "--set", "mem.mbw.size_mib=1048576")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = tbtest.parse_csv(p.stdout)
        self.assertEqual([r["status"] for r in rows], ["skipped"] * 3)
        self.assertRegex(rows[0]["detail"], r"needs 2097152 MiB of memory, only \d+ MiB available")

    def test_skip_rows_only_for_selected_variants(self):
        # Nobody asked for DUMB or MCBLOCK: one skipped row, for MEMCPY.
        p = tbtest.run("run", "-b", "mem.mbw:MEMCPY", "--set", "mem.mbw.size_mib=1048576")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = tbtest.parse_csv(p.stdout)
        self.assertEqual([(r["variant"], r["status"]) for r in rows], [("MEMCPY", "skipped")])

    def test_thread_team_too_big_is_skipped(self):
        # The check counts every thread's arrays: 4096 threads x 2 x 64 MiB do not fit.
        p = tbtest.run("run", "-b", "mem.mbw:MEMCPY", "--quick", "--threads", "4096")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = tbtest.parse_csv(p.stdout)
        self.assertEqual([(r["variant"], r["status"]) for r in rows],
                         [("MEMCPY-t4096", "skipped")])


if __name__ == "__main__":
    tbtest.main()
