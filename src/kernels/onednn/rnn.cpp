// RNN, GRU and LSTM on oneDNN's RNN primitives (vanilla_rnn_forward, gru_forward,
// lbr_gru_forward, lstm_forward; one layer, forward_inference, f32) for the common cases:
// constant W / R / B / P, no clip, the default activations (RNN also Relu, LeakyRelu,
// Sigmoid), no input_forget, and no sequence_lens unless it is a constant equal to seq_length
// everywhere. Everything else is left to the reference kernel (ops/nn/recurrent_reference.cpp).
//
// ONNX and oneDNN differ in three ways, handled here:
//   - gate order: ONNX LSTM rows are i, o, f, c and oneDNN's i, f, c, o; P is i, o, f in ONNX
//     and i, f, o in oneDNN; GRU (z, r, h = u, r, o) and RNN agree. prepare() repacks W and R
//     once from ONNX's [D, G*H, K] into oneDNN's ldigo [1, D, K, G, H], then reorders them into
//     the primitive's preferred packed format.
//   - bias: oneDNN takes one bias per gate, so Wb + Rb is summed, except that the
//     linear_before_reset GRU (lbr_gru) keeps Rb_h apart, as a fourth "gate" of the bias,
//     because there it is added inside the reset product: r (.) (h R_h^T + Rb_h).
//   - shapes: oneDNN's state tensors are [layers, D, N, H] (ONNX layout 0's Y_h as is) and its
//     bidirectional output is [T, N, D*H] (concatenated), which is ONNX layout 1's Y
//     [N, T, D, H] read as format ntc, but not layout 0's [T, D, N, H]: that one, and the
//     layout-1 states [N, D, H], go through scratch buffers and a transposing copy.
#include <cstring>

#include "kernels/onednn/onednn_common.h"
#include "ops/nn/recurrent.h"

namespace layerscope {
namespace {

using namespace onednn;
using tag = dnnl::memory::format_tag;
namespace in = recurrent_input;

// ONNX gate (row block) for each oneDNN gate.
constexpr int kLstmGateFromOnnx[4] = {0, 2, 3, 1};  // oneDNN i, f, c, o <- ONNX i, o, f, c
constexpr int kPeepholeFromOnnx[3] = {0, 2, 1};     // oneDNN i, f, o    <- ONNX i, o, f
constexpr int kSameGate[4] = {0, 1, 2, 3};

constexpr size_t kAlign = 64;
size_t aligned(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

RecurrentParams params_of(const KernelSetup& s) {
  std::vector<const Shape*> shapes;
  for (size_t i = 0; i < s.inputs.size(); ++i)
    shapes.push_back(has_input(s, static_cast<int>(i)) ? &s.inputs[i].shape : nullptr);
  return recurrent_params(s.node, shapes);
}

// The RNN activation as a oneDNN eltwise algorithm (+ alpha), when both directions agree.
bool vanilla_activation(const RecurrentParams& p, dnnl::algorithm* alg, float* alpha) {
  const RecurrentActivation& a = p.activation(0, 0);
  if (p.dirs == 2 && (p.activation(1, 0).kind != a.kind || p.activation(1, 0).alpha != a.alpha)) return false;
  *alpha = 0.f;
  switch (a.kind) {
    case RecurrentActivationKind::Tanh: *alg = dnnl::algorithm::eltwise_tanh; return true;
    case RecurrentActivationKind::Sigmoid: *alg = dnnl::algorithm::eltwise_logistic; return true;
    case RecurrentActivationKind::Relu: *alg = dnnl::algorithm::eltwise_relu; return true;
    case RecurrentActivationKind::LeakyRelu: *alg = dnnl::algorithm::eltwise_relu, *alpha = a.alpha; return true;
    default: return false;
  }
}

// The four state tensors, as oneDNN arguments: initial_h, initial_c, Y_h, Y_c.
enum StateSlot { kInH, kInC, kOutH, kOutC };
constexpr int kStateArg[4] = {DNNL_ARG_SRC_ITER, DNNL_ARG_SRC_ITER_C, DNNL_ARG_DST_ITER, DNNL_ARG_DST_ITER_C};

struct RnnBuild {
  RecurrentParams p;
  bool lbr = false, peephole = false;
  // Per StateSlot: the node has that input / output; the primitive takes that argument (an
  // LSTM takes h and c together: a missing partner is zeros in, or scratch out).
  bool present[4] = {}, bound[4] = {};
  bool y_direct = false;  // the primitive writes Y itself (else scratch + copy, or Y absent)
  dnnl::memory::desc src_layer, src_iter, src_iter_c, w_layer, w_iter, w_peephole, bias, dst_layer, dst_iter,
      dst_iter_c;
  dnnl::memory::desc w_layer_packed, w_iter_packed;  // the primitive's choice
  dnnl::primitive_desc_base pd;
  std::function<dnnl::primitive()> create;
};

RnnBuild build_rnn(const KernelSetup& s) {
  RnnBuild b;
  b.p = params_of(s);
  const RecurrentParams& p = b.p;
  const int64_t T = p.seq, N = p.batch, I = p.input, H = p.hidden, D = p.dirs;
  b.lbr = p.kind == RecurrentKind::Gru && p.linear_before_reset;
  b.peephole = p.kind == RecurrentKind::Lstm && has_input(s, in::P);
  const bool lstm = p.kind == RecurrentKind::Lstm;
  b.present[kInH] = has_input(s, in::InitialH);
  b.present[kInC] = lstm && has_input(s, in::InitialC);
  b.present[kOutH] = has_output(s, 1);
  b.present[kOutC] = lstm && has_output(s, 2);
  b.bound[kInH] = b.present[kInH] || b.present[kInC];
  b.bound[kInC] = lstm && b.bound[kInH];
  b.bound[kOutH] = b.present[kOutH] || b.present[kOutC];
  b.bound[kOutC] = lstm && b.bound[kOutH];
  const int64_t G = p.gates, bias_gates = b.lbr ? 4 : G;
  const tag seq_tag = p.layout == 0 ? tag::tnc : tag::ntc;
  b.src_layer = dnnl::memory::desc({T, N, I}, dnnl::memory::data_type::f32, seq_tag);
  const dnnl::memory::desc state({1, D, N, H}, dnnl::memory::data_type::f32, tag::ldnc);
  b.src_iter = b.bound[kInH] ? state : dnnl::memory::desc();
  b.src_iter_c = b.bound[kInC] ? state : dnnl::memory::desc();
  b.w_layer = dnnl::memory::desc({1, D, I, G, H}, dnnl::memory::data_type::f32, tag::ldigo);
  b.w_iter = dnnl::memory::desc({1, D, H, G, H}, dnnl::memory::data_type::f32, tag::ldigo);
  if (b.peephole) b.w_peephole = dnnl::memory::desc({1, D, 3, H}, dnnl::memory::data_type::f32, tag::ldgo);
  b.bias = dnnl::memory::desc({1, D, bias_gates, H}, dnnl::memory::data_type::f32, tag::ldgo);
  // Y in ONNX's layout straight from the primitive: one direction (either layout), or two
  // concatenated in the batch-major layout.
  b.y_direct = has_output(s, 0) && (D == 1 || p.layout == 1);
  b.dst_layer = dnnl::memory::desc({T, N, D * H}, dnnl::memory::data_type::f32, b.y_direct ? seq_tag : tag::tnc);
  b.dst_iter = b.bound[kOutH] ? state : dnnl::memory::desc();
  b.dst_iter_c = b.bound[kOutC] ? state : dnnl::memory::desc();

  const auto dir = p.direction == RecurrentParams::Direction::Forward   ? dnnl::rnn_direction::unidirectional_left2right
                   : p.direction == RecurrentParams::Direction::Reverse ? dnnl::rnn_direction::unidirectional_right2left
                                                                        : dnnl::rnn_direction::bidirectional_concat;
  const auto prop = dnnl::prop_kind::forward_inference;
  const dnnl::memory::desc wl_any({1, D, I, G, H}, dnnl::memory::data_type::f32, tag::any);
  const dnnl::memory::desc wi_any({1, D, H, G, H}, dnnl::memory::data_type::f32, tag::any);
  auto finish = [&](auto pd, auto make) {
    b.w_layer_packed = pd.weights_layer_desc();
    b.w_iter_packed = pd.weights_iter_desc();
    b.pd = pd;
    b.create = [pd, make] { return make(pd); };
  };
  if (p.kind == RecurrentKind::Lstm) {
    dnnl::lstm_forward::desc d(prop, dir, b.src_layer, b.src_iter, b.src_iter_c, wl_any, wi_any, b.w_peephole, b.bias,
                               b.dst_layer, b.dst_iter, b.dst_iter_c);
    finish(dnnl::lstm_forward::primitive_desc(d, base_attr(), engine()),
           [](const dnnl::lstm_forward::primitive_desc& pd) { return dnnl::primitive(dnnl::lstm_forward(pd)); });
  } else if (b.lbr) {
    dnnl::lbr_gru_forward::desc d(prop, dir, b.src_layer, b.src_iter, wl_any, wi_any, b.bias, b.dst_layer, b.dst_iter);
    finish(dnnl::lbr_gru_forward::primitive_desc(d, base_attr(), engine()),
           [](const dnnl::lbr_gru_forward::primitive_desc& pd) { return dnnl::primitive(dnnl::lbr_gru_forward(pd)); });
  } else if (p.kind == RecurrentKind::Gru) {
    dnnl::gru_forward::desc d(prop, dir, b.src_layer, b.src_iter, wl_any, wi_any, b.bias, b.dst_layer, b.dst_iter);
    finish(dnnl::gru_forward::primitive_desc(d, base_attr(), engine()),
           [](const dnnl::gru_forward::primitive_desc& pd) { return dnnl::primitive(dnnl::gru_forward(pd)); });
  } else {
    dnnl::algorithm alg;
    float alpha = 0.f;
    if (!vanilla_activation(p, &alg, &alpha)) fail("activation has no oneDNN equivalent");
    dnnl::vanilla_rnn_forward::desc d(prop, alg, dir, b.src_layer, b.src_iter, wl_any, wi_any, b.bias, b.dst_layer,
                                      b.dst_iter, dnnl::rnn_flags::undef, alpha);
    finish(dnnl::vanilla_rnn_forward::primitive_desc(d, base_attr(), engine()),
           [](const dnnl::vanilla_rnn_forward::primitive_desc& pd) {
             return dnnl::primitive(dnnl::vanilla_rnn_forward(pd));
           });
  }
  return b;
}

// sequence_lens, when given, must be a constant equal to seq_length for every batch row.
bool full_lengths(const KernelSetup& s, int64_t seq) {
  if (!has_input(s, in::SequenceLens)) return true;
  const Tensor* lens = s.constants[in::SequenceLens];
  if (!lens || lens->dtype() != DType::I32) return false;
  for (int64_t b = 0; b < lens->numel(); ++b)
    if (lens->data_as<int32_t>()[b] != seq) return false;
  return true;
}

bool rnn_supported(const KernelSetup& s) {
  if (!inputs_f32(s, {in::X, in::W, in::R, in::B, in::InitialH, in::InitialC, in::P}) || !outputs_f32(s) ||
      any_empty(s))
    return false;
  for (int i : {in::W, in::R, in::B, in::P})
    if (has_input(s, i) && !s.constants[i]) return false;  // packed once at prepare()
  return succeeds([&] {
    const RecurrentParams p = params_of(s);
    if (p.has_clip || p.input_forget || !full_lengths(s, p.seq)) fail("needs the reference kernel");
    if (p.kind != RecurrentKind::Rnn && !p.default_activations()) fail("activations");
    build_rnn(s);
  });
}

// [a, b, c] -> [b, a, c] for float rows of c values (state layouts, Y of layout 0).
void swap_outer(const float* src, float* dst, int64_t a, int64_t b, int64_t c) {
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j) std::memcpy(dst + (j * a + i) * c, src + (i * b + j) * c, sizeof(float) * c);
}

class RnnKernel : public OnednnKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    b_ = build_rnn(s);
    const RecurrentParams& p = b_.p;
    runner_.init(b_.create(), b_.pd);
    pack_weights(s);
    if (has_input(s, in::SequenceLens)) mark_packed(in::SequenceLens);  // checked all full above; never read
    runner_.bind(DNNL_ARG_SRC_LAYER, b_.src_layer);
    runner_.bind(DNNL_ARG_DST_LAYER, b_.dst_layer);
    const dnnl::memory::desc state_md = b_.bound[kInH] ? b_.src_iter : b_.dst_iter;
    for (int k = 0; k < 4; ++k)
      if (b_.bound[k]) runner_.bind(kStateArg[k], state_md);
    // Scratch after the primitive's scratchpad: Y in oneDNN's layout unless written directly;
    // states in oneDNN's [D, N, H] for layout 1, and an LSTM's unrequested Y_h or Y_c. An
    // initial state the node omits while giving its partner is a zero row of our own.
    const size_t y_bytes = sizeof(float) * static_cast<size_t>(p.seq * p.batch * p.dirs * p.hidden);
    const size_t state_bytes = sizeof(float) * static_cast<size_t>(p.dirs * p.batch * p.hidden);
    size_t at = aligned(runner_.scratch_bytes());
    if (!b_.y_direct) y_at_ = at, at += aligned(y_bytes);
    for (int k = 0; k < 4; ++k) {
      const bool input = k == kInH || k == kInC;
      if (!b_.bound[k]) continue;
      if (b_.present[k] ? p.layout == 1 : !input) state_at_[k] = at, at += aligned(state_bytes);
      if (!b_.present[k] && input) zeros_.assign(state_bytes / sizeof(float), 0.f);
    }
    scratch_ = at;
  }

  // "onednn:rnn:brgemm", or "onednn:rnn:gemm" where oneDNN reports "ref": its CPU RNN driver
  // (ref_rnn) is not a per-element loop like its other "ref" implementations but runs each
  // step's matrix products on its packed sgemm, so it is not flagged as a slow fallback.
  std::string name() const override {
    const std::string impl = runner_.name().substr(std::string("onednn:").size());
    return "onednn:rnn:" + (impl.rfind("ref", 0) == 0 ? std::string("gemm") : impl);
  }
  size_t scratch_bytes() const override { return scratch_; }

  void execute(std::span<const Tensor* const> ins, std::span<Tensor* const> outs, void* scratch) override {
    const RecurrentParams& p = b_.p;
    char* base = static_cast<char*>(scratch);
    auto out = [&](int i) {
      return i < static_cast<int>(outs.size()) && outs[i] ? outs[i]->data_as<float>() : nullptr;
    };
    const int64_t D = p.dirs, N = p.batch, H = p.hidden, T = p.seq;
    // Layout-1 states [N, D, H] are transposed to oneDNN's [D, N, H] on the way in and out.
    constexpr int kStateInput[2] = {in::InitialH, in::InitialC};
    for (int k : {kInH, kInC}) {
      if (!b_.bound[k]) continue;
      const float* src = b_.present[k] ? ins[kStateInput[k]]->data_as<float>() : zeros_.data();
      if (b_.present[k] && p.layout == 1) {
        float* tmp = reinterpret_cast<float*>(base + state_at_[k]);
        swap_outer(src, tmp, N, D, H);
        src = tmp;
      }
      runner_.set(kStateArg[k], src);
    }
    for (int k : {kOutH, kOutC})
      if (b_.bound[k])
        runner_.set(kStateArg[k],
                    b_.present[k] && p.layout == 0 ? static_cast<void*>(out(k - 1)) : base + state_at_[k]);
    runner_.set(DNNL_ARG_SRC_LAYER, ins[in::X]->data());
    runner_.set(DNNL_ARG_DST_LAYER, b_.y_direct ? static_cast<void*>(out(0)) : base + y_at_);
    runner_.run(scratch);
    // Y [T, N, D*H] -> ONNX layout 0 [T, D, N, H]: per step, [N, D, H] -> [D, N, H].
    if (!b_.y_direct && out(0)) {
      const float* y = reinterpret_cast<const float*>(base + y_at_);
      for (int64_t t = 0; t < T; ++t) swap_outer(y + t * N * D * H, out(0) + t * D * N * H, N, D, H);
    }
    if (p.layout == 1)
      for (int k : {kOutH, kOutC})
        if (b_.present[k]) swap_outer(reinterpret_cast<const float*>(base + state_at_[k]), out(k - 1), D, N, H);
  }

 private:
  // W / R [D, G*H, K] (ONNX gate order) -> ldigo [1, D, K, G, H] (oneDNN's), then the
  // primitive's packed format; B and P into oneDNN's bias and peephole (see the file comment).
  void pack_weights(const KernelSetup& s) {
    const RecurrentParams& p = b_.p;
    const int64_t D = p.dirs, G = p.gates, H = p.hidden;
    const int* gate_from = p.kind == RecurrentKind::Lstm ? kLstmGateFromOnnx : kSameGate;
    auto repack = [&](const Tensor& t, int64_t K) {
      std::vector<float> out(static_cast<size_t>(D * K * G * H));
      const float* src = t.data_as<float>();
      for (int64_t d = 0; d < D; ++d)
        for (int64_t g = 0; g < G; ++g)
          for (int64_t h = 0; h < H; ++h) {
            const float* row = src + (d * G * H + gate_from[g] * H + h) * K;
            for (int64_t k = 0; k < K; ++k) out[static_cast<size_t>(((d * K + k) * G + g) * H + h)] = row[k];
          }
      return out;
    };
    const std::vector<float> wl = repack(*s.constants[in::W], p.input);
    const std::vector<float> wi = repack(*s.constants[in::R], H);
    dnnl::memory wl_mem = reorder_to(b_.w_layer, wl.data(), b_.w_layer_packed);
    dnnl::memory wi_mem = reorder_to(b_.w_iter, wi.data(), b_.w_iter_packed);
    runner_.bind_owned(DNNL_ARG_WEIGHTS_LAYER, wl_mem);
    runner_.bind_owned(DNNL_ARG_WEIGHTS_ITER, wi_mem);
    packed_bytes_ = b_.w_layer_packed.get_size() + b_.w_iter_packed.get_size();
    mark_packed(in::W);
    mark_packed(in::R);

    // bias[d][g][h] = Wb + Rb of ONNX gate gate_from[g]; lbr GRU: gate 2 = Wb_h, gate 3 = Rb_h.
    const int64_t bias_gates = b_.lbr ? 4 : G;
    dnnl::memory bias(b_.bias, engine());
    float* bp = static_cast<float*>(bias.get_data_handle());
    std::fill(bp, bp + D * bias_gates * H, 0.f);
    if (has_input(s, in::B)) {
      const float* src = s.constants[in::B]->data_as<float>();
      for (int64_t d = 0; d < D; ++d)
        for (int64_t g = 0; g < G; ++g)
          for (int64_t h = 0; h < H; ++h) {
            const float wb = src[d * 2 * G * H + gate_from[g] * H + h];
            const float rb = src[d * 2 * G * H + G * H + gate_from[g] * H + h];
            const bool split = b_.lbr && g == 2;
            bp[(d * bias_gates + g) * H + h] = split ? wb : wb + rb;
            if (split) bp[(d * bias_gates + 3) * H + h] = rb;
          }
      mark_packed(in::B);
    }
    runner_.bind_owned(DNNL_ARG_BIAS, bias);
    packed_bytes_ += b_.bias.get_size();
    if (b_.peephole) {
      dnnl::memory peep(b_.w_peephole, engine());
      float* pp = static_cast<float*>(peep.get_data_handle());
      const float* src = s.constants[in::P]->data_as<float>();
      for (int64_t d = 0; d < D; ++d)
        for (int k = 0; k < 3; ++k)
          for (int64_t h = 0; h < H; ++h) pp[(d * 3 + k) * H + h] = src[(d * 3 + kPeepholeFromOnnx[k]) * H + h];
      runner_.bind_owned(DNNL_ARG_WEIGHTS_PEEPHOLE, peep);
      packed_bytes_ += b_.w_peephole.get_size();
      mark_packed(in::P);
    }
  }

  RnnBuild b_;
  size_t scratch_ = 0, y_at_ = 0;
  size_t state_at_[4] = {0, 0, 0, 0};  // per StateSlot: its scratch offset, when it has one
  std::vector<float> zeros_;           // an omitted initial state whose partner is given
};

}  // namespace

void register_onednn_rnn(KernelRegistry& r) {
  for (const char* op : {"RNN", "GRU", "LSTM"})
    onednn::add_kernel(r, op, "rnn", rnn_supported, [] { return std::make_unique<RnnKernel>(); });
}

}  // namespace layerscope
