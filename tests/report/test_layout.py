"""The report as a reader sees it, in headless chromium at 1400 and 800 px: the summary is
within the first screen, nothing overflows sideways, and the page prints on A4.

The report has no scripts; the test measures a COPY of it with one inline script appended,
which writes the layout figures into the DOM that --dump-dom prints. TB_SCREENSHOT_DIR=DIR
keeps the screenshots (docs/report-screenshot.png is one of them)."""
import json
import os
import re
import shutil
import subprocess
import tempfile

import tbtest
from tbtest import run
import reportdata as data

CHROMIUM = "/usr/bin/chromium"
SCREEN_H = 900

MEASURE = """<script>
(function () {
  var d = document.documentElement, s = document.getElementById('summary');
  var r = s.getBoundingClientRect(), worst = 0, what = '';
  var all = document.body.getElementsByTagName('*');
  for (var i = 0; i < all.length; i++) {
    var e = all[i];
    if (e.closest('.wide') || e.closest('svg') && e.tagName.toLowerCase() != 'svg') continue;
    var b = e.getBoundingClientRect();
    if (b.right > worst) { worst = b.right; what = e.tagName + '.' + e.className; }
  }
  var o = document.createElement('pre');
  o.id = 'tbmeasure';
  o.textContent = JSON.stringify({scrollWidth: d.scrollWidth, clientWidth: d.clientWidth,
    summaryTop: r.top, summaryBottom: r.bottom, innerHeight: window.innerHeight,
    rightmost: worst, rightmostWhat: what,
    svgs: document.getElementsByTagName('svg').length});
  document.body.appendChild(o);
})();
</script>
"""


def chromium(profile, *args):
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-quic", "--no-first-run", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync",
                           "--user-data-dir=" + profile, *args],
                          capture_output=True, text=True, timeout=120)


class Layout(tbtest.TempDirTest):
    @classmethod
    def setUpClass(cls):
        cls._data = tempfile.TemporaryDirectory(prefix="tblayout-")
        d = cls._data.name
        files = []
        for i in range(3):
            files.append(os.path.join(d, f"plain{i}.csv"))
            data.craft(files[-1], "none", f"r-plain{i}", 1.0, seed=10 + i)
        for i in range(3):
            files.append(os.path.join(d, f"snp{i}.csv"))
            data.craft(files[-1], "sev-snp", f"r-snp{i}", 1.25, seed=20 + i)
        cls.html = os.path.join(d, "report.html")
        p = run("report", "-o", cls.html, "--by", "cc_level", "--margin", "2", *files)
        assert p.returncode == 0, p.stderr

    @classmethod
    def tearDownClass(cls):
        cls._data.cleanup()

    def setUp(self):
        super().setUp()
        if not os.path.exists(CHROMIUM):
            self.skipTest("chromium not installed")
        self.profile = tempfile.mkdtemp(prefix="tbchrome-")
        self.addCleanup(shutil.rmtree, self.profile, True)

    def measure(self, width):
        with open(self.html, encoding="utf-8") as f:
            page = f.read()
        self.assertNotIn("<script", page.lower())
        copy = self.path(f"measure-{width}.html")
        with open(copy, "w", encoding="utf-8") as f:
            f.write(page.replace("</body>", MEASURE + "</body>"))
        p = chromium(self.profile, f"--window-size={width},{SCREEN_H}", "--dump-dom",
                     "file://" + copy)
        m = re.search(r'<pre id="tbmeasure">([^<]*)</pre>', p.stdout)
        self.assertIsNotNone(m, p.stderr[-2000:])
        return json.loads(m.group(1).replace("&quot;", '"'))

    def check_width(self, width):
        m = self.measure(width)
        # Nothing overflows sideways: the page does not scroll, no element reaches past it.
        self.assertLessEqual(m["scrollWidth"], m["clientWidth"], m)
        self.assertLessEqual(m["rightmost"], m["clientWidth"] + 0.5, m)
        # The answer is on the first screen.
        self.assertLessEqual(m["summaryBottom"], m["innerHeight"], m)
        self.assertGreater(m["svgs"], 2)
        png = self.path(f"report-{width}.png")
        p = chromium(self.profile, f"--window-size={width},{SCREEN_H}", "--screenshot=" + png,
                     "file://" + self.html)
        self.assertTrue(os.path.exists(png), p.stderr[-2000:])
        keep = os.environ.get("TB_SCREENSHOT_DIR")
        if keep:
            shutil.copy(png, os.path.join(keep, f"report-{width}.png"))

    def test_1400(self):
        self.check_width(1400)

    def test_800(self):
        self.check_width(800)

    def test_prints_on_a4(self):
        pdf = self.path("report.pdf")
        p = chromium(self.profile, "--no-pdf-header-footer", "--print-to-pdf=" + pdf,
                     "file://" + self.html)
        self.assertTrue(os.path.exists(pdf), p.stderr[-2000:])
        with open(pdf, "rb") as f:
            blob = f.read()
        # A4 is 595 x 842 points; every page box says so.
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", blob)
        self.assertTrue(boxes, "no page box found")
        for w, h in boxes:
            self.assertAlmostEqual(float(w), 595.3, delta=1.5)
            self.assertAlmostEqual(float(h), 841.9, delta=1.5)


if __name__ == "__main__":
    tbtest.main()
