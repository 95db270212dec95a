// Tests of the CPU linear-algebra kernels (matmul, mm, bmm, addmm, linear)
// against a reference loop in double, on random inputs, contiguous and
// strided (transposed, sliced, expanded), with broadcast batch dimensions.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "aot/tensor/testing/values.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

using op_testing::Values;
using ::testing::HasSubstr;

using Shape = std::vector<int64_t>;

int64_t Numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Tensor Random(const Shape& sizes, DType dtype, uint32_t seed) {
  std::mt19937 rng(seed);
  if (ir::IsIntegral(dtype)) {
    // Small integers: exact products, no overflow.
    std::uniform_int_distribution<int64_t> ints(-20, 20);
    std::vector<int64_t> v(static_cast<size_t>(Numel(sizes)));
    for (int64_t& x : v) x = ints(rng);
    return Tensor::FromVector<int64_t>(v, sizes).to(dtype);
  }
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(static_cast<size_t>(Numel(sizes)));
  for (double& x : v) x = dist(rng);
  if (dtype == DType::kFloat64) return Tensor::FromVector<double>(v, sizes);
  std::vector<float> f(v.begin(), v.end());
  Tensor t = Tensor::FromVector<float>(f, sizes);
  return dtype == DType::kFloat32 ? t : t.to(dtype);
}

Shape Sizes(const Tensor& t) { return Shape(t.sizes().begin(), t.sizes().end()); }

// torch.matmul in double on row-major values.
std::vector<double> RefMatmul(const std::vector<double>& a, Shape sa, const std::vector<double>& b, Shape sb,
                              Shape* out_shape) {
  bool a_vec = sa.size() == 1, b_vec = sb.size() == 1;
  if (a_vec) sa.insert(sa.begin(), 1);
  if (b_vec) sb.push_back(1);
  const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
  Shape ba(sa.begin(), sa.end() - 2), bb(sb.begin(), sb.end() - 2);
  const size_t rank = std::max(ba.size(), bb.size());
  ba.insert(ba.begin(), rank - ba.size(), 1);
  bb.insert(bb.begin(), rank - bb.size(), 1);
  Shape batch(rank);
  for (size_t i = 0; i < rank; ++i) batch[i] = ba[i] == 1 ? bb[i] : ba[i];
  std::vector<double> out(static_cast<size_t>(Numel(batch) * m * n));
  std::vector<int64_t> idx(rank, 0);
  for (int64_t bi = 0; bi < Numel(batch); ++bi) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < rank; ++d) {
      ia = ia * ba[d] + (ba[d] == 1 ? 0 : idx[d]);
      ib = ib * bb[d] + (bb[d] == 1 ? 0 : idx[d]);
    }
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += a[(ia * m + i) * k + p] * b[(ib * k + p) * n + j];
        out[(bi * m + i) * n + j] = acc;
      }
    }
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  *out_shape = batch;
  if (!a_vec) out_shape->push_back(m);
  if (!b_vec) out_shape->push_back(n);
  return out;
}

void ExpectNear(const Tensor& got, const Shape& shape, const std::vector<double>& want, DType dtype) {
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Sizes(got), shape);
  EXPECT_EQ(got.dtype(), dtype);
  std::vector<double> v = Values(got);
  ASSERT_EQ(v.size(), want.size());
  // The 16-bit types accumulate in float and round the result once.
  const double tol = ir::IsIntegral(dtype)       ? 0
                     : dtype == DType::kFloat64  ? 1e-12
                     : dtype == DType::kFloat16  ? 1e-3
                     : dtype == DType::kBFloat16 ? 8e-3
                                                 : 1e-4;
  for (size_t i = 0; i < v.size(); ++i) {
    ASSERT_NEAR(v[i], want[i], tol * (1 + std::abs(want[i]))) << "element " << i;
  }
}

void CheckMatmul(const Tensor& a, const Tensor& b) {
  Shape shape;
  std::vector<double> want = RefMatmul(Values(a), Sizes(a), Values(b), Sizes(b), &shape);
  ExpectNear(matmul(a, b), shape, want, a.dtype());
}

class MatmulTest : public ::testing::TestWithParam<DType> {};

TEST_P(MatmulTest, Matrices) {
  DType dt = GetParam();
  for (Shape mnk : std::vector<Shape>{{7, 5, 3}, {1, 9, 4}, {9, 1, 4}, {1, 1, 6}, {33, 17, 65}, {64, 64, 64}}) {
    Tensor a = Random({mnk[0], mnk[2]}, dt, 1);
    Tensor b = Random({mnk[2], mnk[1]}, dt, 2);
    CheckMatmul(a, b);
    // Transposed operands reach BLAS through the trans flags.
    Tensor at = Random({mnk[2], mnk[0]}, dt, 3).t();
    Tensor bt = Random({mnk[1], mnk[2]}, dt, 4).t();
    CheckMatmul(at, b);
    CheckMatmul(a, bt);
    CheckMatmul(at, bt);
  }
}

TEST_P(MatmulTest, Vectors) {
  DType dt = GetParam();
  CheckMatmul(Random({6}, dt, 1), Random({6}, dt, 2));           // dot
  CheckMatmul(Random({4, 6}, dt, 1), Random({6}, dt, 2));        // mv
  CheckMatmul(Random({6}, dt, 1), Random({6, 5}, dt, 2));        // vm
  CheckMatmul(Random({6}, dt, 1), Random({3, 6, 5}, dt, 2));     // vector @ batch
  CheckMatmul(Random({2, 3, 4, 6}, dt, 1), Random({6}, dt, 2));  // batch @ vector
  // Strided vectors (every other element) and a transposed matrix.
  Tensor v = Random({12}, dt, 5).slice(0, 0, 12, 2);
  CheckMatmul(Random({6, 4}, dt, 1).t(), v);
  CheckMatmul(v, Random({5, 6}, dt, 2).t());
  CheckMatmul(v, v);
}

TEST_P(MatmulTest, BroadcastBatches) {
  DType dt = GetParam();
  CheckMatmul(Random({2, 1, 4, 5}, dt, 1), Random({3, 5, 6}, dt, 2));
  CheckMatmul(Random({4, 5}, dt, 1), Random({2, 3, 5, 6}, dt, 2));
  CheckMatmul(Random({2, 3, 4, 5}, dt, 1), Random({5, 6}, dt, 2));  // Folds into one gemm.
  CheckMatmul(Random({3, 1, 5}, dt, 1), Random({3, 5, 2}, dt, 2));
  // Batched transposes, a permuted batch and an expanded operand.
  CheckMatmul(Random({2, 5, 4}, dt, 1).transpose(1, 2), Random({2, 6, 5}, dt, 2).transpose(1, 2));
  CheckMatmul(Random({4, 2, 5}, dt, 1).permute({1, 0, 2}), Random({2, 5, 3}, dt, 2));
  CheckMatmul(Random({3, 4, 5}, dt, 1).permute({1, 0, 2}), Random({5, 2}, dt, 2));  // Does not fold.
  CheckMatmul(Random({1, 4, 5}, dt, 1).expand({3, 4, 5}), Random({3, 5, 2}, dt, 2));
  CheckMatmul(Random({4, 1}, dt, 1).expand({4, 5}), Random({5, 3}, dt, 2));  // Zero stride: copied.
}

TEST_P(MatmulTest, SlicedOperandsAreCopied) {
  DType dt = GetParam();
  // Both strides differ from 1: no BLAS layout.
  Tensor a = Random({8, 10}, dt, 1).slice(0, 0, 8, 2).slice(1, 0, 10, 2);  // 4 x 5
  Tensor b = Random({10, 6}, dt, 2).slice(0, 0, 10, 2);                    // 5 x 6, row stride 12
  CheckMatmul(a, b);
  CheckMatmul(Random({4, 12}, dt, 3).slice(1, 1, 6), b);  // Row stride 12 > cols: no copy.
}

TEST_P(MatmulTest, Empty) {
  DType dt = GetParam();
  CheckMatmul(Random({0, 4, 5}, dt, 1), Random({5, 3}, dt, 2));
  CheckMatmul(Random({2, 0, 5}, dt, 1), Random({2, 5, 3}, dt, 2));
  // K = 0: zeros.
  Tensor z = matmul(Random({3, 0}, dt, 1), Random({0, 4}, dt, 2));
  ExpectNear(z, {3, 4}, std::vector<double>(12, 0.0), dt);
}

TEST_P(MatmulTest, MmAndBmm) {
  DType dt = GetParam();
  Tensor a = Random({5, 7}, dt, 1), b = Random({9, 7}, dt, 2).t();
  Shape shape;
  std::vector<double> want = RefMatmul(Values(a), Sizes(a), Values(b), Sizes(b), &shape);
  ExpectNear(mm(a, b), shape, want, dt);
  Tensor x = Random({3, 4, 5}, dt, 3), y = Random({3, 6, 5}, dt, 4).transpose(1, 2);
  want = RefMatmul(Values(x), Sizes(x), Values(y), Sizes(y), &shape);
  ExpectNear(bmm(x, y), shape, want, dt);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, MatmulTest,
                         ::testing::Values(DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16,
                                           DType::kInt32, DType::kInt64),
                         [](const auto& info) { return std::string(ir::DTypeName(info.param)); });

TEST(MatmulTest, IntegerAddmmTakesIntegerFactors) {
  Tensor m = Tensor::FromVector<int64_t>({1, 2, 3, 4}, {2, 2});
  Tensor bad = addmm(m, m, m, 0.5, 1);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("must be integers"));
  Tensor ok = addmm(m, m, m, 2, -1);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(Values(ok), (std::vector<double>{-5, -6, -9, -14}));
}

// Products of integers wrap around as in PyTorch (two's complement in the
// operands' type).
TEST(MatmulTest, IntegerProductsWrap) {
  Tensor a = Tensor::FromVector<int32_t>({1 << 30, 1 << 30}, {1, 2});
  Tensor b = Tensor::FromVector<int32_t>({2, 2}, {2, 1});
  Tensor c = matmul(a, b);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c.dtype(), DType::kInt32);
  EXPECT_EQ(Values(c), (std::vector<double>{0}));  // 2^32 wraps to 0.
  Tensor u = matmul(Tensor::FromVector<uint8_t>({200, 100}, {1, 2}), Tensor::FromVector<uint8_t>({2, 1}, {2, 1}));
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(Values(u), (std::vector<double>{244}));  // 500 mod 256.
}

TEST(MatmulTest, IntegersUseEigen) {
  Tensor a = Tensor::FromVector<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = Tensor::FromVector<int64_t>({1, 0, -1, 2, 3, 1}, {3, 2});
  Tensor c = matmul(a, b);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c.dtype(), DType::kInt64);
  EXPECT_EQ(Values(c), (std::vector<double>{8, 7, 17, 16}));
  EXPECT_EQ(Values(matmul(a.t(), a)), (std::vector<double>{17, 22, 27, 22, 29, 36, 27, 36, 45}));
}

TEST(MatmulTest, Errors) {
  Tensor a = Random({2, 3}, DType::kFloat32, 1);
  Tensor bad = matmul(a, Random({4, 2}, DType::kFloat32, 2));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("matmul"));
  Tensor mixed = matmul(a, Random({3, 2}, DType::kFloat64, 2));
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInvalidArgument);
  Tensor flags = Tensor::FromVector<bool>({true, false, true, true}, {2, 2});
  Tensor b = matmul(flags, flags);
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(b.status().message(), HasSubstr("matmul"));
  EXPECT_FALSE(mm(Random({2, 3, 4}, DType::kFloat32, 1), a).ok());
  EXPECT_FALSE(bmm(Random({2, 3, 4}, DType::kFloat32, 1), Random({3, 4, 2}, DType::kFloat32, 2)).ok());
}

// --- addmm ----------------------------------------------------------------------

std::vector<double> RefAddmm(const Tensor& self, const Tensor& m1, const Tensor& m2, double beta, double alpha) {
  Shape shape;
  std::vector<double> prod = RefMatmul(Values(m1), Sizes(m1), Values(m2), Sizes(m2), &shape);
  const int64_t m = shape[0], n = shape[1];
  std::vector<double> s = Values(self);
  Shape ss = Sizes(self);
  ss.insert(ss.begin(), 2 - ss.size(), 1);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sv = s[(ss[0] == 1 ? 0 : i) * ss[1] + (ss[1] == 1 ? 0 : j)];
      prod[i * n + j] = alpha * prod[i * n + j] + (beta == 0 ? 0 : beta * sv);
    }
  }
  return prod;
}

TEST_P(MatmulTest, Addmm) {
  DType dt = GetParam();
  Tensor m1 = Random({6, 4}, dt, 1), m2 = Random({4, 5}, dt, 2);
  for (Tensor self : {Random({6, 5}, dt, 3), Random({5}, dt, 4), Random({6, 1}, dt, 5), Random({}, dt, 6),
                      Random({5, 6}, dt, 7).t()}) {
    // Integer operands take integer factors only (IntegerAddmmTakesIntegerFactors).
    const double half = ir::IsIntegral(dt) ? 2 : 0.5;
    for (auto [beta, alpha] : std::vector<std::pair<double, double>>{{1, 1}, {half, -2}, {0, 3}}) {
      ExpectNear(addmm(self, m1, m2, beta, alpha), {6, 5}, RefAddmm(self, m1, m2, beta, alpha), dt);
      Tensor m1t = Random({4, 6}, dt, 8).t();
      ExpectNear(addmm(self, m1t, m2, beta, alpha), {6, 5}, RefAddmm(self, m1t, m2, beta, alpha), dt);
    }
  }
  // Vector shapes go through gemv/dot with beta.
  Tensor r = Random({1, 4}, dt, 9), c = Random({4, 1}, dt, 10);
  ExpectNear(addmm(Random({1}, dt, 11), r, c, 2, 3), {1, 1}, RefAddmm(Random({1}, dt, 11), r, c, 2, 3), dt);
  ExpectNear(addmm(Random({5}, dt, 12), r, m2, 2, 3), {1, 5}, RefAddmm(Random({5}, dt, 12), r, m2, 2, 3), dt);
  ExpectNear(addmm(Random({6, 1}, dt, 13), m1, c, 2, 3), {6, 1}, RefAddmm(Random({6, 1}, dt, 13), m1, c, 2, 3),
             dt);
}

TEST(AddmmTest, BetaZeroIgnoresNan) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor self = Tensor::FromVector<float>({static_cast<float>(nan), 1.f}, {2});
  Tensor m1 = Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2});
  Tensor out = addmm(self, m1, m1, /*beta=*/0, /*alpha=*/1);
  EXPECT_EQ(Values(out), (std::vector<double>{7, 10, 15, 22}));
  Tensor with_nan = addmm(self, m1, m1, /*beta=*/1, /*alpha=*/1);
  EXPECT_TRUE(std::isnan(Values(with_nan)[0]));
}

// --- linear ---------------------------------------------------------------------

std::vector<double> RefLinear(const Tensor& x, const Tensor& w, const Tensor& b, Shape* shape) {
  std::vector<double> xv = Values(x), wv = Values(w);
  const int64_t k = w.size(1), n = w.size(0);
  const int64_t rows = k == 0 ? Numel(Sizes(x)) : static_cast<int64_t>(xv.size()) / k;
  std::vector<double> bv = b.defined() ? Values(b) : std::vector<double>(n, 0.0);
  std::vector<double> out(static_cast<size_t>(rows * n));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = bv[j];
      for (int64_t p = 0; p < k; ++p) acc += xv[r * k + p] * wv[j * k + p];
      out[r * n + j] = acc;
    }
  }
  *shape = Sizes(x);
  shape->back() = n;
  return out;
}

void CheckLinear(const Tensor& x, const Tensor& w, const Tensor& b) {
  Shape shape;
  std::vector<double> want = RefLinear(x, w, b, &shape);
  ExpectNear(linear(x, w, b), shape, want, x.dtype());
}

TEST_P(MatmulTest, Linear) {
  DType dt = GetParam();
  Tensor w = Random({6, 5}, dt, 1), b = Random({6}, dt, 2);
  for (Shape xs : std::vector<Shape>{{5}, {4, 5}, {2, 3, 5}, {2, 1, 3, 5}, {0, 5}, {2, 0, 5}}) {
    Tensor x = Random(xs, dt, 3);
    CheckLinear(x, w, b);
    CheckLinear(x, w, Tensor());
  }
  // Non-contiguous input, weight and bias.
  Tensor xp = Random({3, 2, 5}, dt, 4).permute({1, 0, 2});
  Tensor xt = Random({5, 4}, dt, 5).t();
  Tensor wt = Random({5, 6}, dt, 6).t();
  Tensor bs = Random({12}, dt, 7).slice(0, 0, 12, 2);
  CheckLinear(xp, w, b);
  CheckLinear(xt, wt, bs);
  CheckLinear(Random({3, 4, 5}, dt, 8).transpose(0, 1), wt, b);
  // An MLP-sized layer.
  CheckLinear(Random({32, 78}, dt, 9), Random({25, 78}, dt, 10), Random({25}, dt, 11));
}

TEST(LinearTest, Errors) {
  Tensor x = Random({4, 5}, DType::kFloat32, 1);
  Tensor bad = linear(x, Random({6, 4}, DType::kFloat32, 2));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("linear"));
  EXPECT_FALSE(linear(x, Random({6, 5}, DType::kFloat32, 2), Random({5}, DType::kFloat32, 3)).ok());
}

}  // namespace
}  // namespace aot
