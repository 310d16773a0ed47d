#!/usr/bin/env python3
"""report.html's Accuracy section: `layerscope perf QUANT.onnx --accuracy accuracy.json` (ctest
`accuracy_section`).

  test_accuracy_section.py --cli build/layerscope --models-dir .cache/models --work DIR

MobileNetV2 (the repo's opset-17 export) quantized by `layerscope quantize` on a generated dataset,
as the `accuracy` test makes it (its helpers are reused); `layerscope accuracy --sensitivity --out`
analyses it; then:
- `perf --accuracy DIR/accuracy.json --out` writes a report.html whose Accuracy section has one row
  per analysed layer, in rank order, with the single and entire cosine and SQNR of accuracy.json
  (the sort values exactly, the printed text as formatted), each layer's time and share computed
  here from perf.json's rows (the rows whose source_names hold the node), the outputs' errors, the
  keep-float command; the `accuracy_loss` finding names the rank-1 layer, in perf.json and the page;
- perf.json carries the same analysis ("accuracy") and passes docs/report-schema.json, strictly
  (every field written is described); `--accuracy DIR` (the folder) works the same;
- `layerscope import perf.json --out` rebuilds report.html with the same section;
- without --accuracy there is no section and "accuracy" is null;
- the analysis of another model (a tiny one) is refused naming both files, a corrupt accuracy.json
  and a perf.json given as one are refused naming the file, a folder without accuracy.json too,
  and none of these leaves an --out folder.
Prints every number it checks.
"""
import argparse
import copy
import json
import math
import os
import shutil
import sys
from html.parser import HTMLParser

import jsonschema
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from test_accuracy import check, dataset, run, samples, tiny_model  # noqa: E402  the accuracy test's fixture
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "cli"))
from test_schema import strict  # noqa: E402  the schema test's rule: no properties beyond the listed ones


class Section(HTMLParser):
    """The Accuracy section of report.html: its tables' body rows as lists of (attrs, text) cells, the
    rows' own attributes, and the text of <pre id="accuracy-keep-float">."""

    def __init__(self):
        super().__init__()
        self.in_section = False
        self.depth = 0
        self.table = None
        self.in_body = False
        self.rows = {}  # table id -> [(row attrs, [(cell attrs, text)])]
        self.cell = None
        self.pre = None
        self.keep_float = None
        self.nav = False
        self.finding_kinds = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href") == "#accuracy":
            self.nav = True
        if tag == "li" and "data-kind" in a:
            self.finding_kinds.append(a["data-kind"])
        if tag == "section" and a.get("id") == "accuracy":
            self.in_section, self.depth = True, 0
        if not self.in_section:
            return
        if tag == "section":
            self.depth += 1
        elif tag == "table":
            self.table = a.get("id")
            self.rows[self.table] = []
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.table and self.in_body:
            self.rows[self.table].append((a, []))
        elif tag == "td" and self.table and self.in_body:
            self.cell = [a, ""]
        elif tag == "pre" and a.get("id") == "accuracy-keep-float":
            self.pre = ""

    def handle_endtag(self, tag):
        if not self.in_section:
            return
        if tag == "section":
            self.depth -= 1
            self.in_section = self.depth > 0
        elif tag == "table":
            self.table = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "td" and self.cell is not None:
            self.rows[self.table][-1][1].append((self.cell[0], self.cell[1]))
            self.cell = None
        elif tag == "pre" and self.pre is not None:
            self.keep_float, self.pre = self.pre, None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data
        if self.pre is not None:
            self.pre += data


def parse_page(path):
    p = Section()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def expect_cell(cell, metric, fmt, suffix, what):
    """A metric cell: data-v is the exact value ('' undefined, 1e308 infinite), the text as formatted."""
    attrs, text = cell
    if not metric["defined"]:
        ok = attrs["data-v"] == "" and text == "n/a*" and attrs.get("title") == metric["note"]
    elif metric.get("infinite"):
        ok = attrs["data-v"] == "1e308" and text == "inf"
    else:
        shown = (fmt % metric["value"]) + suffix + ("*" if metric["note"] else "")
        ok = float(attrs["data-v"]) == metric["value"] and text == shown
    if not ok:
        sys.exit("FAIL: %s: cell %r %r does not show %r" % (what, attrs, text, metric))


def profile_times(perf):
    """node -> (median us summed over the rows naming it, their share of the top-level layer time)."""
    total = sum(l["time_us"]["median"] for l in perf["layers"] if l.get("parent", 0) == 0)
    times = {}
    for l in perf["layers"]:
        if l.get("scope"):
            continue  # body rows name their nodes inside their scope; MobileNetV2 has none
        for node in set(l["source_names"]):
            times[node] = times.get(node, 0.0) + l["time_us"]["median"]
    return {n: (us, 100.0 * us / total) for n, us in times.items()}


def check_section(page, acc, perf, name):
    """The section of a parsed page against accuracy.json (acc) and the profile (perf.json)."""
    check(page.nav and "accuracy-table" in page.rows, name + ": report.html has the Accuracy section and its link")
    rows = page.rows["accuracy-table"]
    ranked = sorted(acc["layers"], key=lambda l: l["rank"])
    check([r[0]["data-node"] for r in rows] == [l["node"] for l in ranked] and len(rows) == len(ranked),
          "%s: one row per analysed layer (%d), in rank order" % (name, len(rows)))
    times = profile_times(perf)
    timed = 0
    for (attrs, cells), l in zip(rows, ranked):
        what = "%s: [%s] %s" % (name, l["op_type"], l["node"])
        check_ok = cells[0][1] == str(l["rank"]) and cells[2][1] == l["node"]
        if not check_ok:
            sys.exit("FAIL: %s: rank/name cells %r" % (what, cells[:3]))
        expect_cell(cells[3], l["single"]["cosine"], "%.6f", "", what + " single cosine")
        expect_cell(cells[4], l["single"]["sqnr_db"], "%.2f", " dB", what + " single SQNR")
        expect_cell(cells[5], l["entire"]["cosine"], "%.6f", "", what + " entire cosine")
        expect_cell(cells[6], l["entire"]["sqnr_db"], "%.2f", " dB", what + " entire SQNR")
        if l["node"] in times:
            us, share = times[l["node"]]
            got_us, got_share = float(cells[7][0]["data-v"]), float(cells[8][0]["data-v"])
            if not (math.isclose(got_us, us, rel_tol=1e-9) and math.isclose(got_share, share, rel_tol=1e-9)):
                sys.exit("FAIL: %s: time %s us / %s%% on the page, %s us / %s%% in perf.json"
                         % (what, got_us, got_share, us, share))
            timed += 1
        elif cells[7][0]["data-v"] != "" or cells[8][0]["data-v"] != "":
            sys.exit("FAIL: %s: no profile row names it, yet the page gives it a time" % what)
    top = ranked[0]
    print("   %s: rank 1 [%s] %s single SQNR %.2f dB, %.6f us = %.2f%% of the time; %d of %d layers timed"
          % (name, top["op_type"], top["node"], top["single"]["sqnr_db"]["value"], times[top["node"]][0],
             times[top["node"]][1], timed, len(ranked)))
    check(timed >= 0.9 * len(ranked), "%s: every cell equals accuracy.json; time and share equal perf.json's rows"
          " (%d layers timed)" % (name, timed))
    outs = page.rows["accuracy-outputs"]
    for (attrs, cells), o in zip(outs, acc["outputs"]):
        expect_cell(cells[1], o["error"]["cosine"], "%.6f", "", name + " output cosine")
        expect_cell(cells[2], o["error"]["sqnr_db"], "%.2f", " dB", name + " output SQNR")
    check(len(outs) == len(acc["outputs"]), "%s: the outputs' errors (cosine %.6f)"
          % (name, acc["outputs"][0]["error"]["cosine"]["value"]))
    sens = acc["sensitivity"]
    check(page.keep_float == sens["quantize_command"] and
          [r[0]["data-node"] for r in page.rows["accuracy-sensitivity"]] == [s["node"] for s in sens["layers"]],
          "%s: the keep-float command and the sensitivity ranking" % name)
    check("accuracy_loss" in page.finding_kinds, name + ": the accuracy_loss finding is on the page")


def refused(cli, args, out, what, *names):
    shutil.rmtree(out, ignore_errors=True)
    p = run([cli] + args + ["--out", out], expect=1)
    check(all(n in p.stderr for n in names) and not os.path.exists(out),
          "%s: exit 1 naming %s, no --out folder (%s)" % (what, ", ".join(os.path.basename(n) for n in names),
                                                         p.stderr.strip().splitlines()[-1][:160]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    cli, work = args.cli, args.work
    os.makedirs(work, exist_ok=True)

    # ---- MobileNetV2 quantized by layerscope quantize, analysed with --sensitivity ----
    fm = os.path.join(args.models_dir, "mobilenetv2.opset17.onnx")
    rows = samples(dataset(fm, work, 5))
    calib = os.path.join(work, "calib.txt")
    with open(calib, "w") as f:
        f.writelines(r[0] + "\n" for r in rows[:4])
    qm = os.path.join(work, "mnv2.int8.onnx")
    run([cli, "quantize", fm, "--dataset", calib, "--out", qm])
    acc_dir = os.path.join(work, "acc")
    shutil.rmtree(acc_dir, ignore_errors=True)
    run([cli, "accuracy", fm, qm, "--input", rows[4][0], "--sensitivity", "--target", "0.9999", "--out", acc_dir])
    acc_json = os.path.join(acc_dir, "accuracy.json")
    with open(acc_json) as f:
        acc = json.load(f)
    check(all(l["single"] for l in acc["layers"]) and acc["sensitivity"]["quantize_command"],
          "accuracy.json: %d layers with single errors, the keep-float advice" % len(acc["layers"]))

    # ---- perf --accuracy FILE: report.html's section, perf.json's member, the finding ----
    perf_dir = os.path.join(work, "perf")
    shutil.rmtree(perf_dir, ignore_errors=True)
    p = run([cli, "perf", qm, "--input", rows[4][0], "--runs", "2", "--warmup", "1", "--accuracy", acc_json,
             "--out", perf_dir])
    with open(os.path.join(perf_dir, "perf.json")) as f:
        perf = json.load(f)
    check_section(parse_page(os.path.join(perf_dir, "report.html")), acc, perf, "perf --accuracy")
    emb = perf["accuracy"]
    check(emb["source"] == acc_json and
          [(l["node"], l["rank"], l["entire"], l["single"]) for l in emb["layers"]] ==
          [(l["node"], l["rank"], l["entire"], l["single"]) for l in acc["layers"]] and
          emb["outputs"] == acc["outputs"] and emb["sensitivity"] == acc["sensitivity"],
          "perf.json: \"accuracy\" holds accuracy.json's metrics, outputs and sensitivity, its source named")
    top = min(acc["layers"], key=lambda l: l["rank"])
    finding = next((f for f in perf["findings"] if f["kind"] == "accuracy_loss"), None)
    check(finding is not None and top["node"] in finding["title"] and finding["title"] in p.stdout,
          "finding accuracy_loss names the rank-1 layer, also on stdout: %s" % (finding or {}).get("title"))
    # severity: the lower of the rank-1 layer's single SQNR and the outputs' (findings_quant.cpp)
    at_stake = min([top["single"]["sqnr_db"]["value"]] + [o["error"]["sqnr_db"]["value"] for o in acc["outputs"]])
    expected = "high" if at_stake < 20 else "medium" if at_stake < 30 else "info"
    check(finding["severity"] == expected, "finding severity %s for SQNR %.2f dB" % (finding["severity"], at_stake))
    with open(os.path.join(REPO, "docs", "report-schema.json")) as f:
        schema = json.load(f)
    errors = [e.message for e in jsonschema.Draft202012Validator(strict(schema)).iter_errors(perf)]
    check(not errors, "perf.json with \"accuracy\" passes docs/report-schema.json, every field described %s"
          % errors[:3])

    # ---- the folder instead of the file; import rebuilds the page from perf.json ----
    perf_dir2 = os.path.join(work, "perf_dir_arg")
    shutil.rmtree(perf_dir2, ignore_errors=True)
    run([cli, "perf", qm, "--input", rows[4][0], "--runs", "1", "--warmup", "0", "--accuracy", acc_dir,
         "--out", perf_dir2])
    with open(os.path.join(perf_dir2, "perf.json")) as f:
        perf2 = json.load(f)
    check_section(parse_page(os.path.join(perf_dir2, "report.html")), acc, perf2, "perf --accuracy DIR")
    imp = os.path.join(work, "imported")
    shutil.rmtree(imp, ignore_errors=True)
    run([cli, "import", os.path.join(perf_dir, "perf.json"), "--out", imp])
    check_section(parse_page(os.path.join(imp, "report.html")), acc, perf, "import perf.json")

    # ---- without --accuracy: nothing ----
    plain = os.path.join(work, "plain")
    shutil.rmtree(plain, ignore_errors=True)
    run([cli, "perf", qm, "--input", rows[4][0], "--runs", "1", "--warmup", "0", "--out", plain])
    with open(os.path.join(plain, "perf.json")) as f:
        check(json.load(f)["accuracy"] is None and 'id="accuracy"' not in open(os.path.join(plain, "report.html")).read(),
              "without --accuracy: no section, \"accuracy\": null")

    # ---- errors ----
    tiny = os.path.join(work, "tiny.onnx")
    tiny_model(tiny)
    tdir = os.path.join(work, "tiny_ds")
    os.makedirs(tdir, exist_ok=True)
    np.save(os.path.join(tdir, "s0.npy"), np.random.default_rng(0).uniform(0, 1, (1, 3, 8, 8)).astype(np.float32))
    tq = os.path.join(work, "tiny.int8.onnx")
    run([cli, "quantize", tiny, "--dataset", tdir, "--out", tq])
    tacc = os.path.join(work, "acc_tiny")
    shutil.rmtree(tacc, ignore_errors=True)
    run([cli, "accuracy", tiny, tq, "--dataset", tdir, "--out", tacc])
    perf_args = ["perf", qm, "--input", rows[4][0], "--runs", "1", "--warmup", "0", "--accuracy"]
    out = os.path.join(work, "refused")
    refused(cli, perf_args + [os.path.join(tacc, "accuracy.json")], out, "another model's analysis",
            os.path.join(tacc, "accuracy.json"), qm)
    corrupt = os.path.join(work, "corrupt.json")
    with open(corrupt, "w") as f:
        f.write(open(acc_json).read()[:500])
    refused(cli, perf_args + [corrupt], out, "corrupt accuracy.json", corrupt, "not valid JSON")
    refused(cli, perf_args + [os.path.join(perf_dir, "perf.json")], out, "a perf.json as --accuracy",
            os.path.join(perf_dir, "perf.json"), "layerscope.accuracy")
    refused(cli, perf_args + [tdir], out, "a folder without accuracy.json", os.path.join(tdir, "accuracy.json"))
    print("all accuracy section checks passed")


if __name__ == "__main__":
    main()
