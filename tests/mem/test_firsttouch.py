"""mem.firsttouch: first/second touch rows for 4 KiB and 2 MiB pages, Unaccepted: evidence."""
import tbtest
from tbtest import run, parse_csv, ok_rows


def meminfo_has(key):
    try:
        with open("/proc/meminfo") as f:
            return any(line.startswith(key) for line in f)
    except OSError:
        return False


class FirstTouch(tbtest.TempDirTest):
    def test_rows(self):
        p = run("run", "-b", "mem.firsttouch", "--quick", "-r", "2",
                "--set", "mem.firsttouch.size_mib=8")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout)
        four = ok_rows(rows, variant="4k")
        metrics = {"first_touch_bw": ("MB/s", "higher"), "first_touch_ns_per_page": ("ns", "lower"),
                   "second_touch_bw": ("MB/s", "higher"), "second_touch_ns_per_page": ("ns", "lower")}
        self.assertEqual(len(four), 2 * len(metrics))
        for r in four:
            self.assertEqual((r["unit"], r["better"]), metrics[r["metric"]])
            self.assertGreater(float(r["value"]), 0)
            self.assertIn("size_mib=8", r["detail"])
            self.assertIn("pages=4k", r["detail"])
            self.assertEqual("unaccepted_kib_before=" in r["detail"], meminfo_has("Unaccepted:"))
        big = [r for r in rows if r["variant"] == "2m"]
        self.assertTrue(big)
        if big[0]["status"] == "ok":
            self.assertEqual(len(big), 2 * len(metrics))
            self.assertRegex(big[0]["detail"], r"pages=(hugetlb|thp)")
        else:
            self.assertEqual([r["status"] for r in big], ["skipped"])

    def test_odd_size_rounds_to_huge_page(self):
        p = run("run", "-b", "mem.firsttouch:4k", "--quick", "-r", "1",
                "--set", "mem.firsttouch.size_mib=5")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = ok_rows(parse_csv(p.stdout))
        self.assertTrue(rows and all("size_mib=4" in r["detail"] for r in rows))

    def test_too_small_is_bad_input(self):
        p = run("run", "-b", "mem.firsttouch", "--set", "mem.firsttouch.size_mib=1")
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    tbtest.main()
