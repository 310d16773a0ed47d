// native:recurrent — LSTM, GRU (linear_before_reset = 1) and RNN (Tanh) at batch <= 4, where
// oneDNN 2.6's RNN primitive (kernels/onednn/rnn.cpp) is slow: on the zoo's lstm_speech (batch 1,
// hidden 256, 2 x bidirectional) it took 9.2 ms against onnxruntime's 5.5.
//
// The work splits in two:
//   - the input projection of every step, x_t W^T + biases, for all gates and both directions
//     at once: one oneDNN matmul [T N, I] x [I, D G H'] whose weights are packed at prepare()
//     with their columns in the step loop's block order (recurrent_steps.h);
//   - the recurrence, step by step (recurrent_steps.cpp): h_{t-1} R^T streamed from R packed
//     once per direction, the gates, c and h updated in registers, Y / Y_h / Y_c written in
//     ONNX's layouts directly.
// Threads: the two directions of a bidirectional node are independent, so with 2 or more
// threads each direction gets its own threads (no synchronisation; each direction's R stays in
// its own core's L2). Otherwise, when a step is big enough, the threads split a step's blocks
// and meet at a barrier after each step.
//
// Declined (left to onednn:rnn or the reference): weights, biases or peepholes not constant,
// clip, input_forget, non-default activations, GRU with linear_before_reset = 0 (its reset
// gate multiplies h before R: a second product per step), sequence_lens not constant (or out
// of range: the reference reports it), batches over kMaxBatch and projections over
// kMaxProjectionBytes (long sequences).
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "kernels/native/recurrent_steps.h"
#include "kernels/onednn/onednn_common.h"

namespace layerscope {
namespace {

using namespace native;
namespace in = recurrent_input;

constexpr int kPriority = 105;  // above onednn:rnn (100)
// Batch rows beyond which oneDNN's RNN primitive, a matrix product per step, is as fast or
// faster: per-run CPU time at 1 thread on Zen 5 (T 100, I 80, H 256), native vs onednn:rnn:
// bidirectional LSTM N 1: 1.4 vs 2.6 ms, N 2: 1.9 vs 2.9, N 8: 6.5 vs 6.0; GRU N 4: 1.1 vs 1.1,
// N 8: 2.5 vs 1.9.
constexpr int64_t kMaxBatch = 4;
// The projection [T N, D G H'] lives in scratch; beyond this the oneDNN kernel runs instead.
constexpr size_t kMaxProjectionBytes = size_t{64} << 20;
// Below this many multiply-adds per step and direction (G H H N), splitting a step across
// threads costs more (a barrier per step) than it saves.
constexpr int64_t kSplitStepMacs = 64 * 1024;
// Below this many multiply-adds the input projection runs on one thread: a few microseconds of
// work, less than waking a second one (and a sleeping thread, on a loaded machine, can take a
// scheduler time slice to come back).
constexpr int64_t kParallelProjectionMacs = 1024 * 1024;
constexpr size_t kAlign = 64;
size_t aligned(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

std::atomic<RecurrentIsa> g_isa_override{RecurrentIsa::None};

RecurrentIsa chosen_isa() {
  const RecurrentIsa forced = g_isa_override.load();
  return forced != RecurrentIsa::None ? forced : best_recurrent_isa();
}

RecurrentParams params_of(const KernelSetup& s) {
  std::vector<const Shape*> shapes;
  for (size_t i = 0; i < s.inputs.size(); ++i)
    shapes.push_back(onednn::has_input(s, static_cast<int>(i)) ? &s.inputs[i].shape : nullptr);
  return recurrent_params(s.node, shapes);
}

int gates_of(RecurrentKind k) { return k == RecurrentKind::Lstm ? 4 : k == RecurrentKind::Gru ? 3 : 1; }

// sequence_lens, when given, must be a constant (read once at prepare()) within [0, seq]; an
// out-of-range length is the reference kernel's error to report.
bool lengths_supported(const KernelSetup& s, int64_t seq) {
  if (!onednn::has_input(s, in::SequenceLens)) return true;
  const Tensor* lens = s.constants[in::SequenceLens];
  if (!lens || lens->dtype() != DType::I32) return false;
  for (int64_t b = 0; b < lens->numel(); ++b)
    if (lens->data_as<int32_t>()[b] < 0 || lens->data_as<int32_t>()[b] > seq) return false;
  return true;
}

// The matmul of the input projection: src [T N, I], packed weights [I, C], bias [1, C].
dnnl::matmul::primitive_desc projection_pd(int64_t M, int64_t I, int64_t C) {
  using dt = dnnl::memory::data_type;
  const dnnl::memory::desc src = onednn::plain_md({M, I}), dst = onednn::plain_md({M, C});
  const dnnl::memory::desc wei({I, C}, dt::f32, dnnl::memory::format_tag::any);
  const dnnl::memory::desc bias = onednn::plain_md({1, C});
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, wei, bias, dst), onednn::base_attr(), onednn::engine());
  onednn::require_optimized(pd);
  return pd;
}

bool recurrent_supported(const KernelSetup& s) {
  const RecurrentIsa isa = chosen_isa();
  if (!recurrent_step_function(isa, RecurrentKind::Lstm)) return false;
  if (!onednn::inputs_f32(s, {in::X, in::W, in::R, in::B, in::InitialH, in::InitialC, in::P}) ||
      !onednn::outputs_f32(s) || onednn::any_empty(s))
    return false;
  for (int i : {in::W, in::R, in::B, in::P})
    if (onednn::has_input(s, i) && !s.constants[i]) return false;  // packed once at prepare()
  return onednn::succeeds([&] {
    const RecurrentParams p = params_of(s);
    if (p.has_clip || p.input_forget || !p.default_activations() || !lengths_supported(s, p.seq))
      fail("needs the reference kernel");
    if (p.kind == RecurrentKind::Gru && !p.linear_before_reset) fail("GRU reset before R");
    if (p.batch > kMaxBatch) fail("batch: onednn:rnn is faster");
    const int64_t lanes = recurrent_lanes(isa), blocks = (p.hidden + lanes - 1) / lanes;
    const int64_t C = p.dirs * blocks * p.gates * lanes;
    if (static_cast<size_t>(p.seq * p.batch * C) * sizeof(float) > kMaxProjectionBytes) fail("projection too big");
    onednn::ThreadScope threads(s.threads);
    projection_pd(p.seq * p.batch, p.input, C);
  });
}

// 64-byte aligned float storage for packed weights (the step loop streams them in vectors).
class AlignedFloats {
 public:
  void assign(size_t n) {
    storage_.assign(n + kAlign / sizeof(float), 0.f);
    const auto addr = reinterpret_cast<uintptr_t>(storage_.data());
    data_ = storage_.data() + (aligned(addr) - addr) / sizeof(float);
    size_ = n;
  }
  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t bytes() const { return size_ * sizeof(float); }

 private:
  std::vector<float> storage_;
  float* data_ = nullptr;
  size_t size_ = 0;
};

class RecurrentKernel final : public Kernel {
 public:
  std::string name() const override {
    return std::string("native:recurrent:") + (isa_ == RecurrentIsa::Avx512 ? "avx512" : "avx2");
  }
  size_t scratch_bytes() const override { return scratch_; }
  size_t packed_weight_bytes() const override { return packed_bytes_; }
  bool reads_input_at_run(int input) const override {
    return input == in::X || input == in::InitialH || input == in::InitialC;
  }

  void prepare(const KernelSetup& s) override {
    onednn::ThreadScope scope(s.threads);
    p_ = params_of(s);
    isa_ = chosen_isa();
    step_ = recurrent_step_function(isa_, p_.kind);
    const int64_t D = p_.dirs, G = gates_of(p_.kind), H = p_.hidden, I = p_.input, T = p_.seq, N = p_.batch;
    const int64_t L = recurrent_lanes(isa_), blocks = (H + L - 1) / L, Hp = blocks * L;
    const int64_t C = D * blocks * G * L;
    steps_.kind = p_.kind;
    steps_.gates = static_cast<int>(G);
    steps_.dirs = static_cast<int>(D);
    steps_.layout = p_.layout;
    steps_.T = T, steps_.N = N, steps_.H = H, steps_.blocks = blocks, steps_.lanes = L;
    for (int d = 0; d < D; ++d) steps_.backwards[d] = p_.runs_backwards(d);
    has_out_[0] = onednn::has_output(s, 0);
    has_out_[1] = onednn::has_output(s, 1);
    has_out_[2] = p_.kind == RecurrentKind::Lstm && onednn::has_output(s, 2);
    has_init_h_ = onednn::has_input(s, in::InitialH);
    has_init_c_ = p_.kind == RecurrentKind::Lstm && onednn::has_input(s, in::InitialC);

    // Column of (dir, gate, unit) in the projection and in R's packed rows.
    auto column = [&](int64_t d, int64_t g, int64_t u) { return ((d * blocks + u / L) * G + g) * L + u % L; };
    const bool gru = p_.kind == RecurrentKind::Gru;
    const float* w = s.constants[in::W]->data_as<float>();
    const float* r = s.constants[in::R]->data_as<float>();
    const float* bias = onednn::has_input(s, in::B) ? s.constants[in::B]->data_as<float>() : nullptr;
    std::vector<float> wp(static_cast<size_t>(I * C), 0.f), bp(static_cast<size_t>(C), 0.f);
    r_.assign(static_cast<size_t>(D * blocks * H * G * L));
    rb_h_.assign(gru ? static_cast<size_t>(D * Hp) : 0);
    for (int64_t d = 0; d < D; ++d)
      for (int64_t g = 0; g < G; ++g)
        for (int64_t u = 0; u < H; ++u) {
          const int64_t row = (d * G + g) * H + u, col = column(d, g, u);
          for (int64_t k = 0; k < I; ++k) wp[k * C + col] = w[row * I + k];
          float* slab = r_.data() + (d * blocks + u / L) * H * G * L + g * L + u % L;
          for (int64_t k = 0; k < H; ++k) slab[k * G * L] = r[row * H + k];
          if (!bias) continue;
          // Wb + Rb, except GRU's gate h: its Rb is added inside the reset product.
          const float wb = bias[d * 2 * G * H + g * H + u], rb = bias[d * 2 * G * H + G * H + g * H + u];
          bp[col] = gru && g == 2 ? wb : wb + rb;
          if (gru && g == 2) rb_h_.data()[d * Hp + u] = rb;
        }
    if (p_.kind == RecurrentKind::Lstm && onednn::has_input(s, in::P)) {
      const float* src = s.constants[in::P]->data_as<float>();
      peephole_.assign(static_cast<size_t>(D * 3 * Hp));
      for (int64_t d = 0; d < D; ++d)
        for (int64_t k = 0; k < 3; ++k) std::copy_n(src + (d * 3 + k) * H, H, peephole_.data() + (d * 3 + k) * Hp);
    }
    steps_.r = r_.data();
    steps_.rb_h = gru ? rb_h_.data() : nullptr;
    steps_.peephole = peephole_.bytes() ? peephole_.data() : nullptr;
    if (onednn::has_input(s, in::SequenceLens)) {
      const Tensor& lens = *s.constants[in::SequenceLens];
      const int32_t* l = lens.data_as<int32_t>();
      if (std::any_of(l, l + N, [&](int32_t v) { return v != T; })) lengths_.assign(l, l + N);
    }
    steps_.lengths = lengths_.empty() ? nullptr : lengths_.data();

    const int64_t M = T * N;
    projection_threads_ = M * I * C >= kParallelProjectionMacs ? std::max(1, s.threads) : 1;
    onednn::ThreadScope projection_scope(projection_threads_);
    const dnnl::matmul::primitive_desc pd = projection_pd(M, I, C);
    runner_.init(dnnl::matmul(pd), pd);
    runner_.bind(DNNL_ARG_SRC, onednn::plain_md({M, I}));
    runner_.bind(DNNL_ARG_DST, onednn::plain_md({M, C}));
    runner_.bind_owned(DNNL_ARG_WEIGHTS, onednn::reorder_to(onednn::plain_md({I, C}), wp.data(), pd.weights_desc()));
    dnnl::memory bias_mem(onednn::plain_md({1, C}), onednn::engine());
    std::copy(bp.begin(), bp.end(), static_cast<float*>(bias_mem.get_data_handle()));
    runner_.bind_owned(DNNL_ARG_BIAS, bias_mem);
    packed_bytes_ =
        pd.weights_desc().get_size() + bp.size() * sizeof(float) + r_.bytes() + rb_h_.bytes() + peephole_.bytes();

    // Scratch: the matmul's scratchpad, the projection, h (two buffers) and c.
    size_t at = aligned(runner_.scratch_bytes());
    projection_at_ = at, at += aligned(static_cast<size_t>(M * C) * sizeof(float));
    h_at_ = at, at += aligned(static_cast<size_t>(2 * D * N * Hp) * sizeof(float));
    c_at_ = at, at += aligned(static_cast<size_t>(D * N * Hp) * sizeof(float));
    scratch_ = at;

    // Threads: a group per direction when there are threads for both (and the whole recurrence
    // is worth waking a thread for), else one group; a group splits each step's blocks only
    // when the step is big enough to pay for a barrier.
    const int threads = std::max(1, s.threads);
    const bool tiny = T * D * G * H * H * N < kSplitStepMacs;
    groups_ = D == 2 && threads >= 2 && !tiny ? 2 : 1;
    group_size_ = G * H * H * N >= kSplitStepMacs ? static_cast<int>(std::min<int64_t>(threads / groups_, blocks)) : 1;
  }

  void execute(std::span<const Tensor* const> ins, std::span<Tensor* const> outs, void* scratch) override {
    char* base = static_cast<char*>(scratch);
    auto out = [&](int i) {
      return has_out_[i] && i < static_cast<int>(outs.size()) && outs[i] ? outs[i]->data_as<float>() : nullptr;
    };
    RecurrentSteps s = steps_;
    s.projection = reinterpret_cast<const float*>(base + projection_at_);
    s.h = reinterpret_cast<float*>(base + h_at_);
    s.c = reinterpret_cast<float*>(base + c_at_);
    s.y = out(0), s.y_h = out(1), s.y_c = out(2);

    runner_.set(DNNL_ARG_SRC, ins[in::X]->data());
    runner_.set(DNNL_ARG_DST, base + projection_at_);
    {
      onednn::ThreadScope projection_scope(projection_threads_);
      runner_.run(scratch);
    }
    load_state(has_init_h_ ? ins[in::InitialH]->data_as<float>() : nullptr, s.h);
    if (p_.kind == RecurrentKind::Lstm) load_state(has_init_c_ ? ins[in::InitialC]->data_as<float>() : nullptr, s.c);

    const int team = groups_ * group_size_;
    const int64_t T = s.T, blocks = s.blocks;
#pragma omp parallel num_threads(team) if (team > 1)
    {
      const int tid = team > 1 ? omp_get_thread_num() : 0;
      const int group = tid / group_size_, member = tid % group_size_;
      const int64_t b0 = blocks * member / group_size_, b1 = blocks * (member + 1) / group_size_;
      const int d_begin = groups_ == 2 ? group : 0, d_end = groups_ == 2 ? group + 1 : s.dirs;
      for (int d = d_begin; d < d_end; ++d)
        for (int64_t t = 0; t < T; ++t) {
          step_(s, d, t, b0, b1);
          if (group_size_ > 1) {
#pragma omp barrier
          }
        }
    }
  }

 private:
  // An initial state ([D, N, H] or [N, D, H]; nullptr = zeros) into the padded [D][N][Hp].
  void load_state(const float* src, float* dst) const {
    const int64_t D = steps_.dirs, N = steps_.N, H = steps_.H, Hp = steps_.padded();
    std::memset(dst, 0, sizeof(float) * static_cast<size_t>(D * N * Hp));
    if (!src) return;
    for (int64_t d = 0; d < D; ++d)
      for (int64_t n = 0; n < N; ++n)
        std::memcpy(dst + (d * N + n) * Hp, src + (p_.layout == 0 ? d * N + n : n * D + d) * H, sizeof(float) * H);
  }

  RecurrentParams p_;
  RecurrentIsa isa_ = RecurrentIsa::None;
  RecurrentStepFn step_ = nullptr;
  RecurrentSteps steps_;
  bool has_out_[3] = {}, has_init_h_ = false, has_init_c_ = false;
  onednn::Runner runner_;
  AlignedFloats r_, rb_h_, peephole_;
  std::vector<int32_t> lengths_;  // sequence_lens, when any differs from T
  size_t packed_bytes_ = 0, scratch_ = 0, projection_at_ = 0, h_at_ = 0, c_at_ = 0;
  int groups_ = 1, group_size_ = 1, projection_threads_ = 1;
};

}  // namespace

namespace native {
void set_recurrent_isa_override(RecurrentIsa isa) { g_isa_override.store(isa); }
}  // namespace native

void register_native_recurrent_kernels(KernelRegistry& r) {
  for (const char* op : {"RNN", "GRU", "LSTM"}) {
    KernelDef d;
    d.op_type = op;
    d.name = "native:recurrent";
    d.priority = kPriority;
    d.supports = recurrent_supported;
    d.create = [] { return std::make_unique<RecurrentKernel>(); };
    r.add_kernel(std::move(d));
  }
}

}  // namespace layerscope
