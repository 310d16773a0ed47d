#include "help.h"

#include <cstdio>

namespace layerscope::cli {

const char* const kExitCodesHelp =
    "0 ok; 1 the model, its inputs or an output file could not be processed (the message says "
    "which and why); 2 usage error (unknown option, missing or malformed argument).";

namespace {

constexpr size_t kWidth = 100;        // wrap column
constexpr size_t kOptionColumn = 24;  // option help starts here

// Appends `text` word-wrapped at kWidth, every line indented by `indent` spaces except the
// first, which continues at `column` (the current position).
void wrap(std::string& out, const std::string& text, size_t indent, size_t column) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    if (column > indent && column + 1 + word.size() > kWidth) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    pos = end + 1;
  }
  out += "\n";
}

void paragraphs(std::string& out, const std::string& text, size_t indent) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find("\n\n", pos);
    if (end == std::string::npos) end = text.size();
    out += std::string(indent, ' ');
    wrap(out, text.substr(pos, end - pos), indent, indent);
    if (end < text.size()) out += "\n";
    pos = end + 2;
  }
}

}  // namespace

std::vector<OptionSpec> input_options() {
  return {
      {"input", "NAME=FILE.npy",
       "Value of model input NAME from a NumPy .npy file (dtype and shape must match the model; a float8 "
       "input takes its bit patterns as uint8, an INT4/UINT4 input its values as int8/uint8, or either the "
       "onnx package's own dtype, e.g. [('e4m3fn', '|u1')]). Repeat for "
       "each input; each input at most once. Inputs given neither here nor with --image get fixed-seed random "
       "values (announced on stderr), except inputs with a default in the model (an initializer that is also "
       "a graph input), which keep their default.",
       true},
      {"image", "[NAME=]FILE",
       "Feed an image (JPEG, PNG, BMP or PNM, told apart by its bytes) to input NAME (or to the only input): "
       "decoded, resized to the input's height and "
       "width, normalised as (pixel - mean) / std and laid out as the input expects (NCHW or NHWC). Images "
       "over 100 megapixels, corrupt or truncated data, and TIFF, WebP, JPEG 2000 and GIF files are refused."},
      {"mean", "R,G,B",
       "Per-channel mean subtracted from --image pixels (0-255 scale), in the model's channel order (after "
       "--bgr), finite numbers. Default 0,0,0."},
      {"std", "R,G,B", "Per-channel divisor for --image pixels, same order; finite and non-zero. Default 1,1,1."},
      {"bgr", nullptr, "Feed --image channels in BGR order instead of RGB."},
  };
}

std::vector<OptionSpec> thread_options() {
  return {
      {"threads", "N",
       "Intra-op worker threads, 1 to 1024. Default: one per --cores entry, else one per available core."},
      {"cores", "LIST",
       "Pin worker thread i to the i-th listed CPU core (the reference tool's core mask), e.g. 0,1 or 0-1 or "
       "0,2-3; with more threads than cores, thread i uses entry i mod count. Ids must be in this process's "
       "allowed CPU set (see taskset/cgroups). Default: no pinning (AUTO)."},
      {"no-optimize", nullptr,
       "Run the model's nodes one by one as exported: no fusions (ConvRelu, MatMulAdd, SDPAttention, ...) and "
       "no layout changes; constant sub-graphs are still folded. Slower; for comparing a profile with the "
       "original ONNX layers or checking what the rewrites buy."},
      {"max-memory", "SIZE",
       "Refuse a model whose plan needs more memory than SIZE (activations, scratch, weights), checked "
       "before anything is allocated: a byte count or a number with K, M, G or T (powers of 1024; KiB, MB, "
       "... also accepted), e.g. 512M or 1.5G. Default: the memory available when the model is loaded."},
  };
}

std::vector<OptionSpec> join_options(std::initializer_list<std::vector<OptionSpec>> groups) {
  std::vector<OptionSpec> all;
  for (const auto& g : groups) all.insert(all.end(), g.begin(), g.end());
  return all;
}

std::string format_help(const CommandSpec& s) {
  std::string out = "usage: layerscope ";
  out += s.name;
  if (*s.arguments) {
    out += ' ';
    out += s.arguments;
  }
  out += "\n\n";
  paragraphs(out, s.description, 2);
  out += "\noptions:\n";
  std::vector<OptionSpec> options = s.options;
  options.push_back({"help", nullptr, "Print this help and exit."});
  for (const OptionSpec& o : options) {
    std::string head = "  --";
    head += o.name;
    if (o.value) {
      head += ' ';
      head += o.value;
    }
    if (head.size() + 2 > kOptionColumn) {
      out += head;
      out += '\n';
      out.append(kOptionColumn, ' ');
    } else {
      out += head + std::string(kOptionColumn - head.size(), ' ');
    }
    wrap(out, o.help, kOptionColumn, kOptionColumn);
  }
  out += "\nexamples:\n";
  for (const char* e : s.examples) {
    out += "  ";
    out += e;
    out += '\n';
  }
  out += "\nexit codes:";
  wrap(out, kExitCodesHelp, 2, 11);
  return out;
}

int print_help(const CommandSpec& spec) {
  std::fputs(format_help(spec).c_str(), stdout);
  return 0;
}

}  // namespace layerscope::cli
