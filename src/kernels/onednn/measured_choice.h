// Plan-time measurement of two oneDNN implementations of one node, for choices that depend on
// the CPU rather than on the shape alone. Example: oneDNN picks its brgemm convolution on
// channels-last data wherever it exists, but on an AMD Zen 4 its older direct kernel on nCw16c
// runs a 1-D 512->512 k3/s2 convolution over 3199 steps in 22.5 ms against brgemm's 28.4 ms
// (1 thread), while on 2-D 256->256 3x3 layers brgemm is 1.35x faster: no shape rule holds on
// every CPU, so the conv kernel times both on this machine (kernels/onednn/conv.cpp).
//
// A measurement runs each primitive on zero-filled buffers of its own (no executor data), with
// the node's thread count, and keeps the fastest run. Results are cached for the process by
// key, so a model planned again (a new input shape elsewhere, a second session) measures
// nothing twice. LAYERSCOPE_NO_MEASURED_CHOICES=1 turns measuring off: every choice is then
// oneDNN's own, and plans are the same on every run (read once per process).
#pragma once
#include <functional>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string>

namespace layerscope::onednn {

// False when LAYERSCOPE_NO_MEASURED_CHOICES is set (to anything but 0).
bool measured_choices_enabled();

// Fastest time in milliseconds of `pd`'s primitive (a convolution: src, weights, bias, dst
// and scratchpad arguments), over runs until three or ~10 ms have been timed (one run for a
// layer of 10 ms or more). Call it inside the ThreadScope `pd` was created in: oneDNN fixes a
// primitive's thread decomposition at creation, and the runs use that count.
double fastest_run_ms(const dnnl::convolution_forward::primitive_desc& pd);

// The cached answer for `key`, computing it with `measure` the first time (process-wide,
// thread-safe). Counts the computations for tests (measurements_made()).
bool cached_choice(const std::string& key, const std::function<bool()>& measure);
int measurements_made();

}  // namespace layerscope::onednn
