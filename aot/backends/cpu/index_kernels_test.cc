// Tests of the CPU indexing kernels against straightforward reference loops.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/scalar_types.h"
#include "aot/tensor/tensor.h"
#include "aot/tensor/testing/values.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

using op_testing::Values;
using ::testing::HasSubstr;
using K = ir::OpKind;

int64_t Numel(const std::vector<int64_t>& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

template <typename T>
double AsDouble(T v) {
  return static_cast<double>(static_cast<ComputeType<T>>(v));
}

template <typename T>
std::vector<T> Random(int64_t n, std::mt19937& rng) {
  std::vector<T> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i) {  // Not a range-for: std::vector<bool>.
    if constexpr (std::is_same_v<T, bool>) {
      v[i] = (rng() & 1) != 0;
    } else if constexpr (std::is_same_v<T, uint8_t>) {
      v[i] = static_cast<T>(rng() % 256);
    } else if constexpr (std::is_integral_v<T>) {
      v[i] = static_cast<T>(static_cast<int64_t>(rng() % 2001) - 1000);
    } else {
      v[i] = static_cast<T>(std::uniform_real_distribution<float>(-4.0f, 4.0f)(rng));
    }
  }
  return v;
}

std::vector<int64_t> RandomIndices(int64_t n, int64_t bound, std::mt19937& rng) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t& x : v) x = static_cast<int64_t>(rng() % static_cast<uint32_t>(bound));
  return v;
}

template <typename T>
std::vector<double> Doubles(const std::vector<T>& v) {
  std::vector<double> out;
  for (size_t i = 0; i < v.size(); ++i) out.push_back(AsDouble<T>(v[i]));
  return out;
}

std::vector<int64_t> Sizes(const Tensor& t) { return std::vector<int64_t>(t.sizes().begin(), t.sizes().end()); }

// A non-contiguous tensor of logical shape `sizes` (rank >= 2) holding
// `vals` in row-major order: the transpose of a contiguous tensor.
template <typename T>
Tensor Strided(const std::vector<T>& vals, std::vector<int64_t> sizes) {
  const int r = static_cast<int>(sizes.size());
  const int64_t rows = sizes[r - 2], cols = sizes[r - 1];
  const int64_t batch = rows * cols == 0 ? 0 : Numel(sizes) / (rows * cols);
  std::vector<T> phys(vals.size());
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) phys[(b * cols + j) * rows + i] = vals[(b * rows + i) * cols + j];
    }
  }
  std::vector<int64_t> ps = sizes;
  std::swap(ps[r - 2], ps[r - 1]);
  Tensor t = transpose(from_vector(phys, ps), -2, -1);
  EXPECT_TRUE(t.ok()) << t.status();
  return t;
}

// Row-major multi-index helpers.
std::vector<int64_t> Unravel(int64_t i, const std::vector<int64_t>& sizes) {
  std::vector<int64_t> idx(sizes.size());
  for (int d = static_cast<int>(sizes.size()) - 1; d >= 0; --d) {
    idx[d] = i % sizes[d];
    i /= sizes[d];
  }
  return idx;
}
int64_t Ravel(const std::vector<int64_t>& idx, const std::vector<int64_t>& sizes) {
  int64_t i = 0;
  for (size_t d = 0; d < sizes.size(); ++d) i = i * sizes[d] + idx[d];
  return i;
}

void ExpectInvalid(const Tensor& t, const std::string& fragment) {
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << t.status();
  EXPECT_THAT(std::string(t.status().message()), HasSubstr(fragment));
}

// --- Copying ops over every dtype ----------------------------------------------

// Type parameters are wrapped: gtest prints them through typeid, and the
// runtime has no typeinfo for _Float16.
template <typename T>
struct Elem {
  using type = T;
};

template <typename T>
class IndexKernelsTypedTest : public ::testing::Test {};
using AllTypes = ::testing::Types<Elem<float>, Elem<double>, Elem<Half>, Elem<BFloat16>, Elem<int32_t>, Elem<int64_t>,
                                  Elem<bool>, Elem<uint8_t>>;
TYPED_TEST_SUITE(IndexKernelsTypedTest, AllTypes);

TYPED_TEST(IndexKernelsTypedTest, CatMatchesReference) {
  using T = typename TypeParam::type;
  std::mt19937 rng(1);
  // Shapes [3, a_i, 4] concatenated along dim 1 (given as -2); the second is
  // a transposed view.
  std::vector<int64_t> widths = {2, 5, 0, 3};
  std::vector<std::vector<T>> vals;
  std::vector<Tensor> inputs;
  for (size_t k = 0; k < widths.size(); ++k) {
    std::vector<int64_t> sizes = {3, widths[k], 4};
    vals.push_back(Random<T>(Numel(sizes), rng));
    inputs.push_back(k == 1 ? Strided(vals[k], sizes) : from_vector(vals[k], sizes));
  }
  EXPECT_FALSE(inputs[1].is_contiguous());
  Tensor out = cat(inputs, -2);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Sizes(out), (std::vector<int64_t>{3, 10, 4}));
  EXPECT_EQ(out.dtype(), DTypeOf<T>::value);
  std::vector<double> want;
  for (int64_t a = 0; a < 3; ++a) {
    for (size_t k = 0; k < widths.size(); ++k) {
      for (int64_t b = 0; b < widths[k] * 4; ++b) want.push_back(AsDouble(vals[k][a * widths[k] * 4 + b]));
    }
  }
  EXPECT_EQ(Values(out), want);
}

TYPED_TEST(IndexKernelsTypedTest, StackMatchesReference) {
  using T = typename TypeParam::type;
  std::mt19937 rng(2);
  std::vector<int64_t> sizes = {2, 3};
  for (int64_t dim : {0, 1, 2, -1}) {
    std::vector<std::vector<T>> vals;
    std::vector<Tensor> inputs;
    for (int k = 0; k < 3; ++k) {
      vals.push_back(Random<T>(6, rng));
      inputs.push_back(k == 2 ? Strided(vals[k], sizes) : from_vector(vals[k], sizes));
    }
    Tensor out = stack(inputs, dim);
    ASSERT_TRUE(out.ok()) << out.status();
    const int d = dim < 0 ? dim + 3 : dim;
    std::vector<int64_t> out_sizes = sizes;
    out_sizes.insert(out_sizes.begin() + d, 3);
    EXPECT_EQ(Sizes(out), out_sizes);
    std::vector<double> want(18);
    for (int64_t i = 0; i < 18; ++i) {
      std::vector<int64_t> idx = Unravel(i, out_sizes);
      int64_t k = idx[d];
      idx.erase(idx.begin() + d);
      want[i] = AsDouble(vals[k][Ravel(idx, sizes)]);
    }
    EXPECT_EQ(Values(out), want) << "dim " << dim;
  }
}

TYPED_TEST(IndexKernelsTypedTest, TriuTrilMatchReference) {
  using T = typename TypeParam::type;
  std::mt19937 rng(3);
  std::vector<int64_t> sizes = {2, 4, 5};
  std::vector<T> vals = Random<T>(Numel(sizes), rng);
  for (bool strided : {false, true}) {
    Tensor x = strided ? Strided(vals, sizes) : from_vector(vals, sizes);
    for (int64_t diag : {-5, -1, 0, 2, 7}) {
      Tensor up = triu(x, diag), lo = tril(x, diag);
      ASSERT_TRUE(up.ok()) << up.status();
      ASSERT_TRUE(lo.ok()) << lo.status();
      std::vector<double> want_up, want_lo;
      for (int64_t i = 0; i < Numel(sizes); ++i) {
        std::vector<int64_t> idx = Unravel(i, sizes);
        int64_t r = idx[1], c = idx[2];
        want_up.push_back(c - r >= diag ? AsDouble(vals[i]) : 0.0);
        want_lo.push_back(c - r <= diag ? AsDouble(vals[i]) : 0.0);
      }
      EXPECT_EQ(Values(up), want_up) << "diagonal " << diag;
      EXPECT_EQ(Values(lo), want_lo) << "diagonal " << diag;
    }
  }
}

TYPED_TEST(IndexKernelsTypedTest, IndexSelectMatchesReference) {
  using T = typename TypeParam::type;
  std::mt19937 rng(4);
  std::vector<int64_t> sizes = {3, 4, 5};
  std::vector<T> vals = Random<T>(Numel(sizes), rng);
  for (int64_t dim : {0, 1, -1}) {
    const int d = dim < 0 ? dim + 3 : dim;
    std::vector<int64_t> idx = RandomIndices(7, sizes[d], rng);
    for (bool strided : {false, true}) {
      Tensor x = strided ? Strided(vals, sizes) : from_vector(vals, sizes);
      Tensor out = index_select(x, dim, from_vector(idx, {7}));
      ASSERT_TRUE(out.ok()) << out.status();
      std::vector<int64_t> out_sizes = sizes;
      out_sizes[d] = 7;
      EXPECT_EQ(Sizes(out), out_sizes);
      std::vector<double> want;
      for (int64_t i = 0; i < Numel(out_sizes); ++i) {
        std::vector<int64_t> p = Unravel(i, out_sizes);
        p[d] = idx[p[d]];
        want.push_back(AsDouble(vals[Ravel(p, sizes)]));
      }
      EXPECT_EQ(Values(out), want) << "dim " << dim;
    }
  }
}

TYPED_TEST(IndexKernelsTypedTest, GatherMatchesReference) {
  using T = typename TypeParam::type;
  std::mt19937 rng(5);
  std::vector<int64_t> sizes = {4, 5, 3};
  std::vector<T> vals = Random<T>(Numel(sizes), rng);
  for (int64_t dim : {0, 1, 2, -2}) {
    const int d = dim < 0 ? dim + 3 : dim;
    // The index is smaller than self in the other dimensions and longer in d.
    std::vector<int64_t> is = {3, 4, 2};
    is[d] = 6;
    std::vector<int64_t> idx = RandomIndices(Numel(is), sizes[d], rng);
    Tensor x = Strided(vals, sizes);
    Tensor index = Strided(idx, is);
    Tensor out = gather(x, dim, index);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(Sizes(out), is);
    std::vector<double> want;
    for (int64_t i = 0; i < Numel(is); ++i) {
      std::vector<int64_t> p = Unravel(i, is);
      p[d] = idx[i];
      want.push_back(AsDouble(vals[Ravel(p, sizes)]));
    }
    EXPECT_EQ(Values(out), want) << "dim " << dim;
  }
}

// --- Accumulating ops -------------------------------------------------------------

template <typename T>
class AccumulateTypedTest : public ::testing::Test {};
using AccumulateTypes = ::testing::Types<Elem<float>, Elem<double>, Elem<int32_t>, Elem<int64_t>>;
TYPED_TEST_SUITE(AccumulateTypedTest, AccumulateTypes);

TYPED_TEST(AccumulateTypedTest, ScatterAddMatchesReference) {
  using T = typename TypeParam::type;
  std::mt19937 rng(6);
  std::vector<int64_t> ss = {4, 5, 3};
  std::vector<int64_t> rs = {5, 6, 6};
  std::vector<T> self = Random<T>(Numel(ss), rng);
  std::vector<T> src = Random<T>(Numel(rs), rng);
  for (int64_t dim : {0, 1, -1}) {
    const int d = dim < 0 ? dim + 3 : dim;
    std::vector<int64_t> is = {3, 4, 2};
    is[d] = 5;  // Longer than self along d: indices repeat.
    std::vector<int64_t> idx = RandomIndices(Numel(is), ss[d], rng);
    Tensor out = scatter_add(Strided(self, ss), dim, from_vector(idx, is), Strided(src, rs));
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(Sizes(out), ss);
    std::vector<T> want = self;
    for (int64_t i = 0; i < Numel(is); ++i) {
      std::vector<int64_t> p = Unravel(i, is);
      T v = src[Ravel(p, rs)];
      p[d] = idx[i];
      T& w = want[Ravel(p, ss)];
      w = static_cast<T>(w + v);
    }
    std::vector<double> got = Values(out), expected = Doubles(want);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5) << i;
  }
}

TYPED_TEST(AccumulateTypedTest, IndexAddMatchesReference) {
  using T = typename TypeParam::type;
  std::mt19937 rng(7);
  std::vector<int64_t> ss = {4, 3, 5};
  std::vector<T> self = Random<T>(Numel(ss), rng);
  const double alpha = std::is_floating_point_v<T> ? 0.5 : 3;
  for (int64_t dim : {0, 1, -1}) {
    const int d = dim < 0 ? dim + 3 : dim;
    std::vector<int64_t> rs = ss;
    rs[d] = 8;  // Eight indices: some repeat.
    std::vector<T> src = Random<T>(Numel(rs), rng);
    std::vector<int64_t> idx = RandomIndices(8, ss[d], rng);
    Tensor out = index_add(Strided(self, ss), dim, from_vector(idx, {8}), Strided(src, rs), alpha);
    ASSERT_TRUE(out.ok()) << out.status();
    std::vector<T> want = self;
    for (int64_t i = 0; i < Numel(rs); ++i) {
      std::vector<int64_t> p = Unravel(i, rs);
      T v = src[i];
      p[d] = idx[p[d]];
      T& w = want[Ravel(p, ss)];
      w = static_cast<T>(w + static_cast<T>(alpha) * v);
    }
    std::vector<double> got = Values(out), expected = Doubles(want);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5) << i;
  }
}

TEST(IndexKernelsTest, IndexAddInplaceWritesStridedSelf) {
  std::mt19937 rng(8);
  // self is a transposed view [3, 4] of a [4, 3] base; index_add_ along
  // dim 1 must land in the base's storage through the strides.
  std::vector<float> base_vals = Random<float>(12, rng);
  Tensor base = from_vector(base_vals, {4, 3});
  Tensor self = transpose(base, 0, 1);
  std::vector<float> src = Random<float>(3 * 5, rng);
  std::vector<int64_t> idx = {3, 0, 3, 1, 2};
  std::vector<Tensor> r = CallOp(K::kIndexAdd_, {self, from_vector(idx, {5}), from_vector(src, {3, 5})},
                                 {{"dim", int64_t{1}}, {"alpha", 2.0}});
  ASSERT_TRUE(r[0].ok()) << r[0].status();
  EXPECT_EQ(r[0].impl(), self.impl());  // Returns self.
  std::vector<float> want = base_vals;  // want[j * 3 + i] is self[i, j].
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t k = 0; k < 5; ++k) want[idx[k] * 3 + i] += 2.0f * src[i * 5 + k];
  }
  std::vector<double> got = Values(base), expected = Doubles(want);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5) << i;
}

TEST(IndexKernelsTest, IndexAddInplaceContiguousAndAliasedSource) {
  // source is a view of self: it must be read before self is written.
  Tensor self = from_vector<float>({1, 2, 3, 4}, {4});
  Tensor source = slice(self, 0, 0, 2);
  Tensor out = CallOp1(K::kIndexAdd_, {self, from_vector<int64_t>({2, 3}, {2}), source}, {{"dim", int64_t{0}}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Values(self), (std::vector<double>{1, 2, 4, 6}));
}

TEST(IndexKernelsTest, IndexAddInt32IndexAndBFloat16) {
  Tensor self = zeros({3, 2}, {.dtype = DType::kBFloat16});
  Tensor idx = from_vector<int32_t>({2, 2, 0}, {3});
  Tensor src = from_vector(std::vector<BFloat16>{1.5f, 2.0f, 3.25f, 4.0f, 5.0f, 6.0f}, {3, 2});
  Tensor out = index_add(self, 0, idx, src);
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<double> s = Values(src);
  EXPECT_EQ(Values(out), (std::vector<double>{s[4], s[5], 0, 0, s[0] + s[2], s[1] + s[3]}));
}

TEST(IndexKernelsTest, ScatterAddBoolAndUInt8) {
  Tensor self = from_vector<uint8_t>({1, 2, 3}, {3});
  Tensor out = scatter_add(self, 0, from_vector<int64_t>({0, 0, 2}, {3}), from_vector<uint8_t>({10, 20, 255}, {3}));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(Values(out), (std::vector<double>{31, 2, 2}));  // 3 + 255 wraps.
  Tensor b = scatter_add(from_vector<bool>({false, false}, {2}), 0, from_vector<int64_t>({1, 1}, {2}),
                         from_vector<bool>({true, true}, {2}));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(Values(b), (std::vector<double>{0, 1}));
}

// --- Embedding ----------------------------------------------------------------------

TEST(IndexKernelsTest, EmbeddingMatchesReference) {
  std::mt19937 rng(9);
  const int64_t num = 7, dim = 5;
  std::vector<float> w = Random<float>(num * dim, rng);
  std::vector<int64_t> idx = RandomIndices(12, num, rng);
  for (DType index_dtype : {DType::kInt64, DType::kInt32}) {
    Tensor indices = from_vector(idx, {3, 4});
    if (index_dtype == DType::kInt32) {
      std::vector<int32_t> i32(idx.begin(), idx.end());
      indices = from_vector(i32, {4, 3});
      indices = transpose(indices, 0, 1);  // Non-contiguous [3, 4]: element [a, b] is idx[b * 3 + a].
    }
    // padding_idx does not affect the forward.
    Tensor out = embedding(Strided(w, {num, dim}), indices, /*padding_idx=*/idx[0]);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(Sizes(out), (std::vector<int64_t>{3, 4, dim}));
    std::vector<double> want;
    for (int64_t a = 0; a < 3; ++a) {
      for (int64_t b = 0; b < 4; ++b) {
        int64_t k = index_dtype == DType::kInt32 ? idx[b * 3 + a] : idx[a * 4 + b];
        for (int64_t j = 0; j < dim; ++j) want.push_back(w[k * dim + j]);
      }
    }
    EXPECT_EQ(Values(out), want);
  }
}

TEST(IndexKernelsTest, EmbeddingBackwardSumsRowsAndZeroesPadding) {
  std::mt19937 rng(10);
  for (int64_t dim : {3, 300}) {  // Both the row-split and the column-split paths.
    const int64_t num = 6;
    std::vector<int64_t> idx = RandomIndices(20, num, rng);
    idx[0] = idx[1] = 2;
    std::vector<float> g = Random<float>(20 * dim, rng);
    for (int64_t padding_idx : {int64_t{-1}, int64_t{2}}) {
      Tensor out = CallOp1(K::kEmbeddingBackward, {from_vector(g, {4, 5, dim}), from_vector(idx, {4, 5})},
                           {{"num_weights", num}, {"padding_idx", padding_idx}});
      ASSERT_TRUE(out.ok()) << out.status();
      EXPECT_EQ(Sizes(out), (std::vector<int64_t>{num, dim}));
      std::vector<double> want(num * dim, 0.0);
      for (int64_t k = 0; k < 20; ++k) {
        if (idx[k] == padding_idx) continue;
        for (int64_t j = 0; j < dim; ++j) want[idx[k] * dim + j] += g[k * dim + j];
      }
      std::vector<double> got = Values(out);
      for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4) << i;
      if (padding_idx == 2) {
        for (int64_t j = 0; j < dim; ++j) EXPECT_EQ(got[2 * dim + j], 0.0);
      }
    }
  }
}

TEST(IndexKernelsTest, EmbeddingBackwardHalfAccumulatesInFloat) {
  // 2048 ones summed in f16 would stall at 2048; in float they reach 3000.
  const int64_t n = 3000;
  Tensor g = ones({n, 1}, {.dtype = DType::kFloat16});
  Tensor idx = zeros({n}, {.dtype = DType::kInt64});
  Tensor out = CallOp1(K::kEmbeddingBackward, {g, idx}, {{"num_weights", int64_t{2}}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out.dtype(), DType::kFloat16);
  EXPECT_EQ(Values(out), (std::vector<double>{3000, 0}));
}

// --- select_backward, slice_backward ------------------------------------------------

TEST(IndexKernelsTest, SelectBackwardPlacesGrad) {
  std::mt19937 rng(11);
  std::vector<int64_t> sizes = {3, 4, 2};
  for (int64_t dim : {0, 1, -1}) {
    const int d = dim < 0 ? dim + 3 : dim;
    for (int64_t index : {int64_t{0}, int64_t{-1}}) {
      std::vector<int64_t> gs = sizes;
      gs.erase(gs.begin() + d);
      std::vector<double> g = Random<double>(Numel(gs), rng);
      Tensor out =
          CallOp1(K::kSelectBackward, {Strided(g, gs)}, {{"input_sizes", sizes}, {"dim", dim}, {"index", index}});
      ASSERT_TRUE(out.ok()) << out.status();
      EXPECT_EQ(Sizes(out), sizes);
      const int64_t at = index < 0 ? index + sizes[d] : index;
      std::vector<double> want;
      for (int64_t i = 0; i < Numel(sizes); ++i) {
        std::vector<int64_t> p = Unravel(i, sizes);
        if (p[d] != at) {
          want.push_back(0);
          continue;
        }
        p.erase(p.begin() + d);
        want.push_back(g[Ravel(p, gs)]);
      }
      EXPECT_EQ(Values(out), want);
    }
  }
}

TEST(IndexKernelsTest, SliceBackwardPlacesGrad) {
  std::mt19937 rng(12);
  std::vector<int64_t> sizes = {4, 7};
  struct Case {
    int64_t dim, start, end, step;
  };
  for (Case c : {Case{1, 1, 6, 2}, Case{-1, -5, INT64_MAX, 3}, Case{0, 0, 4, 1}, Case{0, 3, 1, 1}}) {
    const int d = c.dim < 0 ? c.dim + 2 : c.dim;
    const int64_t size = sizes[d];
    auto clamp = [&](int64_t x) { return std::clamp<int64_t>(x < 0 ? x + size : x, 0, size); };
    const int64_t start = clamp(c.start), end = clamp(c.end);
    const int64_t len = end > start ? (end - start + c.step - 1) / c.step : 0;
    std::vector<int64_t> gs = sizes;
    gs[d] = len;
    std::vector<float> g = Random<float>(Numel(gs), rng);
    Tensor out =
        CallOp1(K::kSliceBackward, {from_vector(g, gs)},
                {{"input_sizes", sizes}, {"dim", c.dim}, {"start", c.start}, {"end", c.end}, {"step", c.step}});
    ASSERT_TRUE(out.ok()) << out.status();
    std::vector<double> want(Numel(sizes), 0.0);
    for (int64_t i = 0; i < Numel(gs); ++i) {
      std::vector<int64_t> p = Unravel(i, gs);
      p[d] = start + p[d] * c.step;
      want[Ravel(p, sizes)] = g[i];
    }
    EXPECT_EQ(Values(out), want) << "start " << c.start << " end " << c.end;
  }
}

// --- Empty tensors ----------------------------------------------------------------------

TEST(IndexKernelsTest, EmptyTensors) {
  Tensor e = zeros({0, 3});
  Tensor x = ones({2, 3});
  Tensor c = cat({e, x, e}, 0);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(Sizes(c), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(Values(c), std::vector<double>(6, 1.0));

  Tensor s = stack({e, e}, 1);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(Sizes(s), (std::vector<int64_t>{0, 2, 3}));

  Tensor sel = index_select(x, 1, zeros({0}, {.dtype = DType::kInt64}));
  ASSERT_TRUE(sel.ok()) << sel.status();
  EXPECT_EQ(Sizes(sel), (std::vector<int64_t>{2, 0}));

  Tensor g = gather(x, 0, zeros({0, 3}, {.dtype = DType::kInt64}));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(Sizes(g), (std::vector<int64_t>{0, 3}));

  Tensor t = triu(zeros({2, 0, 4}));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(Sizes(t), (std::vector<int64_t>{2, 0, 4}));

  Tensor emb = embedding(x, zeros({0}, {.dtype = DType::kInt64}));
  ASSERT_TRUE(emb.ok()) << emb.status();
  EXPECT_EQ(Sizes(emb), (std::vector<int64_t>{0, 3}));

  Tensor ia = index_add(x, 0, zeros({0}, {.dtype = DType::kInt64}), zeros({0, 3}));
  ASSERT_TRUE(ia.ok()) << ia.status();
  EXPECT_EQ(Values(ia), std::vector<double>(6, 1.0));

  Tensor sa = scatter_add(x, 0, zeros({0, 3}, {.dtype = DType::kInt64}), zeros({0, 3}));
  ASSERT_TRUE(sa.ok()) << sa.status();
  EXPECT_EQ(Values(sa), std::vector<double>(6, 1.0));
}

TEST(IndexKernelsTest, CatPromotesDTypes) {
  Tensor a = from_vector<int32_t>({1, 2}, {2});
  Tensor b = from_vector<float>({0.5f}, {1});
  Tensor c = from_vector<bool>({true}, {1});
  Tensor out = cat({a, b, c});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out.dtype(), DType::kFloat32);
  EXPECT_EQ(Values(out), (std::vector<double>{1, 2, 0.5, 1}));
  Tensor st = stack({c, from_vector<int64_t>({-3}, {1})});
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st.dtype(), DType::kInt64);
  EXPECT_EQ(Values(st), (std::vector<double>{1, -3}));
}

TEST(IndexKernelsTest, ScalarSelf) {
  Tensor x = scalar_tensor(4.0);
  Tensor sel = index_select(x, 0, from_vector<int64_t>({0}, {1}));
  ASSERT_TRUE(sel.ok()) << sel.status();
  EXPECT_EQ(Values(sel), std::vector<double>{4});
  ExpectInvalid(index_select(x, 0, from_vector<int64_t>({1}, {1})), "index 1 is out of range");
  Tensor ia = index_add(x, -1, from_vector<int64_t>({0}, {1}), scalar_tensor(2.0));
  ASSERT_TRUE(ia.ok()) << ia.status();
  EXPECT_EQ(Values(ia), std::vector<double>{6});
}

TEST(IndexKernelsTest, LargeInputsUseThreads) {
  // Big enough for ParallelFor to split; compares against the reference.
  std::mt19937 rng(13);
  const int64_t rows = 300, cols = 1000;
  std::vector<float> vals = Random<float>(rows * cols, rng);
  Tensor x = Strided(vals, {rows, cols});
  Tensor c = cat({x, x}, 1);
  ASSERT_TRUE(c.ok()) << c.status();
  std::vector<double> got = Values(c);
  for (int64_t r = 0; r < rows; r += 37) {
    for (int64_t j = 0; j < cols; j += 101) {
      EXPECT_EQ(got[r * 2 * cols + j], vals[r * cols + j]);
      EXPECT_EQ(got[r * 2 * cols + cols + j], vals[r * cols + j]);
    }
  }
  Tensor t = tril(x);
  ASSERT_TRUE(t.ok()) << t.status();
  std::vector<double> tv = Values(t);
  for (int64_t r = 0; r < rows; r += 13) {
    for (int64_t j = 0; j < cols; j += 7) EXPECT_EQ(tv[r * cols + j], j <= r ? vals[r * cols + j] : 0.0f);
  }
}

// --- Errors ---------------------------------------------------------------------------------

TEST(IndexKernelsTest, OutOfRangeIndicesAreInvalidArgument) {
  Tensor x = ones({3, 4});
  ExpectInvalid(index_select(x, 0, from_vector<int64_t>({0, 5}, {2})),
                "index_select: index 5 is out of range for dimension 0 of size 3 (valid range [0, 3))");
  ExpectInvalid(index_select(x, -1, from_vector<int32_t>({-1}, {1})), "index -1 is out of range");
  ExpectInvalid(gather(x, 1, from_vector<int64_t>({0, 4}, {1, 2})),
                "gather: index 4 is out of range for dimension 1 of size 4");
  ExpectInvalid(scatter_add(x, 0, from_vector<int64_t>({3}, {1, 1}), ones({1, 1})),
                "scatter_add: index 3 is out of range");
  ExpectInvalid(index_add(x, 1, from_vector<int64_t>({-2}, {1}), ones({3, 1})), "index_add: index -2 is out of range");
  ExpectInvalid(CallOp1(K::kIndexAdd_, {x, from_vector<int64_t>({9}, {1}), ones({1, 4})}, {{"dim", int64_t{0}}}),
                "index_add_: index 9 is out of range");
  EXPECT_EQ(Values(x), std::vector<double>(12, 1.0));  // Nothing written.
  ExpectInvalid(embedding(x, from_vector<int64_t>({1, 3}, {2})),
                "embedding: index 3 is out of range for dimension 0 of size 3");
  ExpectInvalid(
      CallOp1(K::kEmbeddingBackward, {ones({2, 4}), from_vector<int64_t>({0, 7}, {2})}, {{"num_weights", int64_t{5}}}),
      "embedding_backward: index 7 is out of range");
  ExpectInvalid(CallOp1(K::kSelectBackward, {ones({4})},
                        {{"input_sizes", std::vector<int64_t>{3, 4}}, {"dim", int64_t{0}}, {"index", int64_t{3}}}),
                "select_backward: index 3 is out of range");
}

TEST(IndexKernelsTest, ShapeMismatchesAreInvalidArgument) {
  Tensor x = ones({3, 4});
  // gather: the index may not be larger than self outside dim.
  ExpectInvalid(gather(x, 0, zeros({2, 5}, {.dtype = DType::kInt64})), "larger than self");
  // scatter_add: the index may not be larger than src.
  ExpectInvalid(scatter_add(x, 0, zeros({2, 2}, {.dtype = DType::kInt64}), ones({1, 2})), "no larger than src");
  ExpectInvalid(CallOp1(K::kEmbeddingBackward, {ones({2, 4}), from_vector<int64_t>({0, 1, 2}, {3})},
                        {{"num_weights", int64_t{5}}}),
                "must be indices [3] plus one embedding dimension");
  ExpectInvalid(CallOp1(K::kEmbeddingBackward, {ones({2, 4}), from_vector<int64_t>({0, 1}, {2})},
                        {{"num_weights", int64_t{5}}, {"padding_idx", int64_t{5}}}),
                "padding_idx 5 is out of range");
  ExpectInvalid(CallOp1(K::kSelectBackward, {ones({3})},
                        {{"input_sizes", std::vector<int64_t>{3, 4}}, {"dim", int64_t{0}}, {"index", int64_t{0}}}),
                "must have shape [4]");
  ExpectInvalid(CallOp1(K::kSliceBackward, {ones({3, 2})},
                        {{"input_sizes", std::vector<int64_t>{3, 4}},
                         {"dim", int64_t{2}},
                         {"start", int64_t{0}},
                         {"end", int64_t{2}},
                         {"step", int64_t{1}}}),
                "dim 2 is out of range");
  ExpectInvalid(index_add(from_vector<int32_t>({1, 2}, {2}), 0, from_vector<int64_t>({0}, {1}),
                          from_vector<int32_t>({1}, {1}), 1.5),
                "alpha 1.5 must be an integer");
  ExpectInvalid(CallOp1(K::kIndexAdd_, {expand(ones({1, 4}), {3, 4}), from_vector<int64_t>({0}, {1}), ones({1, 4})},
                        {{"dim", int64_t{0}}}),
                "share memory");
}

}  // namespace
}  // namespace aot
