#!/usr/bin/env python3
"""The attributes each OpDef declares (src/ops/*.cpp) against the ONNX schemas of the onnx package.

For every registered ai.onnx OpDef and every opset it covers (up to the newest opset the onnx
package knows), the declared (name, type) set must equal the schema's: an attribute missing from
our list would make the planner refuse a valid model, an extra one would let a misspelt or
foreign attribute through. Fused ops (the fused domain, kFusedDomain) have no ONNX schema and are skipped.
Exit status 1 with one line per difference.
"""
import argparse
import json
import subprocess
import sys

import onnx
import onnx.defs


def schema_attributes(op, opset):
    """{name: type name} of the op's schema at `opset`, or None when the op does not exist there."""
    try:
        schema = onnx.defs.get_schema(op, opset, "")
    except onnx.defs.SchemaError:
        return None
    out = {}
    for name, attr in schema.attributes.items():
        t = attr.type.name
        out[name] = "GRAPH" if t == "GRAPHS" else t  # the loader decodes both to one marker
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dump", required=True, help="the dump_op_attributes executable")
    args = ap.parse_args()

    lines = subprocess.run([args.dump], check=True, capture_output=True, text=True).stdout.splitlines()
    defs = [json.loads(line) for line in lines]
    newest = onnx.defs.onnx_opset_version()
    problems = {}  # (op, OpDef range, what) -> opsets where it holds
    checked = 0
    for d in defs:
        if d["domain"] != "":
            continue
        last = "" if d["until"] > newest else d["until"]
        where = f"{d['op']} (OpDef {d['since']}-{last})"
        for opset in range(d["since"], min(d["until"], newest) + 1):
            expected = schema_attributes(d["op"], opset)
            if expected is None:
                continue  # the op does not exist yet at this opset: no model can use it there
            declared = {name: t for name, t, lo, hi in d["attributes"] if lo <= opset <= hi}
            found = [f"spec attribute '{n}' ({expected[n]}) is not declared" for n in expected.keys() - declared.keys()]
            found += [f"declared attribute '{n}' is not in the spec" for n in declared.keys() - expected.keys()]
            found += [f"attribute '{n}' declared {declared[n]}, spec says {expected[n]}"
                      for n in expected.keys() & declared.keys() if expected[n] != declared[n]]
            for what in found:
                problems.setdefault((where, what), []).append(opset)
            checked += 1
    for (where, what), opsets in sorted(problems.items()):
        print(f"{where} at opsets {opsets[0]}-{opsets[-1]}: {what}")
    print(f"{checked} (op, opset) pairs checked against onnx {onnx.__version__} (opsets up to {newest}); "
          f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
