// Image inputs: decode an image (JPEG, PNG, BMP, PNM) and preprocess it for a model input the way the reference
// tool's config does (mean/std per channel, optional RGB->BGR, layout, resize).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "layerscope/session.h"
#include "layerscope/status.h"
#include "layerscope/tensor.h"

namespace layerscope {

struct ImagePreprocess {
  // Per channel, in the model's channel order, applied as (pixel - mean) / std on 0..255 values.
  std::vector<float> mean = {0.f, 0.f, 0.f};
  std::vector<float> std = {1.f, 1.f, 1.f};
  bool rgb_to_bgr = false;  // feed channels as B,G,R instead of the decoded R,G,B
};

// The largest image load_jpeg() and the ImageDecoder op decode: 100 megapixels (300 MB as RGB),
// far above any camera frame a model takes, far below what a hostile header can claim
// (65500 x 65500).
inline constexpr uint64_t kMaxImagePixels = 100'000'000;

// Decodes a baseline or progressive JPEG into an HWC uint8 RGB tensor of shape (H, W, 3) (a grey
// JPEG's value repeated, a CMYK one converted as Pillow does; the ImageDecoder op's decoder).
// Fails, naming the file, when it cannot be opened or decoded, when its header claims more
// than kMaxImagePixels (checked before anything is allocated), and when the data is corrupt or
// truncated (libjpeg's warnings, which it would otherwise paper over with grey pixels).
Status load_jpeg(const std::string& path, Tensor* hwc_rgb);

// Decodes any image the ImageDecoder op decodes, told apart by its first bytes (not its name):
// JPEG (as load_jpeg), PNG (8 or 16 bits per channel, palette, grey, alpha dropped), BMP and
// PNM (PBM/PGM/PPM), into the same (H, W, 3) uint8 RGB tensor. Fails naming the file and the
// format for TIFF, WebP, JPEG 2000, GIF and anything else, and for the cases load_jpeg refuses.
Status load_image(const std::string& path, Tensor* hwc_rgb);

// Resizes (bilinear, half-pixel centres) an (H, W, 3) uint8 image to the spatial size of
// `input` and lays it out as the input expects: (1,3,H,W) (NCHW) or (1,H,W,3) (NHWC), told
// apart by where the 3-channel dim is. Float inputs get (pixel - mean) / std; uint8 inputs
// get the resized pixels unchanged. Fails when a mean value is not finite or a std value is
// not finite or zero (NaN or infinite inputs would follow).
Status preprocess_image(const Tensor& hwc_rgb, const ValueDesc& input, const ImagePreprocess& config, Tensor* out);

}  // namespace layerscope
