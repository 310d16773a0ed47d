# The quantize -> profile -> compare workflow in Python: profile the float model, quantize it to
# int8 from a calibration dataset, profile the int8 model, and compare the two layer by layer:
# "after quantizing, which layer got slow?" in one table. (The reference's RKNN class does the
# same with build(do_quantization=True, dataset=...), shown at the end.)
#
#   python examples/python/quantize_workflow.py MODEL.onnx DATASET OUTDIR [--threads N] [--runs N]
#
# DATASET: a list file (one sample per line: the model inputs' .npy or .jpg files) or a folder of
# samples (docs/quantize.md; scripts/models/make_dataset.py writes one). Writes
# OUTDIR/model.int8.onnx, OUTDIR/fp32/ and OUTDIR/int8/ (perf.txt, perf.json, layers.csv,
# trace.json, report.html), OUTDIR/compare/ and OUTDIR/rknn_int8.onnx. Needs `pip install .`.
import argparse
import os
import sys

import layerscope
from layerscope.rknn import RKNN


def main() -> int:
    ap = argparse.ArgumentParser(description="quantize -> profile -> compare")
    ap.add_argument("model")
    ap.add_argument("dataset")
    ap.add_argument("outdir")
    ap.add_argument("--threads", type=int, default=0, help="intra-op threads (0 = one per core)")
    ap.add_argument("--runs", type=int, default=20, help="timed runs per profile")
    ap.add_argument("--max-samples", type=int, default=0, help="calibration samples to use (0 = all)")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)

    print("--> Profiling the float model")
    fp32 = layerscope.Session(args.model, threads=args.threads).profile(runs=args.runs)
    fp32.save(os.path.join(args.outdir, "fp32"))

    print("--> Quantizing on", args.dataset)
    int8_path = os.path.join(args.outdir, "model.int8.onnx")
    summary = layerscope.quantize(args.model, args.dataset, int8_path, max_samples=args.max_samples,
                                  progress=lambda done, total: print("  calibrated %d/%d" % (done, total)))
    print("  %r -> %s" % (summary, int8_path))

    print("--> Profiling the int8 model")
    int8 = layerscope.Session(int8_path, threads=args.threads).profile(runs=args.runs)
    int8.save(os.path.join(args.outdir, "int8"))
    print("  weights %.2f MiB (float) -> %.2f MiB (int8)" % (fp32.memory.weight_bytes / 2**20,
                                                             int8.memory.weight_bytes / 2**20))
    for finding in int8.findings:
        print("  finding [%s] %s" % (finding.severity, finding.title))

    print("--> Comparing float (A) and int8 (B)")
    comparison = layerscope.compare(fp32, int8, "fp32", "int8")
    comparison.save(os.path.join(args.outdir, "compare"))
    print(comparison.text)
    slower = [l for l in comparison.layers if l.id_a and l.id_b and 0 < l.time.speedup < 1]
    print("--> %d matched layer(s) are slower in int8 than in float" % len(slower))
    for l in sorted(slower, key=lambda l: l.time.speedup)[:10]:
        print("  %s %s -> %s: %.2fx" % (l.name_a, l.op_type_a, l.op_type_b, l.time.speedup))

    # The reference's way: build(do_quantization=True) quantizes, init_runtime runs the int8 model.
    print("--> The same with the reference's RKNN class")
    rknn = RKNN()
    if (rknn.config(quantized_algorithm="normal", quantized_method="channel") != 0
            or rknn.load_onnx(model=args.model) != 0
            or rknn.build(do_quantization=True, dataset=args.dataset) != 0
            or rknn.export_onnx(os.path.join(args.outdir, "rknn_int8.onnx")) != 0
            or rknn.init_runtime(perf_debug=True, eval_mem=True) != 0
            or rknn.eval_perf(is_print=False, save_path=os.path.join(args.outdir, "rknn_eval_perf.txt"),
                              runs=args.runs) is None):
        return 1
    rknn.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
