// Every elementwise CPU kernel against a double-precision reference, on
// random inputs, contiguous and strided, broadcast and empty.
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "aot/tensor/ops.h"
#include "aot/tensor/testing/values.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

using op_testing::Values;
using ir::OpKind;

Tensor Random(std::vector<int64_t> sizes, DType dtype, double lo, double hi, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<double> v(n);
  for (double& x : v) x = dist(gen);
  return Tensor::FromVector<double>(v, sizes).to(dtype);
}

void ExpectNear(const Tensor& got, const std::vector<double>& want, double tol, const std::string& what) {
  ASSERT_TRUE(got.ok()) << what << ": " << got.status();
  std::vector<double> g = Values(got);
  ASSERT_EQ(g.size(), want.size()) << what;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << what << " at " << i;
    } else {
      EXPECT_NEAR(g[i], want[i], tol * (1 + std::abs(want[i]))) << what << " at " << i;
    }
  }
}

struct UnaryCase {
  std::string name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> ref;
  double lo, hi;
};

std::vector<UnaryCase> UnaryCases() {
  return {
      {"neg", [](const Tensor& x) { return neg(x); }, [](double x) { return -x; }, -3, 3},
      {"abs", [](const Tensor& x) { return abs(x); }, [](double x) { return std::abs(x); }, -3, 3},
      {"exp", [](const Tensor& x) { return exp(x); }, [](double x) { return std::exp(x); }, -5, 5},
      {"log", [](const Tensor& x) { return log(x); }, [](double x) { return std::log(x); }, 0.01, 10},
      {"log1p", [](const Tensor& x) { return log1p(x); }, [](double x) { return std::log1p(x); }, -0.9, 10},
      {"expm1", [](const Tensor& x) { return expm1(x); }, [](double x) { return std::expm1(x); }, -3, 3},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, [](double x) { return std::sqrt(x); }, 0, 10},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x); }, [](double x) { return 1 / std::sqrt(x); }, 0.1, 10},
      {"reciprocal", [](const Tensor& x) { return reciprocal(x); }, [](double x) { return 1 / x; }, 0.5, 4},
      {"sin", [](const Tensor& x) { return sin(x); }, [](double x) { return std::sin(x); }, -10, 10},
      {"cos", [](const Tensor& x) { return cos(x); }, [](double x) { return std::cos(x); }, -10, 10},
      {"tanh", [](const Tensor& x) { return tanh(x); }, [](double x) { return std::tanh(x); }, -5, 5},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, [](double x) { return 1 / (1 + std::exp(-x)); }, -8, 8},
      {"relu", [](const Tensor& x) { return relu(x); }, [](double x) { return x > 0 ? x : 0; }, -3, 3},
      {"erf", [](const Tensor& x) { return erf(x); }, [](double x) { return std::erf(x); }, -3, 3},
      {"sign", [](const Tensor& x) { return sign(x); }, [](double x) { return (0 < x) - (x < 0); }, -3, 3},
      {"gelu", [](const Tensor& x) { return gelu(x); },
       [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }, -4, 4},
      {"gelu_tanh", [](const Tensor& x) { return gelu(x, "tanh"); },
       [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }, -4, 4},
      {"silu", [](const Tensor& x) { return silu(x); }, [](double x) { return x / (1 + std::exp(-x)); }, -6, 6},
      {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 1.0); },
       [](double x) { return std::min(1.0, std::max(-0.5, x)); }, -3, 3},
      {"exp_", [](const Tensor& x) { Tensor c = x.clone(); return CallOp1(OpKind::kExp_, {c}); },
       [](double x) { return std::exp(x); }, -3, 3},
  };
}

class UnaryKernelTest : public ::testing::TestWithParam<DType> {};

TEST_P(UnaryKernelTest, MatchesReferenceContiguousStridedAndEmpty) {
  const DType dtype = GetParam();
  const double tol = dtype == DType::kFloat32 ? 2e-6 : 1e-12;
  for (const UnaryCase& c : UnaryCases()) {
    // 1037 elements: not a multiple of the vector width, so tails run too.
    Tensor x = Random({1037}, dtype, c.lo, c.hi, 7);
    std::vector<double> want;
    for (double v : Values(x)) want.push_back(c.ref(v));
    ExpectNear(c.op(x), want, tol, c.name + " contiguous");

    Tensor m = Random({33, 17}, dtype, c.lo, c.hi, 8).transpose(0, 1);
    std::vector<double> want_m;
    for (double v : Values(m)) want_m.push_back(c.ref(v));
    Tensor got = c.op(m);
    ExpectNear(got, want_m, tol, c.name + " transposed");
    EXPECT_EQ(got.meta().shape.ToString(), "[17,33]");

    Tensor empty = c.op(Tensor::Empty({0, 3}, dtype));
    ASSERT_TRUE(empty.ok()) << c.name;
    EXPECT_EQ(empty.numel(), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, UnaryKernelTest, ::testing::Values(DType::kFloat32, DType::kFloat64),
                         [](const auto& info) { return std::string(ir::DTypeName(info.param)); });

// float exp over its whole range, subnormal results included (the fast
// exp flushes those, so their vectors take another path), against std::exp
// in double: within 2 ulp of normal results, 2^-149 of subnormal ones.
// float sin and cos on both sides of the fast path's bound (vec_math.h,
// kSinCosMax = 125; beyond it, and for inf and NaN, SLEEF's 3.5-ulp
// functions), vectors mixing the two included, against double precision.
TEST(ElementwiseKernelTest, FloatSinCosOnBothPathsAndSpecialValues) {
  std::vector<float> x;
  for (float v = -400.0f; v < 400.0f; v += 0.0731f) x.push_back(v);
  for (float v : {1e4f, -3e5f, 1e30f, 124.99f, 125.0f, 125.01f, 0.0f, -0.0f, 1e-30f}) x.push_back(v);
  const float kNaN = std::numeric_limits<float>::quiet_NaN(), kInfF = std::numeric_limits<float>::infinity();
  x.insert(x.end(), {kInfF, -kInfF, kNaN});
  const int64_t n = static_cast<int64_t>(x.size());
  for (bool is_cos : {false, true}) {
    Tensor t = Tensor::FromVector<float>(x, {n});
    Tensor y = is_cos ? cos(t) : sin(t);
    ASSERT_TRUE(y.ok()) << y.status();
    const float* got = y.data_ptr<float>();
    for (int64_t i = 0; i < n; ++i) {
      const double want = is_cos ? std::cos(static_cast<double>(x[i])) : std::sin(static_cast<double>(x[i]));
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got[i])) << x[i];
        continue;
      }
      if (!is_cos && x[i] == 0) {
        EXPECT_EQ(std::signbit(got[i]), std::signbit(x[i])) << "sin(-0) is -0";
      }
      // Within 3.5 ulp of the result.
      const double ulp = std::ldexp(1.0, std::ilogb(std::max(std::abs(want), 1e-30)) - 23);
      EXPECT_LE(std::abs(got[i] - want), 3.5 * ulp + 1e-38) << (is_cos ? "cos(" : "sin(") << x[i] << ")";
    }
  }
}

TEST(ElementwiseKernelTest, FloatExpOverItsWholeRange) {
  std::vector<float> x;
  for (float v = -110.0f; v < 90.0f; v += 0.0173f) x.push_back(v);
  for (float v : {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity(), -86.95f, -87.5f,
                  -103.9f, -104.5f, 0.0f, 88.7f, 88.8f}) {
    x.push_back(v);
  }
  x.push_back(std::numeric_limits<float>::quiet_NaN());
  const int64_t n = static_cast<int64_t>(x.size());
  Tensor y = exp(Tensor::FromVector<float>(x, {n}));
  ASSERT_TRUE(y.ok()) << y.status();
  const float* got = y.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    const double want = std::exp(static_cast<double>(x[i]));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got[i])) << x[i];
    } else if (std::isinf(static_cast<float>(want))) {
      EXPECT_EQ(got[i], static_cast<float>(want)) << x[i];
    } else if (want < std::numeric_limits<float>::min()) {
      EXPECT_NEAR(got[i], want, std::numeric_limits<float>::denorm_min()) << x[i];
    } else {
      EXPECT_NEAR(got[i], want, 2.0 * want * std::numeric_limits<float>::epsilon()) << x[i];
    }
  }
}

TEST(ElementwiseKernelTest, IntegerInputsOfFloatOpsGiveFloat) {
  Tensor i = Tensor::FromVector<int64_t>({0, 1, 2}, {3});
  Tensor e = exp(i);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e.dtype(), DType::kFloat32);
  ExpectNear(e, {1, std::exp(1.0), std::exp(2.0)}, 1e-6, "exp(i64)");
  Tensor n = neg(i);
  EXPECT_EQ(n.dtype(), DType::kInt64);
  EXPECT_EQ(*n.ToVector<int64_t>(), (std::vector<int64_t>{0, -1, -2}));
  EXPECT_EQ(abs(Tensor::FromVector<int32_t>({-3, 4}, {2})).at({0}), 3.0);
  Tensor b = Tensor::FromVector<bool>({true}, {1});
  EXPECT_EQ(neg(b).status().code(), absl::StatusCode::kInvalidArgument);
}

struct BinaryCase {
  std::string name;
  std::function<Tensor(const Tensor&, const Tensor&)> op;
  std::function<double(double, double)> ref;
};

TEST(ElementwiseKernelTest, BinaryOpsBroadcastAndMatchReference) {
  std::vector<BinaryCase> cases = {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; }, [](double a, double b) { return a + b; }},
      {"add_alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, 2.5); },
       [](double a, double b) { return a + 2.5 * b; }},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; }, [](double a, double b) { return a - b; }},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }, [](double a, double b) { return a * b; }},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; }, [](double a, double b) { return a / b; }},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(abs(a), b); },
       [](double a, double b) { return std::pow(std::abs(a), b); }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); },
       [](double a, double b) { return std::max(a, b); }},
      {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); },
       [](double a, double b) { return std::min(a, b); }},
      {"lt", [](const Tensor& a, const Tensor& b) { return lt(a, b); }, [](double a, double b) { return double(a < b); }},
      {"ge", [](const Tensor& a, const Tensor& b) { return ge(a, b); }, [](double a, double b) { return double(a >= b); }},
      {"eq", [](const Tensor& a, const Tensor& b) { return eq(a, b); }, [](double a, double b) { return double(a == b); }},
  };
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    double tol = dtype == DType::kFloat32 ? 1e-6 : 1e-13;
    Tensor a = Random({4, 1, 5}, dtype, 0.5, 2, 1);
    Tensor b = Random({3, 5}, dtype, 0.5, 2, 2);
    std::vector<double> av = Values(a), bv = Values(b);
    for (const BinaryCase& c : cases) {
      std::vector<double> want;
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 3; ++j)
          for (int k = 0; k < 5; ++k) want.push_back(c.ref(av[i * 5 + k], bv[j * 5 + k]));
      Tensor got = c.op(a, b);
      ExpectNear(got, want, tol, c.name);
      EXPECT_EQ(got.meta().shape.ToString(), "[4,3,5]") << c.name;
      // Strided operands: the same values through transposed views.
      Tensor at = a.transpose(0, 2).contiguous().transpose(0, 2);
      ExpectNear(c.op(at, b), want, tol, c.name + " strided");
    }
  }
}

TEST(ElementwiseKernelTest, TypePromotionAndScalars) {
  Tensor i = Tensor::FromVector<int64_t>({1, 2, 3}, {3});
  Tensor f = Tensor::FromVector<float>({0.5, 0.5, 0.5}, {3});
  Tensor s = i + f;
  EXPECT_EQ(s.dtype(), DType::kFloat32);
  ExpectNear(s, {1.5, 2.5, 3.5}, 0, "i64 + f32");
  Tensor q = i / Tensor::FromVector<int64_t>({2, 2, 2}, {3});
  EXPECT_EQ(q.dtype(), DType::kFloat32);
  ExpectNear(q, {0.5, 1, 1.5}, 0, "true division of ints");
  Tensor is = i * 2.5;
  EXPECT_EQ(is.dtype(), DType::kFloat32);
  ExpectNear(is, {2.5, 5, 7.5}, 0, "i64 * 2.5");
  Tensor ii = i + 2.0;  // A float scalar promotes an int tensor (PyTorch).
  EXPECT_EQ(ii.dtype(), DType::kFloat32);
  Tensor r = 10.0 - f;
  ExpectNear(r, {9.5, 9.5, 9.5}, 0, "rsub");
  ExpectNear(pow(f, 2.0), {0.25, 0.25, 0.25}, 0, "pow.Scalar");
  Tensor cmp = CallOp1(OpKind::kGtScalar, {i}, {{"other", 1.5}});
  EXPECT_EQ(cmp.dtype(), DType::kBool);
  EXPECT_EQ(*cmp.ToVector<int>(), (std::vector<int>{0, 1, 1}));
  Tensor h = Tensor::FromVector<float>({1, 2}, {2}).to(DType::kFloat16);
  Tensor hb = h + Tensor::FromVector<float>({1, 1}, {2}).to(DType::kBFloat16);
  EXPECT_EQ(hb.dtype(), DType::kFloat32);
  ExpectNear(hb, {2, 3}, 0, "f16 + bf16");
  ExpectNear(h * h, {1, 4}, 0, "f16 * f16");
  EXPECT_EQ((h * h).dtype(), DType::kFloat16);
}

// Large enough for the threaded paths: a split single row (scalar
// broadcast) and tiles over a transposed operand, with partial tiles.
TEST(ElementwiseKernelTest, LargeStridedAndBroadcastOperands) {
  Tensor a = Random({70, 90}, DType::kFloat32, -1, 1, 11).t();  // [90, 70], strides {1, 90}
  Tensor b = Random({90, 70}, DType::kFloat32, -1, 1, 12);
  std::vector<double> av = Values(a), bv = Values(b), want;
  for (size_t i = 0; i < av.size(); ++i) want.push_back(av[i] + bv[i]);
  ExpectNear(a + b, want, 1e-6, "transposed + contiguous");
  Tensor big = Random({200003}, DType::kFloat32, -1, 1, 13);
  std::vector<double> bigv = Values(big), want2;
  for (double v : bigv) want2.push_back(v * 3.0);
  ExpectNear(big * 3.0, want2, 1e-6, "long row times a scalar");
  Tensor rows = Random({3, 100000}, DType::kFloat32, -1, 1, 14);
  Tensor col = Random({3, 1}, DType::kFloat32, -1, 1, 15);
  std::vector<double> rv = Values(rows), cv = Values(col), want3;
  for (size_t i = 0; i < rv.size(); ++i) want3.push_back(rv[i] - cv[i / 100000]);
  ExpectNear(rows - col, want3, 1e-6, "column broadcast");
  std::vector<double> relu_want;
  for (double v : bigv) relu_want.push_back(v < 0 ? 0 : v);
  ExpectNear(relu(big), relu_want, 0, "relu");
  EXPECT_TRUE(std::isnan(Values(relu(Tensor::FromVector<float>({NAN}, {1})))[0]));
}

// Permuted operands of rank 2-4 and every element size, large enough for
// the tiled path (Note [Strided tiles] in elementwise.h), with partial
// tiles: copies (contiguous(), dtype conversion), a permuted input plus a
// contiguous one, a permuted input plus a broadcast row, an in-place op on
// a permuted view (the output strided) and empty permuted tensors.
TEST(ElementwiseKernelTest, PermutedOperandsOfEveryRankAndDtype) {
  struct Case {
    std::vector<int64_t> sizes, perm;
  };
  const std::vector<Case> cases = {
      {{70, 90}, {1, 0}}, {{20, 30, 40}, {2, 0, 1}}, {{3, 20, 33}, {0, 2, 1}}, {{6, 10, 12, 20}, {3, 1, 0, 2}}};
  for (DType dtype : {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16, DType::kInt32,
                      DType::kInt64, DType::kUInt8, DType::kBool}) {
    const std::string dn(ir::DTypeName(dtype));
    const double tol = dtype == DType::kFloat16 || dtype == DType::kBFloat16 ? 1e-2 : 1e-6;
    for (const Case& c : cases) {
      const std::string what = dn + " rank " + std::to_string(c.sizes.size());
      Tensor x = Random(c.sizes, DType::kFloat64, 0, 100, 21).to(dtype);
      Tensor xp = x.permute(c.perm);
      const std::vector<double> xv = Values(xp);  // ToVector walks the strides.
      ExpectNear(xp.contiguous(), xv, 0, what + " contiguous()");
      ExpectNear(xp.to(DType::kFloat64), xv, 0, what + " to(f64)");
      if (dtype == DType::kBool) continue;
      const std::vector<int64_t> psizes(xp.sizes().begin(), xp.sizes().end());
      Tensor y = Random(psizes, DType::kFloat64, 0, 100, 22).to(dtype);
      const std::vector<double> yv = Values(y);
      std::vector<double> want(xv.size());
      for (size_t i = 0; i < xv.size(); ++i) want[i] = xv[i] + yv[i];
      ExpectNear(xp + y, want, tol, what + " permuted + contiguous");
      ExpectNear(y + xp, want, tol, what + " contiguous + permuted");
      // A broadcast row of the last dim.
      Tensor row = Random({psizes.back()}, DType::kFloat64, 0, 100, 23).to(dtype);
      const std::vector<double> rv = Values(row);
      std::vector<double> want_row(xv.size());
      for (size_t i = 0; i < xv.size(); ++i) want_row[i] = xv[i] + rv[i % rv.size()];
      ExpectNear(xp + row, want_row, tol, what + " permuted + row");
      // In place through the permuted view: the output is the strided operand.
      Tensor z = x.clone();
      Tensor zp = z.permute(c.perm);
      zp.add_(y);
      ASSERT_TRUE(zp.ok()) << zp.status();
      ExpectNear(zp, want, tol, what + " permuted add_");
    }
    std::vector<int64_t> empty_sizes = {0, 40, 50};
    Tensor e = Tensor::Empty(empty_sizes, dtype).permute({2, 0, 1});
    Tensor ec = e.contiguous();
    ASSERT_TRUE(ec.ok()) << dn;
    EXPECT_EQ(ec.numel(), 0);
  }
}

// Outputs of kStreamingStoreBytes (16 MiB) or more leave the tiles through a
// row buffer and streaming stores (Note [Streaming the output],
// elementwise.h). The sizes leave partial tiles whose edges take every size
// of register transpose and the element loop (2061 = 16 * 128 + 13: one
// 8 x 8 block and 5 left; 1455 = 11 * 128 + 47 for 8-byte elements), and
// the in-place case reads the output as an input. The inputs are multiples
// of 1/64 below 2^14, so every sum is exact in either type; the reference
// indexes the source vectors directly and mismatches are counted in one
// loop (4M gtest assertions per check would take seconds here).
template <typename T>
void CheckLargeTiledOutputs(int64_t rows, int64_t cols) {
  const std::string what(ir::DTypeName(DTypeOf<T>::value));
  ASSERT_GE(rows * cols * static_cast<int64_t>(sizeof(T)), int64_t{16} << 20) << what;
  auto hashed = [&](uint64_t seed) {
    std::vector<T> v(rows * cols);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>((i * 2654435761u + seed) % 1000003) / 64 - 7000;
    return v;
  };
  const std::vector<T> av = hashed(31), bv = hashed(32);  // a as [cols, rows], b as [rows, cols].
  Tensor at = Tensor::FromVector<T>(av, {cols, rows}).t();
  Tensor b = Tensor::FromVector<T>(bv, {rows, cols});
  auto expect = [&](const Tensor& got, bool plus_b, const std::string& check) {
    ASSERT_TRUE(got.ok()) << what << " " << check << ": " << got.status();
    ASSERT_TRUE(got.is_contiguous() && got.numel() == rows * cols) << what << " " << check;
    const T* g = got.data_ptr<T>();
    int64_t bad = 0, first = -1;
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) {
        const T want = plus_b ? av[j * rows + i] + bv[i * cols + j] : av[j * rows + i];
        if (g[i * cols + j] != want && bad++ == 0) first = i * cols + j;
      }
    }
    EXPECT_EQ(bad, 0) << what << " " << check << ": first wrong at (" << first / cols << ", " << first % cols << ")";
  };
  expect(at + b, true, "transposed + contiguous");
  expect(at.contiguous(), false, "contiguous()");
  Tensor z = b.clone();
  z.add_(at);
  expect(z, true, "add_ of a transposed operand");
}

TEST(ElementwiseKernelTest, LargeTiledOutputsStream) {
  CheckLargeTiledOutputs<float>(2061, 2059);
  CheckLargeTiledOutputs<double>(1455, 1453);
}

// float add, sub, mul and div with a transposed operand apply their vector
// form to 16 x 16 blocks in registers where the CPU has AVX-512F (Note
// [Transposed blocks in registers], elementwise.h) and the scalar form
// elsewhere: every element must be the scalar float result, for the
// transposed operand on either side, partial blocks and tiles at the edges,
// a streamed output (2061 x 2048 floats: over 16 MiB, rows 64-byte
// aligned) and outputs written in place through views whose rows are not
// aligned.
TEST(ElementwiseKernelTest, TransposedOperandGivesTheScalarResultForEveryBinaryOp) {
  struct Op {
    const char* name;
    std::function<Tensor(const Tensor&, const Tensor&)> apply;
    std::function<float(float, float)> scalar;
  };
  const std::vector<Op> ops = {
      {"add", [](const Tensor& x, const Tensor& y) { return x + y; }, [](float x, float y) { return x + y; }},
      {"sub", [](const Tensor& x, const Tensor& y) { return x - y; }, [](float x, float y) { return x - y; }},
      {"mul", [](const Tensor& x, const Tensor& y) { return x * y; }, [](float x, float y) { return x * y; }},
      {"div", [](const Tensor& x, const Tensor& y) { return x / y; }, [](float x, float y) { return x / y; }},
  };
  for (auto [rows, cols] : {std::pair<int64_t, int64_t>{37, 45}, {130, 129}, {2061, 2048}}) {
    // Values in [0.5, 2): no zero divisors, sums and products in range.
    auto values = [&](uint32_t seed) {
      std::vector<float> v(rows * cols);
      for (size_t i = 0; i < v.size(); ++i) v[i] = 0.5f + static_cast<float>((i * 2654435761u + seed) % 1536) / 1024;
      return v;
    };
    const std::vector<float> av = values(41), bv = values(42);  // a as [cols, rows], b as [rows, cols].
    Tensor at = Tensor::FromVector<float>(av, {cols, rows}).t();
    Tensor b = Tensor::FromVector<float>(bv, {rows, cols});
    for (const Op& op : ops) {
      auto check = [&](const Tensor& got, bool t_first, const std::string& what) {
        ASSERT_TRUE(got.ok()) << what << ": " << got.status();
        ASSERT_EQ(std::vector<int64_t>(got.sizes().begin(), got.sizes().end()), (std::vector<int64_t>{rows, cols}))
            << what;
        absl::StatusOr<std::vector<float>> g = got.ToVector<float>();
        ASSERT_TRUE(g.ok()) << what << ": " << g.status();
        int64_t bad = 0, first = -1;
        for (int64_t i = 0; i < rows; ++i) {
          for (int64_t j = 0; j < cols; ++j) {
            const float x = av[j * rows + i], y = bv[i * cols + j];
            const float want = t_first ? op.scalar(x, y) : op.scalar(y, x);
            if ((*g)[i * cols + j] != want && bad++ == 0) first = i * cols + j;
          }
        }
        EXPECT_EQ(bad, 0) << what << ": first wrong at (" << first / cols << ", " << first % cols << ")";
      };
      const std::string where = std::string(op.name) + " [" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
      check(op.apply(at, b), true, where + " transposed first");
      check(op.apply(b, at), false, where + " transposed second");
      // In place into a view one element off a wider tensor's rows.
      if (rows * cols < 100000) {
        Tensor wide = Tensor::FromVector<float>(std::vector<float>(rows * (cols + 1)), {rows, cols + 1});
        Tensor view = wide.slice(1, 1, cols + 1);
        view.copy_(b);
        if (std::string(op.name) == "add") view.add_(at);
        if (std::string(op.name) == "sub") view.sub_(at);
        if (std::string(op.name) == "mul") view.mul_(at);
        if (std::string(op.name) == "div") view.div_(at);
        check(view, false, where + " in place, unaligned rows");
      }
    }
  }
}

// An in-place op whose other operand reads self's memory in another order
// gives the out-of-place result: x.add_(x.t()) over enough tiles that a
// tile would otherwise read elements an earlier one wrote, and a row of
// self broadcast over it.
TEST(ElementwiseKernelTest, InplaceWithAnotherViewOfSelfReadsTheOldValues) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    Tensor x = Random({300, 300}, dtype, -1, 1, 51);
    const std::vector<double> xv = Values(x);
    x.add_(x.t());
    std::vector<double> want(xv.size());
    for (int64_t i = 0; i < 300; ++i) {
      for (int64_t j = 0; j < 300; ++j) want[i * 300 + j] = xv[i * 300 + j] + xv[j * 300 + i];
    }
    ExpectNear(x, want, 1e-6, "add_ of self transposed");
    Tensor y = Random({4, 5}, dtype, -1, 1, 52);
    const std::vector<double> yv = Values(y);
    y.sub_(y.select(0, 2));
    std::vector<double> want_y(yv.size());
    for (size_t i = 0; i < yv.size(); ++i) want_y[i] = yv[i] - yv[2 * 5 + i % 5];
    ExpectNear(y, want_y, 1e-6, "sub_ of a row of self");
  }
}

// f32 math on a transposed input runs the vector functors through the tiles.
// The transcendental ops of float rows take 16 lanes where the CPU has
// AVX-512F (Note [Vector functors]) and 8 lanes through a buffer for
// strided rows: the same bits either way, across the values exp and gelu
// send to another path (below -86.9 and -3), NaN and infinities included.
TEST(ElementwiseKernelTest, ContiguousAndStridedFloatRowsGiveTheSameBits) {
  std::vector<float> v;
  for (int i = 0; i < 4000; ++i) v.push_back(-120.0f + 0.05f * static_cast<float>((i * 7919) % 4000));
  for (int i = 0; i < 300; ++i) v.push_back(-4.0f + 0.02f * static_cast<float>(i));  // Dense near gelu's tail.
  for (int i = 0; i < 300; ++i) v.push_back(0.001f + 0.01f * static_cast<float>(i));   // log's domain.
  for (int i = 0; i < 100000; ++i) v.push_back(-100.0f + 0.002f * static_cast<float>((i * 7919) % 100000));
  for (int i = 0; i < 300; ++i) v.push_back(-300.0f + 2.0f * static_cast<float>((i * 7919) % 300));  // sin, cos.
  v[17] = std::numeric_limits<float>::quiet_NaN();
  v[100] = std::numeric_limits<float>::infinity();
  v[101] = -std::numeric_limits<float>::infinity();
  const int64_t n = static_cast<int64_t>(v.size());
  // Each value twice: the contiguous row, and a stride-2 view of it.
  std::vector<float> doubled;
  for (float f : v) doubled.insert(doubled.end(), {f, f});
  Tensor x = Tensor::FromVector<float>(v, {n});
  Tensor strided = Tensor::FromVector<float>(doubled, {n, 2}).select(1, 0);
  ASSERT_FALSE(strided.is_contiguous());
  for (const auto& [name, op] : std::vector<std::pair<std::string, Tensor (*)(const Tensor&)>>{
           {"exp", [](const Tensor& t) { return exp(t); }},
           {"gelu", [](const Tensor& t) { return gelu(t); }},
           {"log", [](const Tensor& t) { return log(t); }},
           {"log1p", [](const Tensor& t) { return log1p(t); }},
           {"expm1", [](const Tensor& t) { return expm1(t); }},
           {"sin", [](const Tensor& t) { return sin(t); }},
           {"cos", [](const Tensor& t) { return cos(t); }},
           {"tanh", [](const Tensor& t) { return tanh(t); }},
           {"erf", [](const Tensor& t) { return erf(t); }}}) {
    Tensor a = op(x), b = op(strided);
    ASSERT_TRUE(a.ok() && b.ok()) << name;
    const float* pa = a.data_ptr<float>();
    const float* pb = b.contiguous().data_ptr<float>();
    for (int64_t i = 0; i < n; ++i) {
      if (std::isnan(pa[i])) {
        EXPECT_TRUE(std::isnan(pb[i])) << name << " at " << v[i];
      } else {
        EXPECT_EQ(std::bit_cast<uint32_t>(pa[i]), std::bit_cast<uint32_t>(pb[i])) << name << " at " << v[i];
      }
    }
  }
}

TEST(ElementwiseKernelTest, TransposedMathMatchesContiguous) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    Tensor x = Random({130, 70}, dtype, -5, 5, 31);
    Tensor xt = x.t();
    std::vector<double> cv = Values(gelu(xt.contiguous())), tv = Values(gelu(xt));
    ASSERT_EQ(cv.size(), tv.size());
    for (size_t i = 0; i < cv.size(); ++i) EXPECT_EQ(cv[i], tv[i]) << i;
    cv = Values(cos(xt.contiguous()));
    tv = Values(cos(xt));
    for (size_t i = 0; i < cv.size(); ++i) EXPECT_EQ(cv[i], tv[i]) << i;
  }
}

// gelu's float vector path (vec_math.h) over its three regions and the
// special values, against double precision.
TEST(ElementwiseKernelTest, GeluFloatAccuracy) {
  std::vector<float> xs;
  for (int i = 0; i <= 20000; ++i) xs.push_back(-13.0f + 26.0f * i / 20000);
  const float kInf = std::numeric_limits<float>::infinity();
  for (float v : {kInf, -kInf, std::numeric_limits<float>::quiet_NaN(), 0.0f, -0.0f, 1e-30f, -3.0f, -2.9999f})
    xs.push_back(v);
  std::vector<double> got = Values(gelu(Tensor::FromVector<float>(xs, {static_cast<int64_t>(xs.size())})));
  for (size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    const double want = 0.5 * x * std::erfc(-x / std::sqrt(2.0));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got[i])) << x;
    } else if (std::isinf(want)) {
      EXPECT_EQ(got[i], want) << x;
    } else if (x >= -1 || x < -3) {
      // Relative accuracy (a few ulp) outside the cancelling region.
      EXPECT_NEAR(got[i], want, 1.2e-6 * std::abs(want) + 1e-38) << x;
    } else {
      EXPECT_NEAR(got[i], want, 4e-7 * (1 + std::abs(want))) << x;
    }
  }
}

TEST(ElementwiseKernelTest, NanPropagatesThroughMaximum) {
  Tensor a = Tensor::FromVector<float>({NAN, 1}, {2});
  Tensor b = Tensor::FromVector<float>({0, NAN}, {2});
  std::vector<double> m = Values(maximum(a, b));
  EXPECT_TRUE(std::isnan(m[0]));
  EXPECT_TRUE(std::isnan(m[1]));
}

TEST(ElementwiseKernelTest, InplaceOpsWriteThroughViews) {
  Tensor t = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor col = t.transpose(0, 1).select(0, 1);  // t[:, 1], stride 3.
  col.add_(Tensor::FromVector<float>({10, 20}, {2}));
  ASSERT_TRUE(col.ok()) << col.status();
  EXPECT_EQ(*t.ToVector<float>(), (std::vector<float>{1, 12, 3, 4, 25, 6}));
  col.mul_(2.0);
  EXPECT_EQ(*t.ToVector<float>(), (std::vector<float>{1, 24, 3, 4, 50, 6}));
  Tensor row = t.select(0, 0);
  row.fill_(7);
  EXPECT_EQ(*t.ToVector<float>(), (std::vector<float>{7, 7, 7, 4, 50, 6}));
  t.relu_();
  t.sub_(Tensor::FromVector<float>({1}, {1}), 2.0);
  EXPECT_EQ(*t.ToVector<float>(), (std::vector<float>{5, 5, 5, 2, 48, 4}));
  t.zero_();
  EXPECT_EQ(*t.ToVector<float>(), (std::vector<float>(6, 0)));
  // Copy from an overlapping view of itself.
  Tensor u = Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2});
  u.copy_(u.transpose(0, 1));
  EXPECT_EQ(*u.ToVector<float>(), (std::vector<float>{1, 3, 2, 4}));
  // An int tensor cannot take a float result in place.
  Tensor i = Tensor::FromVector<int64_t>({1}, {1});
  i.add_(Tensor::FromVector<float>({0.5}, {1}));
  EXPECT_EQ(i.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ElementwiseKernelTest, ConversionsBetweenAllDtypes) {
  Tensor src = Tensor::FromVector<double>({0, 1, 2.75, -3}, {4});
  for (int a = 0; a < ir::kNumDTypes; ++a) {
    DType da = static_cast<DType>(a);
    if (da == DType::kUInt8) continue;  // -3 does not fit.
    Tensor x = src.to(da);
    ASSERT_TRUE(x.ok()) << x.status();
    for (int b = 0; b < ir::kNumDTypes; ++b) {
      DType db = static_cast<DType>(b);
      Tensor y = x.to(db);
      ASSERT_TRUE(y.ok()) << y.status();
      EXPECT_EQ(y.dtype(), db);
      std::vector<double> xv = Values(x), yv = Values(y);
      for (size_t k = 0; k < xv.size(); ++k) {
        double want = db == DType::kBool ? (xv[k] != 0) : xv[k];
        if (ir::IsIntegral(db)) want = static_cast<double>(static_cast<int64_t>(xv[k]));
        if (db == DType::kUInt8 && xv[k] < 0) continue;
        EXPECT_EQ(yv[k], want) << ir::DTypeName(da) << " -> " << ir::DTypeName(db) << " at " << k;
      }
    }
  }
}

TEST(ElementwiseKernelTest, WhereMaskedFillCloneCopy) {
  Tensor c = Tensor::FromVector<bool>({true, false, true}, {3});
  Tensor a = Tensor::FromVector<float>({1, 2, 3}, {3});
  Tensor b = Tensor::FromVector<int64_t>({7}, {1});
  Tensor w = where(c, a, b);
  EXPECT_EQ(w.dtype(), DType::kFloat32);
  EXPECT_EQ(*w.ToVector<float>(), (std::vector<float>{1, 7, 3}));
  Tensor m = Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2}).masked_fill(
      Tensor::FromVector<bool>({false, true}, {2}), -1);
  EXPECT_EQ(*m.ToVector<float>(), (std::vector<float>{1, -1, 3, -1}));
  Tensor t = Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2}).transpose(0, 1);
  Tensor cl = t.clone();
  EXPECT_TRUE(cl.is_contiguous());
  EXPECT_FALSE(cl.shares_storage_with(t));
  EXPECT_EQ(*cl.ToVector<float>(), (std::vector<float>{1, 3, 2, 4}));
  Tensor r = t.reshape({4});
  EXPECT_EQ(*r.ToVector<float>(), (std::vector<float>{1, 3, 2, 4}));
  Tensor cp = CallOp1(OpKind::kCopy, {Tensor::Empty({2, 2}, DType::kFloat64), Tensor::FromVector<float>({5, 6}, {2})});
  EXPECT_EQ(cp.dtype(), DType::kFloat64);
  EXPECT_EQ(*cp.ToVector<float>(), (std::vector<float>{5, 6, 5, 6}));
}

TEST(ElementwiseKernelTest, BackwardOpsMatchFormulas) {
  Tensor g = Random({50}, DType::kFloat64, -1, 1, 3);
  Tensor x = Random({50}, DType::kFloat64, -3, 3, 4);
  std::vector<double> gv = Values(g), xv = Values(x);
  auto check = [&](OpKind k, const ir::AttrList& attrs, const std::function<double(double, double)>& f,
                   const char* name) {
    std::vector<double> want;
    for (size_t i = 0; i < gv.size(); ++i) want.push_back(f(gv[i], xv[i]));
    ExpectNear(CallOp1(k, {g, x}, attrs), want, 1e-12, name);
  };
  check(OpKind::kThresholdBackward, {{"threshold", 0.0}}, [](double g, double x) { return x > 0 ? g : 0; },
        "threshold_backward");
  check(OpKind::kSigmoidBackward, {}, [](double g, double y) { return g * y * (1 - y); }, "sigmoid_backward");
  check(OpKind::kTanhBackward, {}, [](double g, double y) { return g * (1 - y * y); }, "tanh_backward");
  check(OpKind::kSiluBackward, {},
        [](double g, double x) {
          double s = 1 / (1 + std::exp(-x));
          return g * s * (1 + x * (1 - s));
        },
        "silu_backward");
  // gelu_backward against a central difference of gelu.
  for (const char* approx : {"none", "tanh"}) {
    Tensor got = CallOp1(OpKind::kGeluBackward, {g, x}, {{"approximate", std::string(approx)}});
    double h = 1e-6;
    std::vector<double> up = Values(gelu(x + h, approx)), down = Values(gelu(x - h, approx));
    std::vector<double> want;
    for (size_t i = 0; i < gv.size(); ++i) want.push_back(gv[i] * (up[i] - down[i]) / (2 * h));
    ExpectNear(got, want, 1e-7, approx);
  }
}

}  // namespace
}  // namespace aot
