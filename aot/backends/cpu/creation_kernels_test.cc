// Tests of the CPU creation, random and dropout kernels.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/philox.h"
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

constexpr DType kAllDTypes[] = {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16,
                                DType::kInt32,   DType::kInt64,   DType::kBool,    DType::kUInt8};
constexpr DType kFloatDTypes[] = {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16};

std::vector<int64_t> Sizes(const Tensor& t) { return std::vector<int64_t>(t.sizes().begin(), t.sizes().end()); }

// `v` as stored in `dtype` and read back as a double.
double Rounded(double v, DType dtype) {
  return VisitDType(dtype, [&]<typename T>() {
    T x;
    if constexpr (std::is_same_v<T, bool>) {
      x = v != 0;
    } else {
      x = static_cast<T>(static_cast<ComputeType<T>>(v));
    }
    return static_cast<double>(static_cast<ComputeType<T>>(x));
  });
}

Tensor SeedTensor(int64_t seed, int64_t offset) { return from_vector<int64_t>({seed, offset}, {2}); }

void ExpectInvalid(const Tensor& t, const std::string& fragment) {
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << t.status();
  EXPECT_THAT(std::string(t.status().message()), HasSubstr(fragment));
}

// --- full, zeros, ones, *_like -------------------------------------------------------

TEST(CreationKernelsTest, FullZerosOnesEveryDType) {
  for (DType dtype : kAllDTypes) {
    SCOPED_TRACE(ir::DTypeName(dtype));
    Tensor z = zeros({2, 3}, {.dtype = dtype});
    Tensor o = ones({4}, {.dtype = dtype});
    Tensor f = full({3, 1}, 2.5, {.dtype = dtype});
    ASSERT_TRUE(z.ok()) << z.status();
    ASSERT_TRUE(o.ok()) << o.status();
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_EQ(z.dtype(), dtype);
    EXPECT_EQ(o.dtype(), dtype);
    EXPECT_EQ(f.dtype(), dtype);
    EXPECT_EQ(Sizes(z), (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(Values(z), std::vector<double>(6, 0.0));
    EXPECT_EQ(Values(o), std::vector<double>(4, 1.0));
    EXPECT_EQ(Values(f), std::vector<double>(3, Rounded(2.5, dtype)));
  }
}

TEST(CreationKernelsTest, FullInfersDTypeFromTheValue) {
  Tensor i = CallOp1(K::kFull, {}, {{"size", std::vector<int64_t>{2}}, {"fill_value", int64_t{-7}}});
  ASSERT_TRUE(i.ok()) << i.status();
  EXPECT_EQ(i.dtype(), DType::kInt64);
  EXPECT_EQ(Values(i), (std::vector<double>{-7, -7}));
  // An int64 fill value converts exactly (no detour through double).
  const int64_t big = (int64_t{1} << 60) + 1;
  Tensor b = CallOp1(K::kFull, {}, {{"size", std::vector<int64_t>{1}}, {"fill_value", big}});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b.data_ptr<int64_t>()[0], big);
  Tensor t = CallOp1(K::kFull, {}, {{"size", std::vector<int64_t>{1}}, {"fill_value", true}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t.dtype(), DType::kBool);
  EXPECT_EQ(Values(t), std::vector<double>{1});
  Tensor s = scalar_tensor(3.5, DType::kFloat64);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(*s.item(), 3.5);
}

TEST(CreationKernelsTest, FullRejectsValuesThatDoNotFit) {
  ExpectInvalid(full({2}, std::nan(""), {.dtype = DType::kInt32}), "cannot be converted to i32");
  ExpectInvalid(full({2}, 300.0, {.dtype = DType::kUInt8}), "without overflow");
  ExpectInvalid(full({2}, 1e19, {.dtype = DType::kInt64}), "without overflow");
  Tensor ok = full({1}, -2.7, {.dtype = DType::kInt32});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(Values(ok), std::vector<double>{-2});
}

TEST(CreationKernelsTest, LikeOpsKeepShapeAndHonourDType) {
  // A non-contiguous input: the results are contiguous with its shape.
  Tensor x = transpose(from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}), 0, 1);
  ASSERT_FALSE(x.is_contiguous());
  Tensor z = zeros_like(x), o = ones_like(x), f = full_like(x, -1.5);
  for (const Tensor& t : {z, o, f}) {
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(Sizes(t), (std::vector<int64_t>{3, 2}));
    EXPECT_EQ(t.dtype(), DType::kFloat32);
    EXPECT_TRUE(t.is_contiguous());
  }
  EXPECT_EQ(Values(z), std::vector<double>(6, 0.0));
  EXPECT_EQ(Values(o), std::vector<double>(6, 1.0));
  EXPECT_EQ(Values(f), std::vector<double>(6, -1.5));
  for (DType dtype : kAllDTypes) {
    SCOPED_TRACE(ir::DTypeName(dtype));
    Tensor zl = CallOp1(K::kZerosLike, {x}, {{"dtype", dtype}});
    Tensor ol = CallOp1(K::kOnesLike, {x}, {{"dtype", dtype}});
    Tensor fl = CallOp1(K::kFullLike, {x}, {{"fill_value", 7.0}, {"dtype", dtype}});
    ASSERT_TRUE(zl.ok() && ol.ok() && fl.ok()) << zl.status() << ol.status() << fl.status();
    EXPECT_EQ(zl.dtype(), dtype);
    EXPECT_EQ(Values(zl), std::vector<double>(6, 0.0));
    EXPECT_EQ(Values(ol), std::vector<double>(6, 1.0));
    EXPECT_EQ(Values(fl), std::vector<double>(6, Rounded(7.0, dtype)));
  }
}

TEST(CreationKernelsTest, EmptyResults) {
  for (DType dtype : kAllDTypes) {
    Tensor z = zeros({0, 3}, {.dtype = dtype});
    ASSERT_TRUE(z.ok()) << z.status();
    EXPECT_EQ(z.numel(), 0);
    EXPECT_TRUE(full({3, 0}, 1.0, {.dtype = dtype}).ok());
    EXPECT_TRUE(zeros_like(z).ok());
  }
  Tensor a = arange(3, 3);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a.numel(), 0);
  Tensor r = rand({0, 4}, /*seed=*/1);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Sizes(r), (std::vector<int64_t>{0, 4}));
  Tensor rn = randn({0});
  ASSERT_TRUE(rn.ok()) << rn.status();
  auto [out, mask] = dropout(zeros({0, 2}), 0.5, true);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(mask.ok()) << mask.status();
  EXPECT_EQ(Sizes(mask), (std::vector<int64_t>{0, 2}));
}

// --- arange -----------------------------------------------------------------------------

TEST(CreationKernelsTest, Arange) {
  Tensor a = arange(0, 10, 3);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a.dtype(), DType::kInt64);
  EXPECT_EQ(Values(a), (std::vector<double>{0, 3, 6, 9}));

  Tensor f = arange(1.0, 2.0, 0.25);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f.dtype(), DType::kFloat32);
  EXPECT_EQ(Values(f), (std::vector<double>{1, 1.25, 1.5, 1.75}));

  Tensor down = arange(5, 0, -2);
  ASSERT_TRUE(down.ok()) << down.status();
  EXPECT_EQ(Values(down), (std::vector<double>{5, 3, 1}));

  Tensor n = arange(4);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(Values(n), (std::vector<double>{0, 1, 2, 3}));

  for (DType dtype : kAllDTypes) {
    SCOPED_TRACE(ir::DTypeName(dtype));
    Tensor t = arange(0, 3, 1, dtype);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t.dtype(), dtype);
    std::vector<double> want = {0, 1, 2};
    if (dtype == DType::kBool) want = {0, 1, 1};
    EXPECT_EQ(Values(t), want);
  }
  // A fractional range into an integral dtype truncates each value.
  Tensor i = arange(0, 2.5, 0.5, DType::kInt32);
  ASSERT_TRUE(i.ok()) << i.status();
  EXPECT_EQ(Values(i), (std::vector<double>{0, 0, 1, 1, 2}));

  // Large: each element is start + i * step.
  Tensor big = arange(0.0, 1e5, 1.0, DType::kFloat64);
  ASSERT_TRUE(big.ok()) << big.status();
  std::vector<double> bv = Values(big);
  ASSERT_EQ(bv.size(), 100000u);
  for (size_t k = 0; k < bv.size(); k += 997) EXPECT_EQ(bv[k], static_cast<double>(k));
}

// --- rand, randn ---------------------------------------------------------------------------

TEST(CreationKernelsTest, RandMatchesPhiloxFormula) {
  for (uint64_t offset : {uint64_t{0}, uint64_t{3}, uint64_t{1000}}) {
    Tensor r = rand({5, 7}, /*seed=*/42, offset);
    Tensor n = randn({5, 7}, /*seed=*/42, offset);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(n.ok()) << n.status();
    const float* rp = r.data_ptr<float>();
    const float* np = n.data_ptr<float>();
    for (uint64_t i = 0; i < 35; ++i) {
      EXPECT_EQ(rp[i], PhiloxUniform(42, offset, i)) << i;
      EXPECT_EQ(np[i], PhiloxNormal(42, offset, i)) << i;
    }
  }
}

TEST(CreationKernelsTest, RandIsReproducible) {
  Tensor a = rand({1000}, 7, 0), b = rand({1000}, 7, 0);
  EXPECT_EQ(Values(a), Values(b));
  Tensor c = rand({1000}, 7, 1000), d = rand({1000}, 8, 0);
  EXPECT_NE(Values(a), Values(c));
  EXPECT_NE(Values(a), Values(d));
  // Offsets address one stream: rand(offset 4)[i] == rand(offset 0)[i + 4].
  Tensor e = rand({996}, 7, 4);
  std::vector<double> av = Values(a), ev = Values(e);
  for (size_t i = 0; i < ev.size(); ++i) ASSERT_EQ(ev[i], av[i + 4]) << i;
  Tensor na = randn({1000}, 7, 0), nb = randn({1000}, 7, 0), nc = randn({1000}, 7, 2000);
  EXPECT_EQ(Values(na), Values(nb));
  EXPECT_NE(Values(na), Values(nc));
}

TEST(CreationKernelsTest, RandWithAGlobalGenerator) {
  SetGlobalSeed(123);
  Tensor a = rand({100});
  Tensor b = rand({100});
  SetGlobalSeed(123);
  Tensor c = rand({100});
  EXPECT_EQ(Values(a), Values(c));
  EXPECT_NE(Values(a), Values(b));
  // The global generator hands out (seed, offset) pairs: the same values as
  // an explicit seed tensor from NextSeedTensor.
  SetGlobalSeed(5);
  Tensor seed = NextSeedTensor(10);
  SetGlobalSeed(5);
  Tensor g = randn({10});
  Tensor e = CallOp1(K::kRandn, {seed}, {{"size", std::vector<int64_t>{10}}});
  EXPECT_EQ(Values(g), Values(e));
}

TEST(CreationKernelsTest, RandStatistics) {
  const int64_t n = 100000;
  std::vector<double> u = Values(rand({n}, 2024, 0));
  ASSERT_EQ(static_cast<int64_t>(u.size()), n);
  double sum = 0, lo = 1, hi = 0;
  for (double v : u) {
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_NEAR(sum / n, 0.5, 0.01);
  EXPECT_GE(lo, 0.0);
  EXPECT_LT(hi, 1.0);

  std::vector<double> g = Values(randn({n}, 2024, 0));
  double mean = 0, sq = 0;
  for (double v : g) mean += v;
  mean /= n;
  for (double v : g) sq += (v - mean) * (v - mean);
  const double std = std::sqrt(sq / (n - 1));
  EXPECT_NEAR(mean, 0.0, 0.02);
  EXPECT_NEAR(std, 1.0, 0.02);
}

TEST(CreationKernelsTest, RandFloatDTypes) {
  for (DType dtype : kFloatDTypes) {
    SCOPED_TRACE(ir::DTypeName(dtype));
    Tensor r = rand({300}, 9, 16, {.dtype = dtype});
    Tensor n = randn({300}, 9, 16, {.dtype = dtype});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(r.dtype(), dtype);
    std::vector<double> rv = Values(r), nv = Values(n);
    for (uint64_t i = 0; i < 300; ++i) {
      EXPECT_EQ(rv[i], Rounded(PhiloxUniform(9, 16, i), dtype));
      EXPECT_EQ(nv[i], Rounded(PhiloxNormal(9, 16, i), dtype));
    }
  }
  ExpectInvalid(rand({2}, 1, 0, {.dtype = DType::kInt32}), "floating dtype");
  ExpectInvalid(CallOp1(K::kRand, {from_vector<int64_t>({1, 2, 3}, {3})}, {{"size", std::vector<int64_t>{2}}}),
                "seed must be i64[2]");
}

TEST(CreationKernelsTest, LargeRandIsThreadIndependent) {
  // Large enough to split across threads: values still follow the formula.
  const int64_t n = 1 << 18;
  Tensor r = rand({n}, 77, 5);
  Tensor g = randn({n}, 77, 5);
  ASSERT_TRUE(r.ok() && g.ok());
  const float* rp = r.data_ptr<float>();
  const float* gp = g.data_ptr<float>();
  for (int64_t i = 0; i < n; i += 4099) {
    EXPECT_EQ(rp[i], PhiloxUniform(77, 5, static_cast<uint64_t>(i)));
    EXPECT_EQ(gp[i], PhiloxNormal(77, 5, static_cast<uint64_t>(i)));
  }
}

// --- dropout ------------------------------------------------------------------------------------

TEST(CreationKernelsTest, DropoutMaskAndScaleFollowThePhiloxStream) {
  const int64_t n = 100000;
  const double p = 0.3;
  std::mt19937 rng(1);
  std::vector<float> xv(n);
  for (float& v : xv) v = std::uniform_real_distribution<float>(-3, 3)(rng);
  Tensor x = from_vector(xv, {n});
  auto [out, mask] = dropout(x, p, true, SeedTensor(123, 8));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(mask.ok()) << mask.status();
  EXPECT_EQ(out.dtype(), DType::kFloat32);
  EXPECT_EQ(mask.dtype(), DType::kBool);
  const bool* m = mask.data_ptr<bool>();
  const float* o = out.data_ptr<float>();
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool want = static_cast<double>(PhiloxUniform(123, 8, static_cast<uint64_t>(i))) >= p;
    ASSERT_EQ(m[i], want) << i;
    ASSERT_EQ(o[i], want ? xv[i] * scale : 0.0f) << i;
    kept += m[i];
  }
  EXPECT_NEAR(static_cast<double>(kept) / n, 1 - p, 0.01);

  // Same seed: same result; another offset: another mask.
  auto [out2, mask2] = dropout(x, p, true, SeedTensor(123, 8));
  EXPECT_EQ(Values(out2), Values(out));
  EXPECT_EQ(Values(mask2), Values(mask));
  auto [out3, mask3] = dropout(x, p, true, SeedTensor(123, 8 + n));
  EXPECT_NE(Values(mask3), Values(mask));
}

TEST(CreationKernelsTest, DropoutMeanIsPreserved) {
  const int64_t n = 100000;
  auto [out, mask] = dropout(ones({n}, {.dtype = DType::kFloat64}), 0.6, true, SeedTensor(9, 0));
  ASSERT_TRUE(out.ok()) << out.status();
  double sum = 0;
  for (double v : Values(out)) sum += v;
  EXPECT_NEAR(sum / n, 1.0, 0.03);
}

TEST(CreationKernelsTest, DropoutEvalAndEdgeProbabilities) {
  Tensor x = transpose(from_vector<float>({1, -2, 3, 4, 5, 6}, {2, 3}), 0, 1);  // Non-contiguous.
  std::vector<double> xv = {1, 4, -2, 5, 3, 6};
  auto [eo, em] = dropout(x, 0.5, false);
  ASSERT_TRUE(eo.ok()) << eo.status();
  EXPECT_EQ(Values(eo), xv);
  EXPECT_EQ(Values(em), std::vector<double>(6, 1.0));

  auto [zo, zm] = dropout(x, 1.0, true, SeedTensor(1, 0));
  ASSERT_TRUE(zo.ok()) << zo.status();
  EXPECT_EQ(Values(zo), std::vector<double>(6, 0.0));
  EXPECT_EQ(Values(zm), std::vector<double>(6, 0.0));

  auto [po, pm] = dropout(x, 0.0, true, SeedTensor(1, 0));
  ASSERT_TRUE(po.ok()) << po.status();
  EXPECT_EQ(Values(po), xv);
  EXPECT_EQ(Values(pm), std::vector<double>(6, 1.0));

  // A strided input is read in row-major order of its logical shape.
  auto [so, sm] = dropout(x, 0.5, true, SeedTensor(4, 0));
  ASSERT_TRUE(so.ok()) << so.status();
  std::vector<double> sv = Values(so), mv = Values(sm);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(sv[i], mv[i] != 0 ? xv[i] * 2 : 0.0) << i;
}

TEST(CreationKernelsTest, DropoutHalfTypesAndGlobalGenerator) {
  for (DType dtype : {DType::kFloat16, DType::kBFloat16}) {
    SCOPED_TRACE(ir::DTypeName(dtype));
    Tensor x = full({1000}, 1.5, {.dtype = dtype});
    auto [out, mask] = dropout(x, 0.25, true, SeedTensor(11, 0));
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out.dtype(), dtype);
    std::vector<double> ov = Values(out), mv = Values(mask);
    for (int64_t i = 0; i < 1000; ++i) {
      EXPECT_EQ(mv[i], PhiloxUniform(11, 0, static_cast<uint64_t>(i)) >= 0.25 ? 1.0 : 0.0);
      EXPECT_EQ(ov[i], mv[i] != 0 ? Rounded(1.5f * static_cast<float>(1.0 / 0.75), dtype) : 0.0);
    }
  }
  // Without a seed operand, dropout draws from the global generator.
  SetGlobalSeed(31);
  auto [a, am] = dropout(ones({64}), 0.5, true);
  SetGlobalSeed(31);
  auto [b, bm] = dropout(ones({64}), 0.5, true);
  auto [c, cm] = dropout(ones({64}), 0.5, true);
  EXPECT_EQ(Values(am), Values(bm));
  EXPECT_NE(Values(am), Values(cm));
  ExpectInvalid(std::get<0>(dropout(ones({2}, {.dtype = DType::kInt32}), 0.5, true)), "floating");
  ExpectInvalid(std::get<0>(dropout(ones({2}), 1.5, true)), "p must be in [0, 1]");
}

}  // namespace
}  // namespace aot
