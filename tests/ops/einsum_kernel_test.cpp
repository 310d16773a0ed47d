// The oneDNN Einsum kernel (kernels/onednn/einsum.cpp) against Einsum's reference kernel on
// random two-operand equations: batch dims, transposed operands (labels shuffled in every
// term), '...' ellipsis, size-1 dims broadcast against the other operand, diagonals, and
// explicit and implicit outputs, through the kernel harness: |kernel - ref| <= 1e-4 * max(1,
// max|ref|) (fp32 accumulation order differs; the reference accumulates in double).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "common/kernel_check.h"

namespace layerscope {
namespace {

Node einsum_node(const std::string& equation) {
  Attributes a;
  a.set("equation", equation);
  return testing::make_node("Einsum", 12, 2, 1, std::move(a));
}

struct Outcome {
  bool supported = false;
  std::string name;
  size_t scratch = 0;
};

// Every Einsum kernel that accepts the node against the reference (tests/common/kernel_check.h);
// reports whether onednn:einsum was among them.
Outcome check(const std::string& equation, const Tensor& a, const Tensor& b, int threads = 1) {
  const testing::KernelCheck r = testing::check_kernels(einsum_node(equation), {{a}, {b}}, {.threads = threads});
  if (const testing::KernelRun* k = r.find("onednn:einsum")) return {true, k->implementation, k->scratch_bytes};
  return {};
}

std::mt19937& rng() {
  static std::mt19937 r(2024);
  return r;
}
int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng()); }

Tensor random_tensor(Shape shape) {
  Tensor t(DType::F32, std::move(shape));
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = u(rng());
  return t;
}

// One random contraction: labels drawn from a-z in four groups, each term's letters shuffled.
struct RandomCase {
  std::string equation;
  Shape a, b;
};

RandomCase random_case(bool ellipsis, bool broadcast, bool diagonal) {
  std::string letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::shuffle(letters.begin(), letters.end(), rng());
  size_t next = 0;
  std::vector<char> batch, m, n, k;
  for (auto* g : {&batch, &m, &n, &k})
    for (int i = pick(0, 2); i > 0; --i) g->push_back(letters[next++]);
  if (k.empty() && m.empty() && n.empty()) k.push_back(letters[next++]);
  std::map<char, int64_t> size;
  for (size_t i = 0; i < next; ++i) size[letters[i]] = pick(1, 6);
  std::vector<char> ta(batch), tb(batch), to(batch);
  ta.insert(ta.end(), m.begin(), m.end());
  ta.insert(ta.end(), k.begin(), k.end());
  tb.insert(tb.end(), k.begin(), k.end());
  tb.insert(tb.end(), n.begin(), n.end());
  to.insert(to.end(), m.begin(), m.end());
  to.insert(to.end(), n.begin(), n.end());
  for (auto* t : {&ta, &tb, &to}) std::shuffle(t->begin(), t->end(), rng());
  if (diagonal && !ta.empty())
    ta.insert(ta.begin() + pick(0, static_cast<int>(ta.size())), ta[pick(0, static_cast<int>(ta.size()) - 1)]);
  RandomCase c;
  std::map<char, int64_t> a_size = size, b_size = size;
  // A size-1 dim in one operand against the full size in the other (batch or K labels only:
  // the others occur once). Not for a label A repeats (the diagonal needs equal sizes).
  if (broadcast) {
    std::vector<char> shared(batch);
    shared.insert(shared.end(), k.begin(), k.end());
    if (!shared.empty()) {
      char l = shared[pick(0, static_cast<int>(shared.size()) - 1)];
      if (std::count(ta.begin(), ta.end(), l) == 1 && pick(0, 1)) a_size[l] = 1;
      else b_size[l] = 1;
    }
  }
  // '...': 1-2 leading dims, numpy-broadcast (right-aligned, some size 1, A may have fewer).
  Shape ea, eb;
  if (ellipsis) {
    const int rank = pick(1, 2);
    for (int i = 0; i < rank; ++i) {
      const int64_t s = pick(2, 3);
      ea.push_back(pick(0, 3) == 0 ? 1 : s);
      eb.push_back(pick(0, 3) == 0 ? 1 : s);
    }
    if (pick(0, 2) == 0) ea.erase(ea.begin());
  }
  auto term = [&](const std::vector<char>& t) {
    std::string s = ellipsis ? "..." : "";
    return s + std::string(t.begin(), t.end());
  };
  c.equation = term(ta) + "," + term(tb);
  const bool implicit = batch.empty() && !ellipsis && !diagonal && pick(0, 2) == 0;  // batch labels would be summed
  if (implicit) {
    std::sort(to.begin(), to.end());  // ASCII order: the implicit output is the same product
  } else {
    c.equation += "->" + term(to);
  }
  c.a = ea;
  for (char l : ta) c.a.push_back(a_size[l]);
  c.b = eb;
  for (char l : tb) c.b.push_back(b_size[l]);
  return c;
}

TEST(EinsumKernel, RandomEquationsAgreeWithReference) {
  int supported = 0, total = 0;
  for (int c = 0; c < 240; ++c) {
    const bool ellipsis = c % 4 == 1, broadcast = c % 3 == 2, diagonal = c % 5 == 4;
    RandomCase rc = random_case(ellipsis, broadcast, diagonal);
    SCOPED_TRACE(rc.equation + " " + shape_to_string(rc.a) + " x " + shape_to_string(rc.b));
    Outcome o = check(rc.equation, random_tensor(rc.a), random_tensor(rc.b), 1 + c % 2);
    ++total;
    supported += o.supported;
    EXPECT_TRUE(o.supported) << "every two-operand contraction without a one-sided sum is served";
    if (o.supported) {
      EXPECT_EQ(o.name.rfind("onednn:einsum:", 0), 0u) << o.name;
    }
  }
  std::printf("supported %d/%d\n", supported, total);
}

TEST(EinsumKernel, InPlaceOperandsNeedNoCopies) {
  // MaxViT's window attention: Q K^T with K read transposed in place, then P V; the result is
  // in output order. Scratch then holds no operand copy (below one input's size).
  const Shape q{1, 8, 2, 49, 32};
  Outcome o = check("B G H I D, B G H J D -> B G H I J", random_tensor(q), random_tensor(q));
  ASSERT_TRUE(o.supported);
  EXPECT_LT(o.scratch, static_cast<size_t>(shape_numel(q)) * 4) << o.name;
  o = check("BGHIJ,BGHJD->BGHID", random_tensor({1, 8, 2, 49, 49}), random_tensor(q));
  ASSERT_TRUE(o.supported);
  EXPECT_LT(o.scratch, static_cast<size_t>(shape_numel(q)) * 4) << o.name;
  // A permuted output needs a copy of the result.
  o = check("bij,bjk->kbi", random_tensor({3, 40, 50}), random_tensor({3, 50, 60}));
  ASSERT_TRUE(o.supported);
  EXPECT_GE(o.scratch, size_t{3 * 40 * 60 * 4}) << o.name;
}

TEST(EinsumKernel, DeclinesWhatTheReferenceMustDo) {
  // 'i' is summed out of A alone: a reduction before the product, left to the reference.
  EXPECT_FALSE(check("ij,jk->k", random_tensor({2, 3}), random_tensor({3, 4})).supported);
  EXPECT_FALSE(check("ij,jk->i", random_tensor({2, 3}), random_tensor({3, 4})).supported);
  // Empty tensors.
  EXPECT_FALSE(check("ij,jk->ik", random_tensor({0, 3}), random_tensor({3, 4})).supported);
}

TEST(EinsumKernel, FixedCases) {
  struct C {
    const char* eq;
    Shape a, b;
  } cases[] = {
      {"ij,jk->ik", {17, 33}, {33, 9}},
      {"ij,kj->ik", {17, 33}, {9, 33}},  // B transposed
      {"ji,jk->ik", {33, 17}, {33, 9}},  // A transposed
      {"ij,jk->ki", {17, 33}, {33, 9}},  // output transposed
      {"i,i", {5}, {5}},                 // inner product
      {"i,j->ij", {5}, {7}},             // outer product
      {"bij,bjk->bik", {5, 2, 3}, {5, 3, 4}},
      {"bij,bjk->bik", {1, 2, 3}, {5, 3, 4}},  // batch broadcast
      {"...ij,...jk->...ik", {2, 1, 2, 3}, {5, 3, 4}},
      {"ii,ij->ij", {4, 4}, {4, 3}},  // diagonal of A
      {"bhid,bhjd->bhij", {2, 3, 7, 8}, {2, 3, 5, 8}},
      {"bhij,bhjd->bihd", {2, 3, 7, 5}, {2, 3, 5, 8}},
      {"nchw,kc->nkhw", {2, 6, 3, 4}, {5, 6}},  // a 1x1 convolution
  };
  for (const C& c : cases) {
    SCOPED_TRACE(c.eq);
    EXPECT_TRUE(check(c.eq, random_tensor(c.a), random_tensor(c.b)).supported);
  }
}

}  // namespace
}  // namespace layerscope
