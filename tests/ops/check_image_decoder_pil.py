#!/usr/bin/env python3
"""ImageDecoder against Pillow, the decoder of the ONNX reference implementation
(onnx/reference/ops/op_image_decoder.py), over what the 6 backend cases leave out: JPEG at several
qualities, chroma subsamplings, progressive, odd sizes, greyscale and CMYK; PNG of every mode Pillow
writes (1, L, LA, P with and without transparency, RGB, RGBA) and 16-bit RGB(A), 2- and 4-bit
grey written here; BMP of 1, 4, 8, 16, 24 and 32 bits,
bottom-up and top-down, with and without channel masks; PNM P1 to P6 with maxvals 1, 100, 255 and
1000. Every image in each pixel format (RGB, BGR, Grayscale). onnxruntime has no ImageDecoder.

Expected: Pillow's image converted as the spec asks, np.array(img.convert("RGB")) (reversed for
BGR) or np.array(img.convert("L"))[..., None]. For an RGB or L source that is exactly what the
reference implementation returns (checked here too); for other modes the reference returns the raw
mode (palette indices, 4 channels), which the spec's (H, W, 3) output rules out.
Not compared: 16-bit grey (Pillow reads mode I and clips to 255 on conversion; layerscope takes the
high byte, as Pillow does for 16-bit RGB). Images are made here, from fixed seeds.

Pass: every output equal to Pillow's, byte for byte.
    check_image_decoder_pil.py --cli build/layerscope
"""
import argparse
import io
import os
import struct
import sys
import tempfile
import zlib

import numpy as np
import PIL.Image
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from cli_run import output, run_cli, save_case

FORMATS = ["RGB", "BGR", "Grayscale"]


def encoded(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def noise(rng, h, w, c):
    a = rng.integers(0, 256, (h, w, c), dtype=np.uint8)
    return a[:, :, 0] if c == 1 else a


def smooth(h, w):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x + y) * 127 // max(w + h - 2, 1)],
                    axis=2).astype(np.uint8)


def bmp(w, h, bpp, rows, compression=0, masks=(), palette=(), top_down=False):
    """A BMP with a 40-byte info header; rows from the top, unpadded; palette of (r, g, b)."""
    stride = (w * bpp + 31) // 32 * 4
    data = b"".join(r + b"\0" * (stride - len(r)) for r in (rows if top_down else rows[::-1]))
    pal = b"".join(bytes([b, g, r, 0]) for r, g, b in palette)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, bpp, compression, len(data), 2835, 2835,
                       len(palette), 0) + b"".join(struct.pack("<I", m) for m in masks)
    offset = 14 + len(info) + len(pal)
    return b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + info + pal + data


def png(w, h, color_type, bit_depth, rows):
    """A PNG written by hand (layouts Pillow does not write: 16-bit colour, 2-bit grey); rows of
    the bytes each stores, unfiltered."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    idat = zlib.compress(b"".join(b"\0" + r for r in rows))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_cases(rng):
    out = []
    for q, sub in [(50, 2), (90, 2), (90, 1), (95, 0), (100, 0)]:
        out.append((f"jpeg q{q} subsampling {sub} noise", encoded(PIL.Image.fromarray(noise(rng, 23, 37, 3)), "JPEG",
                                                                    quality=q, subsampling=sub)))
    out.append(("jpeg smooth 64x48", encoded(PIL.Image.fromarray(smooth(48, 64)), "JPEG", quality=85)))
    out.append(("jpeg progressive", encoded(PIL.Image.fromarray(noise(rng, 40, 33, 3)), "JPEG", quality=80,
                                            progressive=True)))
    out.append(("jpeg greyscale", encoded(PIL.Image.fromarray(noise(rng, 17, 29, 1)), "JPEG", quality=90)))
    out.append(("jpeg cmyk", encoded(PIL.Image.fromarray(noise(rng, 16, 24, 4), "CMYK"), "JPEG", quality=90)))
    out.append(("jpeg 1x1", encoded(PIL.Image.fromarray(noise(rng, 1, 1, 3)), "JPEG")))
    return out


def png_cases(rng):
    rgb = PIL.Image.fromarray(noise(rng, 19, 23, 3))
    pal = rgb.convert("P", palette=PIL.Image.Palette.ADAPTIVE, colors=16)
    pal_t = pal.copy()
    pal_t.info["transparency"] = 3
    return [("png rgb", encoded(rgb, "PNG")),
            ("png rgba", encoded(PIL.Image.fromarray(noise(rng, 19, 23, 4), "RGBA"), "PNG")),
            ("png L", encoded(PIL.Image.fromarray(noise(rng, 19, 23, 1)), "PNG")),
            ("png LA", encoded(PIL.Image.fromarray(noise(rng, 19, 23, 3)[:, :, :2], "LA"), "PNG")),
            ("png 1-bit", encoded(PIL.Image.fromarray(noise(rng, 19, 23, 1)).convert("1"), "PNG")),
            ("png palette", encoded(pal, "PNG")),
            ("png palette + transparency", encoded(pal_t, "PNG", transparency=3)),
            ("png palette 4-bit", encoded(pal, "PNG", bits=4)),
            ("png 16-bit rgb", png(5, 3, 2, 16, [rng.integers(0, 256, 30, dtype=np.uint8).tobytes() for _ in range(3)])),
            ("png 16-bit rgba", png(5, 3, 6, 16, [rng.integers(0, 256, 40, dtype=np.uint8).tobytes() for _ in range(3)])),
            ("png 2-bit grey", png(7, 3, 0, 2, [rng.integers(0, 256, 2, dtype=np.uint8).tobytes() for _ in range(3)])),
            ("png 4-bit grey", png(7, 3, 0, 4, [rng.integers(0, 256, 4, dtype=np.uint8).tobytes() for _ in range(3)]))]


def bmp_cases(rng):
    rgb = PIL.Image.fromarray(noise(rng, 11, 13, 3))
    palette = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(16)]
    idx = rng.integers(0, 16, (5, 9))
    rows8 = [bytes(int(v) for v in r) for r in idx]
    rows4 = [bytes((int(r[i]) << 4) | (int(r[i + 1]) if i + 1 < len(r) else 0) for i in range(0, len(r), 2)) for r in idx]
    px16 = rng.integers(0, 65536, (3, 5))
    rows16 = [b"".join(struct.pack("<H", int(v)) for v in r) for r in px16]
    px32 = rng.integers(0, 256, (3, 5, 4), dtype=np.uint8)
    rows32 = [r.tobytes() for r in px32]
    return [("bmp rgb", encoded(rgb, "BMP")),
            ("bmp L", encoded(PIL.Image.fromarray(noise(rng, 11, 13, 1)), "BMP")),
            ("bmp 1-bit", encoded(PIL.Image.fromarray(noise(rng, 11, 13, 1)).convert("1"), "BMP")),
            ("bmp P", encoded(rgb.convert("P", palette=PIL.Image.Palette.ADAPTIVE, colors=50), "BMP")),
            ("bmp 8-bit top-down", bmp(9, 5, 8, rows8, palette=palette, top_down=True)),
            ("bmp 4-bit", bmp(9, 5, 4, rows4, palette=palette)),
            ("bmp 16-bit 555", bmp(5, 3, 16, rows16)),
            ("bmp 16-bit 565", bmp(5, 3, 16, rows16, compression=3, masks=(0xF800, 0x07E0, 0x001F))),
            ("bmp 32-bit", bmp(5, 3, 32, rows32)),
            ("bmp 32-bit masks", bmp(5, 3, 32, rows32, compression=3, masks=(0xFF0000, 0xFF00, 0xFF)))]


def pnm_cases(rng):
    def plain(magic, w, h, maxval, values):
        head = f"{magic}\n# made by check_image_decoder_pil\n{w} {h}\n" + ("" if maxval is None else f"{maxval}\n")
        return (head + "\n".join(" ".join(str(int(v)) for v in values[i:i + 12])
                                 for i in range(0, len(values), 12)) + "\n").encode()

    g = rng.integers(0, 101, 7 * 5)
    c = rng.integers(0, 256, 4 * 3 * 3)
    wide = rng.integers(0, 1001, 3 * 4 * 3).astype(">u2")
    return [("pnm P6", encoded(PIL.Image.fromarray(noise(rng, 7, 11, 3)), "PPM")),
            ("pnm P5", encoded(PIL.Image.fromarray(noise(rng, 7, 11, 1)), "PPM")),
            ("pnm P4", encoded(PIL.Image.fromarray(noise(rng, 7, 11, 1)).convert("1"), "PPM")),
            ("pnm P1", plain("P1", 5, 3, None, rng.integers(0, 2, 15))),
            ("pnm P2 maxval 100", plain("P2", 7, 5, 100, g)),
            ("pnm P3", plain("P3", 4, 3, 255, c)),
            ("pnm P5 maxval 1", b"P5 3 2 1\n" + bytes([0, 1, 1, 0, 1, 0])),
            ("pnm P6 maxval 1000", b"P6 4 3 1000\n" + wide.tobytes())]


def expected(data, fmt):
    img = PIL.Image.open(io.BytesIO(data))
    if fmt == "Grayscale":
        return np.array(img.convert("L"))[:, :, None]
    rgb = np.array(img.convert("RGB"))
    return rgb[:, :, ::-1] if fmt == "BGR" else rgb


def build_model(cases):
    nodes, g_in, g_out, feeds = [], [], [], {}
    for k, (label, data, fmt) in enumerate(cases):
        feeds[f"s{k}"] = np.frombuffer(data, dtype=np.uint8)
        g_in.append(helper.make_tensor_value_info(f"s{k}", TensorProto.UINT8, [len(data)]))
        g_out.append(helper.make_tensor_value_info(f"y{k}", TensorProto.UINT8, None))
        nodes.append(helper.make_node("ImageDecoder", [f"s{k}"], [f"y{k}"], name=f"case{k}", pixel_format=fmt))
    model = helper.make_model(helper.make_graph(nodes, "images", g_in, g_out), opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 9
    return model, feeds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(20)
    images = jpeg_cases(rng) + png_cases(rng) + bmp_cases(rng) + pnm_cases(rng)
    cases = [(f"{label} {fmt}", data, fmt) for label, data in images for fmt in FORMATS]
    failures, reference_checked = [], 0
    model, feeds = build_model(cases)
    with tempfile.TemporaryDirectory() as tmp:
        path, inputs = save_case(model, feeds, tmp, "images")
        r = run_cli(a.cli, "run", path, inputs, os.path.join(tmp, "out"))
        if r.returncode != 0:
            sys.exit(f"FAIL: layerscope run exited with {r.returncode}\n{r.stdout}\n{r.stderr}")
        for k, (label, data, fmt) in enumerate(cases):
            want = expected(data, fmt)
            got = output(os.path.join(tmp, "out"), f"y{k}")
            if got.shape != want.shape or not np.array_equal(got, want):
                diff = (np.abs(got.astype(int) - want.astype(int)).max() if got.shape == want.shape else "-")
                failures.append(f"{label}: shape {got.shape} vs Pillow's {want.shape}, max difference {diff}")
            # The oracle is the reference implementation's own answer where that is defined.
            if PIL.Image.open(io.BytesIO(data)).mode == ("L" if fmt == "Grayscale" else "RGB"):
                node = model.graph.node[k]
                ref = ReferenceEvaluator(helper.make_model(
                    helper.make_graph([node], "one", [model.graph.input[k]], [model.graph.output[k]]),
                    opset_imports=[helper.make_opsetid("", 20)]))
                reference_checked += 1
                if not np.array_equal(ref.run(None, {node.input[0]: feeds[node.input[0]]})[0], want):
                    failures.append(f"{label}: Pillow's conversion differs from onnx.reference's output")
    for f in failures:
        print("FAIL", f)
    print(f"{len(cases)} cases ({len(images)} images x {len(FORMATS)} pixel formats; {reference_checked} also "
          f"against onnx.reference), {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
