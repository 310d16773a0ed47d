// Reference kernel of RNN, GRU and LSTM, written from the ONNX spec's equations (fp64
// arithmetic, float or double tensors). With x_t the input at step t, h / c the previous
// states, W*, R*, Wb*, Rb*, P* the per-gate rows of W, R, B, P and (.) the elementwise product:
//   RNN   h' = f(x_t W_i^T + h R_i^T + Wb_i + Rb_i)
//   GRU   z = f(x_t W_z^T + h R_z^T + Wb_z + Rb_z)        r = f(x_t W_r^T + h R_r^T + Wb_r + Rb_r)
//         linear_before_reset = 0: h~ = g(x_t W_h^T + (r (.) h) R_h^T + Rb_h + Wb_h)
//         linear_before_reset = 1: h~ = g(x_t W_h^T + r (.) (h R_h^T + Rb_h) + Wb_h)
//         h' = (1 - z) (.) h~ + z (.) h
//   LSTM  i = f(x_t W_i^T + h R_i^T + P_i (.) c + Wb_i + Rb_i)
//         f = f(x_t W_f^T + h R_f^T + P_f (.) c + Wb_f + Rb_f)   (input_forget: f = 1 - i)
//         c~ = g(x_t W_c^T + h R_c^T + Wb_c + Rb_c)              c' = f (.) c + i (.) c~
//         o = f(x_t W_o^T + h R_o^T + P_o (.) c' + Wb_o + Rb_o)   h' = o (.) h(c')
// `clip` bounds every gate's pre-activation to [-clip, clip]. The reverse direction walks a
// sequence from its last valid step to step 0. With sequence_lens, batch row b runs only
// its first len[b] steps: Y is zero past them, Y_h / Y_c hold the state after the last step
// run (zero for an empty sequence).
#include <algorithm>
#include <vector>

#include "ops/nn/norm_common.h"
#include "ops/nn/recurrent.h"
#include "ops/op_def.h"

namespace layerscope {
namespace {

namespace in = recurrent_input;

// Where the pieces of one (direction, batch row) live, for either layout.
struct Indexing {
  const RecurrentParams& p;
  int64_t x(int64_t t, int64_t b) const { return (p.layout == 0 ? t * p.batch + b : b * p.seq + t) * p.input; }
  int64_t y(int64_t t, int d, int64_t b) const {
    return (p.layout == 0 ? (t * p.dirs + d) * p.batch + b : (b * p.seq + t) * p.dirs + d) * p.hidden;
  }
  int64_t state(int d, int64_t b) const { return (p.layout == 0 ? d * p.batch + b : b * p.dirs + d) * p.hidden; }
};

template <typename T>
struct Operands {
  const T *x, *w, *r, *bias, *h0, *c0, *peep;  // optional ones nullptr
  T *y, *yh, *yc;                              // absent outputs nullptr
};

// Per-thread working rows, in fp64.
struct Work {
  std::vector<double> h, c, xw, hr, rh;
  explicit Work(const RecurrentParams& p)
      : h(p.hidden), c(p.hidden), xw(p.gates * p.hidden), hr(p.gates * p.hidden), rh(p.hidden) {}
};

// out[j] = sum_k v[k] * m[(row0 + j) * cols + k] for j < rows (row0.. of a row-major matrix), plus bias.
template <typename T, typename V>
void matvec(const T* m, int64_t row0, int64_t rows, int64_t cols, const V* v, const T* bias, double* out) {
  for (int64_t j = 0; j < rows; ++j) {
    const T* row = m + (row0 + j) * cols;
    double s = bias ? static_cast<double>(bias[row0 + j]) : 0.0;
    for (int64_t k = 0; k < cols; ++k) s += static_cast<double>(v[k]) * static_cast<double>(row[k]);
    out[j] = s;
  }
}

template <typename T>
void run_sequence(const RecurrentParams& p, const Operands<T>& o, int d, int64_t b, int64_t len, Work& w) {
  const Indexing at{p};
  const int64_t H = p.hidden, I = p.input, G = p.gates, GH = G * H;
  const T* W = o.w + d * GH * I;
  const T* R = o.r + d * GH * H;
  const T* Wb = o.bias ? o.bias + d * 2 * GH : nullptr;
  const T* Rb = o.bias ? Wb + GH : nullptr;
  const T* P = o.peep ? o.peep + d * 3 * H : nullptr;
  const bool lstm = p.kind == RecurrentKind::Lstm, gru = p.kind == RecurrentKind::Gru;
  for (int64_t j = 0; j < H; ++j) {
    w.h[j] = o.h0 ? static_cast<double>(o.h0[at.state(d, b) + j]) : 0.0;
    w.c[j] = o.c0 ? static_cast<double>(o.c0[at.state(d, b) + j]) : 0.0;
  }
  auto clip = [&](double v) { return p.has_clip ? std::clamp(v, -double(p.clip), double(p.clip)) : v; };
  const RecurrentActivation& f = p.activation(d, 0);
  for (int64_t s = 0; s < len; ++s) {
    const int64_t t = p.runs_backwards(d) ? len - 1 - s : s;
    matvec(W, 0, GH, I, o.x + at.x(t, b), Wb, w.xw.data());
    // GRU without linear_before_reset needs r before the h gate's recurrent product.
    const int64_t rec_rows = gru && !p.linear_before_reset ? 2 * H : GH;
    matvec(R, 0, rec_rows, H, w.h.data(), Rb, w.hr.data());
    if (lstm) {
      const RecurrentActivation &g = p.activation(d, 1), &hact = p.activation(d, 2);
      for (int64_t j = 0; j < H; ++j) {
        auto pre = [&](int gate) { return w.xw[gate * H + j] + w.hr[gate * H + j]; };  // gates i, o, f, c
        const double i = f(clip(pre(0) + (P ? P[j] * w.c[j] : 0.0)));
        const double fg = p.input_forget ? 1.0 - i : f(clip(pre(2) + (P ? P[2 * H + j] * w.c[j] : 0.0)));
        const double cand = g(clip(pre(3)));
        w.c[j] = fg * w.c[j] + i * cand;
        const double og = f(clip(pre(1) + (P ? P[H + j] * w.c[j] : 0.0)));
        w.h[j] = og * hact(w.c[j]);
      }
    } else if (gru) {
      const RecurrentActivation& g = p.activation(d, 1);
      std::vector<double>& z = w.xw;  // z and r overwrite their pre-activations in place
      for (int64_t j = 0; j < 2 * H; ++j) z[j] = f(clip(w.xw[j] + w.hr[j]));
      const double* r = z.data() + H;
      if (!p.linear_before_reset) {
        for (int64_t k = 0; k < H; ++k) w.rh[k] = r[k] * w.h[k];
        matvec(R, 2 * H, H, H, w.rh.data(), Rb, w.hr.data() + 2 * H);
      }
      for (int64_t j = 0; j < H; ++j) {
        const double rec = p.linear_before_reset ? r[j] * w.hr[2 * H + j] : w.hr[2 * H + j];
        const double cand = g(clip(w.xw[2 * H + j] + rec));
        w.h[j] = (1 - z[j]) * cand + z[j] * w.h[j];
      }
    } else {
      for (int64_t j = 0; j < H; ++j) w.h[j] = f(clip(w.xw[j] + w.hr[j]));
    }
    if (o.y)
      for (int64_t j = 0; j < H; ++j) o.y[at.y(t, d, b) + j] = static_cast<T>(w.h[j]);
  }
  if (len == 0) std::fill(w.h.begin(), w.h.end(), 0.0), std::fill(w.c.begin(), w.c.end(), 0.0);
  for (int64_t j = 0; j < H; ++j) {
    if (o.yh) o.yh[at.state(d, b) + j] = static_cast<T>(w.h[j]);
    if (o.yc) o.yc[at.state(d, b) + j] = static_cast<T>(w.c[j]);
  }
}

template <typename T>
const T* data_or_null(std::span<const Tensor* const> ins, int i) {
  return i < static_cast<int>(ins.size()) && ins[i] ? ins[i]->data_as<T>() : nullptr;
}
template <typename T>
T* out_or_null(std::span<Tensor* const> outs, int i) {
  return i < static_cast<int>(outs.size()) && outs[i] ? outs[i]->data_as<T>() : nullptr;
}

void run_reference(const Node& node, std::span<const Tensor* const> ins, std::span<Tensor* const> outs) {
  std::vector<const Shape*> shapes;
  for (const Tensor* t : ins) shapes.push_back(t ? &t->shape() : nullptr);
  const RecurrentParams p = recurrent_params(node, shapes);
  std::vector<int64_t> lens(p.batch, p.seq);
  if (in::SequenceLens < static_cast<int>(ins.size()) && ins[in::SequenceLens]) {
    const int32_t* l = ins[in::SequenceLens]->data_as<int32_t>();
    for (int64_t b = 0; b < p.batch; ++b) {
      if (l[b] < 0 || l[b] > p.seq)
        fail(Graph::describe(node), ": sequence_lens[", b, "] is ", l[b], "; expected 0 to seq_length ", p.seq);
      lens[b] = l[b];
    }
  }
  dispatch_float(ins[in::X]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    const Operands<T> o{data_or_null<T>(ins, in::X),
                        data_or_null<T>(ins, in::W),
                        data_or_null<T>(ins, in::R),
                        data_or_null<T>(ins, in::B),
                        data_or_null<T>(ins, in::InitialH),
                        data_or_null<T>(ins, in::InitialC),
                        data_or_null<T>(ins, in::P),
                        out_or_null<T>(outs, 0),
                        out_or_null<T>(outs, 1),
                        out_or_null<T>(outs, 2)};
    if (o.y) std::fill(o.y, o.y + outs[0]->numel(), T(0));  // steps past a sequence's length
    const int64_t pairs = p.dirs * p.batch;
    const double macs = double(pairs) * double(p.seq) * double(p.gates * p.hidden) * double(p.input + p.hidden);
#pragma omp parallel if (pairs > 1 && macs >= kParallelMinElements * 16)
    {
      Work w(p);
#pragma omp for schedule(static)
      for (int64_t k = 0; k < pairs; ++k)
        run_sequence<T>(p, o, static_cast<int>(k / p.batch), k % p.batch, lens[k % p.batch], w);
    }
  });
}

}  // namespace

RefKernelFn recurrent_reference() { return run_reference; }

}  // namespace layerscope
