// Tests of the CPU reduction kernels against reference loops in double, on
// random inputs, contiguous or not, every dim pattern, and edge cases.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
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
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using K = ir::OpKind;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr float kInfF = std::numeric_limits<float>::infinity();

int64_t Numel(const std::vector<int64_t>& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

std::vector<int64_t> Sizes(const Tensor& t) { return std::vector<int64_t>(t.sizes().begin(), t.sizes().end()); }

template <typename T>
Tensor RandomTensor(const std::vector<int64_t>& sizes, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<T> v(static_cast<size_t>(Numel(sizes)));
  for (size_t i = 0; i < v.size(); ++i) {
    if constexpr (std::is_same_v<T, bool>) {
      v[i] = (rng() & 1) != 0;
    } else if constexpr (std::is_integral_v<T>) {
      v[i] = static_cast<T>(static_cast<int64_t>(rng() % 201) - 100);
    } else {
      v[i] = static_cast<T>(std::normal_distribution<double>(0.5, 2.0)(rng));
    }
  }
  return Tensor::FromVector<T>(v, sizes);
}

enum class Ref { kSum, kMean, kMax, kMin, kVar, kStd, kLogsumexp, kArgmax };

// Reference reduction in double: groups the elements of each output (in
// row-major order of the reduced dims) and reduces each group.
std::vector<double> Reference(const std::vector<double>& x, const std::vector<int64_t>& sizes,
                              std::vector<int64_t> dims, Ref op, int64_t correction = 1) {
  const int rank = static_cast<int>(sizes.size());
  std::vector<bool> reduce(rank, dims.empty());
  for (int64_t d : dims) reduce[d < 0 ? d + rank : d] = true;
  int64_t outputs = 1;
  for (int d = 0; d < rank; ++d) {
    if (!reduce[d]) outputs *= sizes[d];
  }
  std::vector<std::vector<double>> groups(outputs);
  std::vector<int64_t> idx(rank, 0);  // Multi-index of element k.
  for (int64_t k = 0; k < static_cast<int64_t>(x.size()); ++k) {
    int64_t o = 0;
    for (int d = 0; d < rank; ++d) {
      if (!reduce[d]) o = o * sizes[d] + idx[d];
    }
    groups[o].push_back(x[k]);
    for (int d = rank - 1; d >= 0 && ++idx[d] == sizes[d]; --d) idx[d] = 0;
  }
  std::vector<double> out;
  for (const std::vector<double>& g : groups) {
    const double n = static_cast<double>(g.size());
    double sum = 0, mx = -kInf, mn = kInf;
    int64_t arg = 0;
    bool nan = false;
    for (size_t i = 0; i < g.size(); ++i) {
      sum += g[i];
      if (std::isnan(g[i])) {
        if (!nan) arg = static_cast<int64_t>(i);
        nan = true;
      }
      if (!nan && g[i] > mx) arg = static_cast<int64_t>(i);
      mx = std::max(mx, g[i]);
      mn = std::min(mn, g[i]);
    }
    double m2 = 0;
    for (double v : g) m2 += (v - sum / n) * (v - sum / n);
    switch (op) {
      case Ref::kSum:
        out.push_back(sum);
        break;
      case Ref::kMean:
        out.push_back(sum / n);
        break;
      case Ref::kMax:
        out.push_back(nan ? kNan : mx);
        break;
      case Ref::kMin:
        out.push_back(nan ? kNan : mn);
        break;
      case Ref::kVar:
        out.push_back(m2 / std::max(0.0, n - correction));
        break;
      case Ref::kStd:
        out.push_back(std::sqrt(m2 / std::max(0.0, n - correction)));
        break;
      case Ref::kLogsumexp: {
        double s = 0;
        for (double v : g) s += std::exp(v - mx);
        out.push_back(mx + std::log(s));
        break;
      }
      case Ref::kArgmax:
        out.push_back(static_cast<double>(arg));
        break;
    }
  }
  return out;
}

std::vector<int64_t> ReducedSizes(const std::vector<int64_t>& sizes, std::vector<int64_t> dims, bool keepdim) {
  const int rank = static_cast<int>(sizes.size());
  std::vector<bool> reduce(rank, dims.empty());
  for (int64_t d : dims) reduce[d < 0 ? d + rank : d] = true;
  std::vector<int64_t> out;
  for (int d = 0; d < rank; ++d) {
    if (!reduce[d]) {
      out.push_back(sizes[d]);
    } else if (keepdim) {
      out.push_back(1);
    }
  }
  return out;
}

void ExpectNear(const std::vector<double>& got, const std::vector<double>& want, double rtol, double atol,
                const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << what << " at " << i << ": " << got[i];
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << what << " at " << i;
    } else {
      EXPECT_NEAR(got[i], want[i], atol + rtol * std::abs(want[i])) << what << " at " << i;
    }
  }
}

const std::vector<std::vector<int64_t>> kDimSets = {{}, {0}, {1}, {2}, {-1}, {0, 2}, {0, 1}, {1, 2}, {-3, -1}, {2, 0, 1}};

// Inputs of logical shape [4, 5, 6] in several layouts.
std::vector<std::pair<std::string, Tensor>> Layouts(DType dtype, uint32_t seed) {
  std::vector<std::pair<std::string, Tensor>> out;
  VisitDType(dtype, [&]<typename T>() {
    out.emplace_back("contiguous", RandomTensor<T>({4, 5, 6}, seed));
    out.emplace_back("transposed", RandomTensor<T>({6, 5, 4}, seed + 1).transpose(0, 2));
    out.emplace_back("expanded", RandomTensor<T>({4, 1, 6}, seed + 2).expand({4, 5, 6}));
    out.emplace_back("sliced", RandomTensor<T>({4, 10, 6}, seed + 3).slice(1, 0, 10, 2));
  });
  for (auto& [name, t] : out) EXPECT_EQ(Sizes(t), (std::vector<int64_t>{4, 5, 6})) << name << t.status();
  return out;
}

TEST(ReductionKernelsTest, AllDimPatternsAndLayoutsMatchReference) {
  struct Case {
    Ref ref;
    const char* name;
    std::function<Tensor(const Tensor&, std::vector<int64_t>, bool)> fn;
  };
  const std::vector<Case> cases = {
      {Ref::kSum, "sum", [](const Tensor& x, std::vector<int64_t> d, bool k) { return sum(x, d, k); }},
      {Ref::kMean, "mean", [](const Tensor& x, std::vector<int64_t> d, bool k) { return mean(x, d, k); }},
      {Ref::kMax, "amax", [](const Tensor& x, std::vector<int64_t> d, bool k) { return amax(x, d, k); }},
      {Ref::kMin, "amin", [](const Tensor& x, std::vector<int64_t> d, bool k) { return amin(x, d, k); }},
      {Ref::kVar, "var", [](const Tensor& x, std::vector<int64_t> d, bool k) { return var(x, d, 1, k); }},
      {Ref::kStd, "std", [](const Tensor& x, std::vector<int64_t> d, bool k) { return stddev(x, d, 1, k); }},
      {Ref::kLogsumexp, "logsumexp",
       [](const Tensor& x, std::vector<int64_t> d, bool k) { return logsumexp(x, d, k); }},
  };
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const double rtol = dtype == DType::kFloat32 ? 2e-6 : 1e-12;
    for (auto& [layout, x] : Layouts(dtype, 7)) {
      const std::vector<double> xv = Values(x);
      for (const Case& c : cases) {
        for (const std::vector<int64_t>& dims : kDimSets) {
          for (bool keepdim : {false, true}) {
            std::string what = std::string(c.name) + " " + layout + " " + std::string(ir::DTypeName(dtype)) +
                               " dims=" + testing::PrintToString(dims) + " keepdim=" + (keepdim ? "1" : "0");
            Tensor y = c.fn(x, dims, keepdim);
            ASSERT_TRUE(y.ok()) << what << ": " << y.status();
            EXPECT_EQ(y.dtype(), dtype) << what;
            EXPECT_EQ(Sizes(y), ReducedSizes({4, 5, 6}, dims, keepdim)) << what;
            ExpectNear(Values(y), Reference(xv, {4, 5, 6}, dims, c.ref), rtol, rtol, what);
          }
        }
      }
    }
  }
}

TEST(ReductionKernelsTest, IntegerAndBoolSums) {
  for (DType dtype : {DType::kInt32, DType::kInt64, DType::kBool, DType::kUInt8}) {
    for (auto& [layout, x] : Layouts(dtype, 11)) {
      for (const std::vector<int64_t>& dims : kDimSets) {
        Tensor y = sum(x, dims);
        ASSERT_TRUE(y.ok()) << y.status();
        EXPECT_EQ(y.dtype(), DType::kInt64);
        EXPECT_EQ(Values(y), Reference(Values(x), {4, 5, 6}, dims, Ref::kSum)) << layout;
        for (auto [fn, ref] : {std::pair{&amax, Ref::kMax}, std::pair{&amin, Ref::kMin}}) {
          Tensor m = fn(x, dims, false);
          ASSERT_TRUE(m.ok()) << m.status();
          EXPECT_EQ(m.dtype(), dtype);
          EXPECT_EQ(Values(m), Reference(Values(x), {4, 5, 6}, dims, ref)) << layout;
        }
      }
    }
  }
}

TEST(ReductionKernelsTest, SumHonoursDtype) {
  Tensor x = RandomTensor<float>({3, 4}, 3);
  Tensor y = sum(x, {1}, false, DType::kFloat64);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y.dtype(), DType::kFloat64);
  ExpectNear(Values(y), Reference(Values(x), {3, 4}, {1}, Ref::kSum), 1e-12, 1e-12, "sum f64");

  Tensor i = Tensor::FromVector<int32_t>({1, 2, 3, 4}, {2, 2});
  Tensor yi = sum(i, {0}, false, DType::kInt32);
  ASSERT_TRUE(yi.ok()) << yi.status();
  EXPECT_EQ(yi.dtype(), DType::kInt32);
  EXPECT_THAT(Values(yi), ElementsAre(4, 6));

  Tensor mf = CallOp1(K::kMean, {i}, {{"dim", ir::AttrValue::None()}, {"keepdim", false}, {"dtype", DType::kFloat32}});
  ASSERT_TRUE(mf.ok()) << mf.status();
  EXPECT_EQ(mf.dtype(), DType::kFloat32);
  EXPECT_THAT(Values(mf), ElementsAre(2.5));

  Tensor h = Tensor::FromVector<Half>({Half(1.5f), Half(2.0f), Half(-0.5f)}, {3});
  Tensor yh = sum(h);
  ASSERT_TRUE(yh.ok()) << yh.status();
  EXPECT_EQ(yh.dtype(), DType::kFloat16);
  EXPECT_THAT(Values(yh), ElementsAre(3.0));
  Tensor mh = amax(h);
  ASSERT_TRUE(mh.ok()) << mh.status();
  EXPECT_EQ(mh.dtype(), DType::kFloat16);
  EXPECT_THAT(Values(mh), ElementsAre(2.0));
  Tensor bf = Tensor::FromVector<BFloat16>({BFloat16(1.0f), BFloat16(3.0f)}, {2});
  EXPECT_THAT(Values(mean(bf)), ElementsAre(2.0));
  EXPECT_THAT(Values(var(bf)), ElementsAre(2.0));
}

TEST(ReductionKernelsTest, LargeFloatSumsStayAccurate) {
  // Sizes past the parallel thresholds: a full reduction, long rows with few
  // outputs, and column reductions (split by rows and by columns).
  struct Case {
    std::vector<int64_t> sizes;
    std::vector<int64_t> dims;
  };
  for (const Case& c : std::vector<Case>{{{1 << 20}, {}},
                                          {{3, 1 << 18}, {1}},
                                          {{1 << 15, 3}, {0}},
                                          {{2, 1 << 13, 5}, {1}},
                                          {{300, 5000}, {0}},
                                          {{4096, 64}, {1}}}) {
    Tensor x = RandomTensor<float>(c.sizes, 5);
    std::vector<double> xv = Values(x);
    std::string what = testing::PrintToString(c.sizes) + " dims=" + testing::PrintToString(c.dims);
    Tensor s = sum(x, c.dims);
    // The float reference would drift; the kernel must match the double sum.
    ExpectNear(Values(s), Reference(xv, c.sizes, c.dims, Ref::kSum), 1e-6, 1e-3, "sum " + what);
    ExpectNear(Values(mean(x, c.dims)), Reference(xv, c.sizes, c.dims, Ref::kMean), 1e-6, 1e-7, "mean " + what);
    ExpectNear(Values(amax(x, c.dims)), Reference(xv, c.sizes, c.dims, Ref::kMax), 0, 0, "amax " + what);
    ExpectNear(Values(var(x, c.dims)), Reference(xv, c.sizes, c.dims, Ref::kVar), 1e-6, 0, "var " + what);
    ExpectNear(Values(logsumexp(x, c.dims)), Reference(xv, c.sizes, c.dims, Ref::kLogsumexp), 1e-6, 0,
               "logsumexp " + what);
  }
  // 2^24 followed by many ones: a single float accumulator would stop
  // growing at 2^24 (off by 2^23); the cascade only rounds within a block.
  std::vector<float> ones(1 << 23, 1.0f);
  ones[0] = 16777216.0f;
  Tensor big = Tensor::FromVector<float>(ones, {1 << 23});
  EXPECT_NEAR(*sum(big).item(), 16777216.0 + (1 << 23) - 1, 64);
}

TEST(ReductionKernelsTest, VarianceOfLargeOffsetIsAccurate) {
  std::mt19937 rng(1);
  std::vector<float> v(100000);
  for (float& f : v) f = 10000.0f + std::uniform_real_distribution<float>(-1, 1)(rng);
  Tensor x = Tensor::FromVector<float>(v, {100000});
  std::vector<double> xv(v.begin(), v.end());
  ExpectNear(Values(var(x)), Reference(xv, {100000}, {}, Ref::kVar), 1e-5, 0, "var");
}

// Rows whose blocks take the one-pass moments (i.i.d. values about an
// offset, a constant) and rows that fall back to two passes (a trend, a
// step at the start of a block: Note [One-pass moments about a shift]).
TEST(ReductionKernelsTest, VarianceOfTrendsAndStepsIsAccurate) {
  constexpr int64_t kCols = 10000;  // Two full blocks and a partial one.
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::vector<float> v;
  for (int64_t i = 0; i < kCols; ++i) v.push_back(100.0f + normal(rng));                     // i.i.d.
  for (int64_t i = 0; i < kCols; ++i) v.push_back(5.0f + 0.001f * static_cast<float>(i));   // ramp
  for (int64_t i = 0; i < kCols; ++i) v.push_back((i % 4096 < 16 ? 1000.0f : 0.0f) + 0.01f * normal(rng));
  for (int64_t i = 0; i < kCols; ++i) v.push_back(3.25f);                                   // constant
  for (int64_t i = 0; i < kCols; ++i) v.push_back(static_cast<float>(kCols - i) * 1e3f);    // falling
  Tensor x = Tensor::FromVector<float>(v, {5, kCols});
  std::vector<double> xv(v.begin(), v.end());
  ExpectNear(Values(var(x, {1})), Reference(xv, {5, kCols}, {1}, Ref::kVar), 1e-6, 0, "var");
  EXPECT_EQ(Values(var(x, {1}))[3], 0.0);
  std::vector<Tensor> vm = CallOp(K::kVarMean, {x}, {{"dim", ir::AttrValue(std::vector<int64_t>{1})}});
  ASSERT_EQ(vm.size(), 2u);
  ASSERT_TRUE(vm[1].ok()) << vm[1].status();
  ExpectNear(Values(vm[1]), Reference(xv, {5, kCols}, {1}, Ref::kMean), 1e-7, 1e-6, "var_mean's mean");
}

TEST(ReductionKernelsTest, VarCorrectionAndVarMean) {
  Tensor x = RandomTensor<double>({4, 5, 6}, 9).transpose(0, 1);
  std::vector<double> xv = Values(x);
  for (int64_t correction : {0, 1, 2}) {
    for (const std::vector<int64_t>& dims : kDimSets) {
      ExpectNear(Values(var(x, dims, correction)), Reference(xv, {5, 4, 6}, dims, Ref::kVar, correction), 1e-12,
                 1e-12, "var");
      std::vector<Tensor> vm = CallOp(K::kVarMean, {x},
                                      {{"dim", dims.empty() ? ir::AttrValue::None() : ir::AttrValue(dims)},
                                       {"correction", correction},
                                       {"keepdim", true}});
      ASSERT_EQ(vm.size(), 2u);
      ASSERT_TRUE(vm[0].ok()) << vm[0].status();
      EXPECT_EQ(Sizes(vm[0]), ReducedSizes({5, 4, 6}, dims, true));
      EXPECT_EQ(Sizes(vm[1]), ReducedSizes({5, 4, 6}, dims, true));
      ExpectNear(Values(vm[0]), Reference(xv, {5, 4, 6}, dims, Ref::kVar, correction), 1e-12, 1e-12, "var_mean");
      ExpectNear(Values(vm[1]), Reference(xv, {5, 4, 6}, dims, Ref::kMean), 1e-12, 1e-12, "var_mean mean");
    }
  }
  // One element with correction 1: 0 / 0.
  EXPECT_TRUE(std::isnan(*var(Tensor::FromVector<float>({3}, {1})).item()));
}

TEST(ReductionKernelsTest, Argmax) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64, DType::kInt32, DType::kInt64}) {
    for (auto& [layout, x] : Layouts(dtype, 21)) {
      std::vector<double> xv = Values(x);
      Tensor all = argmax(x);
      ASSERT_TRUE(all.ok()) << all.status();
      EXPECT_EQ(all.dtype(), DType::kInt64);
      EXPECT_EQ(all.dim(), 0);
      EXPECT_EQ(Values(all), Reference(xv, {4, 5, 6}, {}, Ref::kArgmax)) << layout;
      for (int64_t d : {0, 1, 2, -1}) {
        for (bool keepdim : {false, true}) {
          Tensor y = argmax(x, d, keepdim);
          ASSERT_TRUE(y.ok()) << y.status();
          EXPECT_EQ(Sizes(y), ReducedSizes({4, 5, 6}, {d}, keepdim));
          EXPECT_EQ(Values(y), Reference(xv, {4, 5, 6}, {d}, Ref::kArgmax)) << layout << " dim " << d;
        }
      }
    }
  }
  // Ties give the first index; NaN wins (the first NaN).
  Tensor t = Tensor::FromVector<float>({1, 3, 3, 2, 1, 0, 1, 5}, {2, 4});
  EXPECT_THAT(Values(argmax(t, 1)), ElementsAre(1, 3));
  Tensor n = Tensor::FromVector<float>({1, NAN, 7, NAN, 2, 9}, {2, 3});
  EXPECT_THAT(Values(argmax(n, 1)), ElementsAre(1, 0));
  EXPECT_THAT(Values(argmax(n, 0)), ElementsAre(1, 0, 1));
  EXPECT_THAT(Values(argmax(n)), ElementsAre(1));
}

TEST(ReductionKernelsTest, NanPropagates) {
  Tensor n = Tensor::FromVector<float>({1, NAN, 7, -3, 2, 9}, {2, 3});
  std::vector<double> mx = Values(amax(n, {1}));
  EXPECT_TRUE(std::isnan(mx[0]));
  EXPECT_EQ(mx[1], 9);
  std::vector<double> mn = Values(amin(n, {0}));
  EXPECT_EQ(mn[0], -3);
  EXPECT_TRUE(std::isnan(mn[1]));
  EXPECT_EQ(mn[2], 7);
  EXPECT_TRUE(std::isnan(*sum(n).item()));
}

TEST(ReductionKernelsTest, LogsumexpIsStable) {
  Tensor x = Tensor::FromVector<float>({1000, 1001, 1002, -kInfF, -kInfF, -kInfF, kInfF, 1, 2}, {3, 3});
  std::vector<double> y = Values(logsumexp(x, {1}));
  EXPECT_NEAR(y[0], 1002 + std::log(1 + std::exp(-1.0) + std::exp(-2.0)), 1e-3);
  EXPECT_EQ(y[1], -kInf);
  EXPECT_EQ(y[2], kInf);
  Tensor small = Tensor::FromVector<double>({-1000, -1001}, {2});
  EXPECT_NEAR(*logsumexp(small, {0}).item(), -1000 + std::log1p(std::exp(-1.0)), 1e-12);
}

// Rows long enough for the vectorised exp, whose arguments must not exceed
// the max (the shift is 0 when the max is infinite): +inf in the first or a
// later block gives +inf, +inf with NaN gives NaN, all -inf gives -inf.
TEST(ReductionKernelsTest, LogsumexpOfLongRowsWithInfinities) {
  constexpr int64_t kCols = 10000;
  std::vector<float> v(4 * kCols);
  for (int64_t i = 0; i < 4 * kCols; ++i) v[i] = static_cast<float>(i % 97) / 10;
  v[40] = kInfF;                      // Row 0, first block.
  v[kCols + 9000] = kInfF;            // Row 1, last block.
  v[2 * kCols + 5] = kInfF;           // Row 2: +inf and NaN.
  v[2 * kCols + 7000] = std::numeric_limits<float>::quiet_NaN();
  for (int64_t i = 3 * kCols; i < 4 * kCols; ++i) v[i] = -kInfF;  // Row 3.
  std::vector<double> y = Values(logsumexp(Tensor::FromVector<float>(v, {4, kCols}), {1}));
  EXPECT_EQ(y[0], kInf);
  EXPECT_EQ(y[1], kInf);
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_EQ(y[3], -kInf);
}

// One long row split across the threads, with masked (-inf) blocks, in
// f32 and f64, and over a transposed input.
TEST(ReductionKernelsTest, LogsumexpLongRow) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    std::mt19937 gen(3);
    std::uniform_real_distribution<double> dist(-20, 20);
    std::vector<double> v(300007);
    for (double& x : v) x = dist(gen);
    for (int i = 0; i < 100000; ++i) v[i] = -kInf;
    Tensor x = dtype == DType::kFloat64 ? Tensor::FromVector<double>(v, {1, 300007})
                                        : Tensor::FromVector<float>(std::vector<float>(v.begin(), v.end()), {1, 300007});
    std::vector<double> xv = Values(x);
    double m = -kInf;
    for (double e : xv) m = std::max(m, e);
    double s = 0;
    for (double e : xv) s += std::exp(e - m);
    const double want = m + std::log(s);
    const double tol = dtype == DType::kFloat32 ? 2e-5 : 1e-10;
    EXPECT_NEAR(*logsumexp(x, {1}).item(), want, tol * std::abs(want));
    EXPECT_NEAR(*logsumexp(x.t(), {0}).item(), want, tol * std::abs(want));
    EXPECT_NEAR(*logsumexp(x, {0, 1}).item(), want, tol * std::abs(want));
  }
}

TEST(ReductionKernelsTest, EmptyInputs) {
  Tensor e = Tensor::Empty({0, 3}, DType::kFloat32);
  EXPECT_THAT(Values(sum(e)), ElementsAre(0));
  EXPECT_THAT(Values(sum(e, {0})), ElementsAre(0, 0, 0));
  EXPECT_EQ(Sizes(sum(e, {1})), std::vector<int64_t>{0});
  EXPECT_TRUE(std::isnan(*mean(e).item()));
  EXPECT_TRUE(std::isnan(*var(e).item()));
  EXPECT_EQ(*logsumexp(e, {0, 1}).item(), -kInf);
  Tensor ei = Tensor::Empty({0}, DType::kInt64);
  EXPECT_THAT(Values(sum(ei)), ElementsAre(0));
  // Reducing non-empty dims of an empty tensor is fine.
  EXPECT_EQ(Sizes(amax(e, {1})), std::vector<int64_t>{0});
  EXPECT_EQ(Sizes(argmax(e, 1)), std::vector<int64_t>{0});

  for (Tensor y : {amax(e), amax(e, {0}), amin(e, {0}, true)}) {
    EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(y.status().message()), HasSubstr("non-zero size"));
  }
  EXPECT_THAT(std::string(amax(e, {0}).status().message()), HasSubstr("amax"));
  EXPECT_EQ(argmax(e).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(argmax(e, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ReductionKernelsTest, Scalars) {
  Tensor s = Tensor::FromVector<float>({2.5f}, {});
  EXPECT_EQ(*sum(s).item(), 2.5);
  EXPECT_EQ(*sum(s, {0}).item(), 2.5);
  EXPECT_EQ(*amax(s, {-1}).item(), 2.5);
  EXPECT_EQ(*mean(s).item(), 2.5);
  EXPECT_EQ(*argmax(s).item(), 0);
  EXPECT_EQ(*var(s, {}, 0).item(), 0);
}

TEST(ReductionKernelsTest, UserErrors) {
  Tensor i = Tensor::FromVector<int64_t>({1, 2, 3}, {3});
  Tensor m = mean(i);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("mean"));
  EXPECT_EQ(var(i).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(sum(i, {1}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(sum(i, {0, -1}).status().code(), absl::StatusCode::kInvalidArgument);
  Tensor mi = CallOp1(K::kMean, {i}, {{"dim", ir::AttrValue::None()}, {"keepdim", false}, {"dtype", DType::kInt64}});
  EXPECT_EQ(mi.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aot
