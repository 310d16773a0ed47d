#!/usr/bin/env python3
"""perf.json against its JSON Schema (docs/report-schema.json), on a real profiling run of the
bundled sample model (scripts/make_sample_model.py):

    python tests/cli/test_schema.py --cli build/layerscope

The schema lets readers ignore fields they do not know (fields may be added without a version
bump), so a second, strict copy of it (no unlisted properties) checks that every field the
writer emits is described: the schema cannot silently fall behind json_report.cpp.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA_PATH = os.path.join(ROOT, "docs", "report-schema.json")
CLI = None


def strict(schema):
    """A copy of `schema` in which every object schema that lists properties allows no others."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if "properties" in node:
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


class PerfJsonSchema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.model = os.path.join(cls.tmp.name, "sample.onnx")
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_sample_model.py"), "--out", cls.model],
                       check=True, capture_output=True, timeout=600)
        with open(SCHEMA_PATH) as f:
            cls.schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(cls.schema)
        cls.validator = jsonschema.Draft202012Validator(cls.schema)
        cls.strict_validator = jsonschema.Draft202012Validator(strict(cls.schema))
        cls.reports = {}
        for name, extra in (("auto", []), ("pinned", ["--cores", "0"])):
            out = os.path.join(cls.tmp.name, name)
            r = subprocess.run([CLI, "perf", cls.model, "--warmup", "1", "--runs", "3", "--out", out, *extra],
                               capture_output=True, text=True, timeout=900)
            assert r.returncode == 0, r.stderr
            with open(os.path.join(out, "perf.json")) as f:
                cls.reports[name] = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def errors(self, report, validator=None):
        return [e.message for e in (validator or self.validator).iter_errors(report)]

    def test_real_report_is_valid_and_fully_described(self):
        for name, report in self.reports.items():
            self.assertEqual(self.errors(report), [], name)
            self.assertEqual(self.errors(report, self.strict_validator), [], name)
            self.assertGreater(len(report["layers"]), 10, name)  # the sample really ran

    def test_cores_record_the_pinning(self):
        self.assertEqual(self.reports["auto"]["cores"], [])
        pinned = self.reports["pinned"]
        self.assertEqual(pinned["threads"], 1)  # --cores 0 alone: one thread per listed core
        self.assertEqual(pinned["cores"], [0])

    def test_workload_shares_sum_to_one(self):
        for layer in self.reports["auto"]["layers"]:
            self.assertAlmostEqual(sum(layer["workload"]), 1.0, places=9, msg=layer["op_type"])

    def test_removed_field_fails(self):
        report = copy.deepcopy(self.reports["auto"])
        del report["layers"][0]["kernel"]
        self.assertTrue(any("'kernel' is a required property" in e for e in self.errors(report)))
        report = copy.deepcopy(self.reports["auto"])
        del report["memory"]
        self.assertTrue(any("'memory' is a required property" in e for e in self.errors(report)))

    def test_mistyped_field_fails(self):
        for mutate in (lambda r: r.__setitem__("threads", "2"),
                       lambda r: r["layers"][0]["time_us"].__setitem__("median", "12.5"),
                       lambda r: r["layers"][0].__setitem__("bound", "network"),
                       lambda r: r["layers"][0].__setitem__("workload", [1.5]),
                       lambda r: r.__setitem__("schema_version", 3),
                       lambda r: r.__setitem__("findings", [{"kind": "x"}])):
            report = copy.deepcopy(self.reports["auto"])
            mutate(report)
            self.assertNotEqual(self.errors(report), [])

    def test_undescribed_field_fails_the_strict_check_only(self):
        report = copy.deepcopy(self.reports["auto"])
        report["layers"][0]["new_metric"] = 1
        self.assertEqual(self.errors(report), [])  # readers ignore unknown fields
        self.assertTrue(any("new_metric" in e for e in self.errors(report, self.strict_validator)))


if __name__ == "__main__":
    CLI = sys.argv[sys.argv.index("--cli") + 1]
    del sys.argv[sys.argv.index("--cli"):sys.argv.index("--cli") + 2]
    unittest.main(verbosity=2)
