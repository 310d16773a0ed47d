// libFuzzer target: bytes -> decode_image, the decoders behind the ImageDecoder op and load_jpeg
// (src/image/: JPEG through libjpeg, PNG through libpng, our own BMP and PNM readers), with the
// cap the op uses (kMaxImagePixels). The last byte picks the pixel format, so every conversion
// is reached. A failure must come back described (never a crash, an exception or a longjmp
// past a destructor, which ASan reports); a decoded image must hold all its pixels (the last
// byte is touched, so ASan checks the bound).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "image/image_decode.h"
#include "layerscope/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace layerscope;
  const PixelFormat format = static_cast<PixelFormat>(size ? data[size - 1] % 3 : 0);
  const DecodedImage d = decode_image({data, size}, format, kMaxImagePixels);
  if (!d.ok()) {
    if (describe_failure(d).empty()) {
      std::fprintf(stderr, "a failed decode without a description (outcome %d)\n", static_cast<int>(d.outcome));
      std::abort();
    }
    return 0;
  }
  const int64_t channels = format == PixelFormat::Grayscale ? 1 : 3;
  if (d.pixels.rank() != 3 || d.pixels.dim(2) != channels || d.pixels.dtype() != DType::U8) std::abort();
  if (d.pixels.numel() > 0) {
    volatile uint8_t last = d.pixels.data_as<uint8_t>()[d.pixels.numel() - 1];
    (void)last;
  }
  return 0;
}
