#!/usr/bin/env python3
"""The stylesheets and scripts of report.html and compare.html (src/report/assets/,
src/compare/assets/), as the library embeds them: writes both pages with the CLI from the
bundled eval_perf fixtures (`layerscope import`, `layerscope compare`), then checks that each
page carries its asset files byte for byte, that every script parses as JavaScript
(`node --check`, on each file and on the page's script element as a whole), and that no asset
can end its <script> or <style> element early.

    python tests/html/test_page_assets.py --cli build/layerscope [--node /usr/bin/node]
"""
import argparse
import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(REPO, "tests", "data", "rknn")
ARGS = None

# Each page's elements, in page order, and the asset files each is made of (in that order).
REPORT_STYLE = ["src/report/assets/report.css"]
REPORT_SCRIPT = ["src/report/assets/tables.js", "src/report/assets/charts.js", "src/report/assets/roofline.js"]
COMPARE_STYLE = ["src/compare/assets/compare.css"]
COMPARE_SCRIPT = ["src/compare/assets/compare.js"]


def read(rel):
    with open(os.path.join(REPO, rel), encoding="utf-8") as f:
        return f.read()


class Elements(html.parser.HTMLParser):
    """The text of every <style> and of every <script> that is code (not the JSON data blob)."""

    def __init__(self, text):
        super().__init__(convert_charrefs=False)
        self.styles, self.scripts = [], []
        self._into = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        kind = dict(attrs).get("type")
        if tag == "style":
            self._into = self.styles
        elif tag == "script" and kind in (None, "text/javascript", "module"):
            self._into = self.scripts
        else:
            return
        self._into.append("")

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._into = None

    def handle_data(self, data):
        if self._into is not None:
            self._into[-1] += data


def node_check(test, path):
    r = subprocess.run([ARGS.node, "--check", path], capture_output=True, text=True)
    test.assertEqual(r.returncode, 0, "node --check %s:\n%s" % (path, r.stderr))


class PageAssets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not ARGS.node:
            raise RuntimeError("node not found: install Debian's nodejs (scripts/setup does) or pass --node")
        cls.tmp = tempfile.mkdtemp(prefix="layerscope_assets_")
        run = lambda *args: subprocess.run([ARGS.cli, *args], check=True, capture_output=True, text=True)
        fixture_2x = os.path.join(FIXTURES, "eval_perf_2x.txt")
        run("import", fixture_2x, "--out", os.path.join(cls.tmp, "report"))
        run("compare", fixture_2x, os.path.join(FIXTURES, "eval_perf_1x.txt"), "--out", os.path.join(cls.tmp, "cmp"))
        with open(os.path.join(cls.tmp, "report", "report.html"), encoding="utf-8") as f:
            cls.report = Elements(f.read())
        with open(os.path.join(cls.tmp, "cmp", "compare.html"), encoding="utf-8") as f:
            cls.compare = Elements(f.read())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_pages_carry_their_asset_files_byte_for_byte(self):
        for page, styles, scripts in ((self.report, REPORT_STYLE, REPORT_SCRIPT),
                                      (self.compare, COMPARE_STYLE, COMPARE_SCRIPT)):
            # The writers open each element with a newline after the tag.
            self.assertEqual(page.styles, ["\n" + "".join(read(f) for f in styles)])
            self.assertEqual(page.scripts, ["\n" + "".join(read(f) for f in scripts)])

    def test_every_script_file_parses(self):
        for rel in REPORT_SCRIPT + COMPARE_SCRIPT:
            with self.subTest(rel):
                node_check(self, os.path.join(REPO, rel))

    def test_each_page_script_parses_as_one(self):
        # The report's three files run as one script: a file ending without a semicolon could
        # join the next file's first line into one expression. Parse the element as the page has it.
        for name, page in (("report", self.report), ("compare", self.compare)):
            with self.subTest(name):
                path = os.path.join(self.tmp, name + "_page_script.js")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(page.scripts[0])
                node_check(self, path)

    def test_node_check_catches_a_broken_script(self):
        # The check itself can fail: a script cut short does not parse.
        path = os.path.join(self.tmp, "cut.js")
        text = read(REPORT_SCRIPT[0])
        with open(path, "w", encoding="utf-8") as f:
            f.write(text[: len(text) // 2])
        r = subprocess.run([ARGS.node, "--check", path], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("SyntaxError", r.stderr)

    def test_no_asset_can_end_its_element(self):
        # Inside <script>/<style> the HTML tokenizer ends the element at "</script" / "</style"
        # (any case) and "<!--" switches <script> into its escaped states.
        for rel in REPORT_STYLE + REPORT_SCRIPT + COMPARE_STYLE + COMPARE_SCRIPT:
            with self.subTest(rel):
                self.assertIsNone(re.search(r"</(script|style)|<!--", read(rel), re.IGNORECASE))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="the layerscope executable")
    parser.add_argument("--node", default=shutil.which("node"), help="node executable (default: node on PATH)")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
