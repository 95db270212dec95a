// Tests of the CPU nn kernels (softmax, norms, losses and their backward ops)
// against reference loops in double, and of the backward ops against finite
// differences of the forward kernels.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
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
using Vec = std::vector<double>;

constexpr double kInf = std::numeric_limits<double>::infinity();

int64_t Numel(const std::vector<int64_t>& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

std::vector<int64_t> Sizes(const Tensor& t) { return std::vector<int64_t>(t.sizes().begin(), t.sizes().end()); }

Vec RandomVec(int64_t n, uint32_t seed, double lo = -2, double hi = 2) {
  std::mt19937 rng(seed);
  Vec v(n);
  for (double& x : v) x = std::uniform_real_distribution<double>(lo, hi)(rng);
  return v;
}

Tensor Make(const Vec& v, const std::vector<int64_t>& sizes, DType dtype) {
  if (dtype == DType::kFloat64) return Tensor::FromVector<double>(v, sizes);
  std::vector<float> f(v.begin(), v.end());
  return Tensor::FromVector<float>(f, sizes);
}

// A tensor of logical shape `sizes` and values `v` whose dims 0 and 1 are
// swapped in memory (a transpose view).
Tensor Transposed01(const Vec& v, const std::vector<int64_t>& sizes, DType dtype) {
  std::vector<int64_t> swapped = sizes;
  std::swap(swapped[0], swapped[1]);
  const int64_t a = sizes[0], b = sizes[1], rest = Numel(sizes) / (a * b);
  Vec base(v.size());
  for (int64_t i = 0; i < a; ++i) {
    for (int64_t j = 0; j < b; ++j) {
      for (int64_t k = 0; k < rest; ++k) base[(j * a + i) * rest + k] = v[(i * b + j) * rest + k];
    }
  }
  return Make(base, swapped, dtype).transpose(0, 1);
}

// Rounds values through f32 when the test runs in f32, so references see
// the kernel's inputs.
Vec Rounded(Vec v, DType dtype) {
  if (dtype == DType::kFloat32) {
    for (double& x : v) x = static_cast<float>(x);
  }
  return v;
}

void ExpectNear(const Vec& got, const Vec& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << what << " at " << i;
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << what << " at " << i;
    } else {
      EXPECT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << what << " at " << i;
    }
  }
}

double Tol(DType dtype) { return dtype == DType::kFloat32 ? 2e-5 : 1e-11; }

// Central differences of f at x.
Vec NumericGrad(const std::function<double(const Vec&)>& f, Vec x, double h = 1e-6) {
  Vec g(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double saved = x[i];
    x[i] = saved + h;
    const double up = f(x);
    x[i] = saved - h;
    const double down = f(x);
    x[i] = saved;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

double Dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// --- References -----------------------------------------------------------------------

// Softmax / log_softmax of x (row-major `sizes`) along `dim`.
Vec RefSoftmax(const Vec& x, const std::vector<int64_t>& sizes, int dim, bool log) {
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < dim; ++i) outer *= sizes[i];
  for (int i = dim + 1; i < static_cast<int>(sizes.size()); ++i) inner *= sizes[i];
  const int64_t d = sizes[dim];
  Vec y(x.size());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      auto at = [&](int64_t k) { return o * d * inner + k * inner + j; };
      double m = -kInf;
      for (int64_t k = 0; k < d; ++k) m = std::max(m, x[at(k)]);
      double s = 0;
      for (int64_t k = 0; k < d; ++k) s += std::exp(x[at(k)] - m);
      for (int64_t k = 0; k < d; ++k) y[at(k)] = log ? x[at(k)] - m - std::log(s) : std::exp(x[at(k)] - m) / s;
    }
  }
  return y;
}

struct Norm {
  Vec y, mean, rstd;
};

Norm RefLayerNorm(const Vec& x, int64_t rows, int64_t n, const Vec* w, const Vec* b, double eps) {
  Norm r{Vec(x.size()), Vec(rows), Vec(rows)};
  for (int64_t i = 0; i < rows; ++i) {
    double m = 0, v = 0;
    for (int64_t j = 0; j < n; ++j) m += x[i * n + j];
    m /= n;
    for (int64_t j = 0; j < n; ++j) v += (x[i * n + j] - m) * (x[i * n + j] - m);
    v /= n;
    const double rs = 1 / std::sqrt(v + eps);
    r.mean[i] = m;
    r.rstd[i] = rs;
    for (int64_t j = 0; j < n; ++j) {
      r.y[i * n + j] = (x[i * n + j] - m) * rs * (w ? (*w)[j] : 1) + (b ? (*b)[j] : 0);
    }
  }
  return r;
}

struct BatchNormRef {
  Vec y, save_mean, save_invstd, new_rm, new_rv;
};

// x is [batch, channels, plane].
BatchNormRef RefBatchNorm(const Vec& x, int64_t batch, int64_t channels, int64_t plane, const Vec* w,
                          const Vec* b, const Vec* rm, const Vec* rv, bool training, double momentum, double eps) {
  BatchNormRef r{Vec(x.size()), Vec(channels), Vec(channels), Vec(channels), Vec(channels)};
  const double count = static_cast<double>(batch * plane);
  for (int64_t c = 0; c < channels; ++c) {
    auto at = [&](int64_t n, int64_t s) { return (n * channels + c) * plane + s; };
    double m = 0, v = 0;
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t s = 0; s < plane; ++s) m += x[at(n, s)];
    }
    m /= count;
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t s = 0; s < plane; ++s) v += (x[at(n, s)] - m) * (x[at(n, s)] - m);
    }
    const double biased = v / count, unbiased = v / (count - 1);
    double mean, invstd;
    if (training) {
      mean = m;
      invstd = 1 / std::sqrt(biased + eps);
      r.new_rm[c] = rm ? (1 - momentum) * (*rm)[c] + momentum * m : m;
      r.new_rv[c] = rv ? (1 - momentum) * (*rv)[c] + momentum * unbiased : unbiased;
    } else {
      mean = (*rm)[c];
      invstd = 1 / std::sqrt((*rv)[c] + eps);
      r.new_rm[c] = (*rm)[c];
      r.new_rv[c] = (*rv)[c];
    }
    r.save_mean[c] = mean;
    r.save_invstd[c] = invstd;
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t s = 0; s < plane; ++s) {
        r.y[at(n, s)] = (x[at(n, s)] - mean) * invstd * (w ? (*w)[c] : 1) + (b ? (*b)[c] : 0);
      }
    }
  }
  return r;
}

// cross_entropy (log_softmax = true) or nll_loss on [rows, classes], as
// PyTorch's formulas.
Vec RefClassLoss(const Vec& x, int64_t rows, int64_t classes, const std::vector<int64_t>& target, const Vec* w,
                 int64_t reduction, int64_t ignore, double smoothing, bool log_softmax) {
  Vec lp = log_softmax ? RefSoftmax(x, {rows, classes}, 1, true) : x;
  Vec nll(rows, 0), smooth(rows, 0);
  double wsum = 0, nll_sum = 0, smooth_sum = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t t = target[i];
    if (t == ignore) continue;
    const double wt = w ? (*w)[t] : 1;
    nll[i] = -wt * lp[i * classes + t];
    for (int64_t c = 0; c < classes; ++c) smooth[i] -= lp[i * classes + c] * (w ? (*w)[c] : 1);
    wsum += wt;
    nll_sum += nll[i];
    smooth_sum += smooth[i];
  }
  const double e = smoothing;
  if (reduction == 0) {
    Vec out(rows);
    for (int64_t i = 0; i < rows; ++i) out[i] = (1 - e) * nll[i] + e / classes * smooth[i];
    return out;
  }
  if (reduction == 2) return {(1 - e) * nll_sum + e / classes * smooth_sum};
  return {(1 - e) * nll_sum / wsum + e / classes * smooth_sum / wsum};
}

// --- Softmax ------------------------------------------------------------------------------

TEST(NnKernelsTest, SoftmaxMatchesReference) {
  const std::vector<int64_t> sizes = {3, 4, 5};
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    Vec xv = Rounded(RandomVec(60, 1, -5, 5), dtype);
    // Logical [3, 4, 5] from a [5, 4, 3] base: a non-contiguous input.
    Vec base(60);
    for (int64_t i = 0; i < 3; ++i) {
      for (int64_t j = 0; j < 4; ++j) {
        for (int64_t k = 0; k < 5; ++k) base[(k * 4 + j) * 3 + i] = xv[(i * 4 + j) * 5 + k];
      }
    }
    Tensor contiguous = Make(xv, sizes, dtype);
    Tensor transposed = Make(base, {5, 4, 3}, dtype).transpose(0, 2);
    for (const Tensor& x : {contiguous, transposed}) {
      ASSERT_EQ(Values(x), Values(contiguous));
      for (int64_t dim : {0, 1, 2, -1, -3}) {
        const int d = static_cast<int>(dim < 0 ? dim + 3 : dim);
        Tensor y = softmax(x, dim);
        Tensor ly = log_softmax(x, dim);
        ASSERT_TRUE(y.ok()) << y.status();
        EXPECT_EQ(y.dtype(), dtype);
        EXPECT_EQ(Sizes(y), sizes);
        ExpectNear(Values(y), RefSoftmax(xv, sizes, d, false), Tol(dtype), "softmax dim " + std::to_string(dim));
        ExpectNear(Values(ly), RefSoftmax(xv, sizes, d, true), Tol(dtype), "log_softmax dim " + std::to_string(dim));
      }
    }
  }
}

TEST(NnKernelsTest, SoftmaxIsStableAndLarge) {
  Tensor x = Tensor::FromVector<float>({1000, 1001, 1002}, {3});
  Vec want = RefSoftmax({1000, 1001, 1002}, {3}, 0, false);
  ExpectNear(Values(softmax(x, 0)), want, 1e-6, "softmax");
  ExpectNear(Values(log_softmax(x, 0)), RefSoftmax({1000, 1001, 1002}, {3}, 0, true), 1e-6, "log_softmax");
  Tensor neg = Tensor::FromVector<float>({-1000, -1001, -1002}, {3});
  ExpectNear(Values(softmax(neg, -1)), Vec(want.rbegin(), want.rend()), 1e-6, "softmax of large negatives");
  // Masked entries give exact zeros.
  Tensor masked = Tensor::FromVector<float>({0, -std::numeric_limits<float>::infinity(), 1}, {1, 3});
  Vec m = Values(softmax(masked, 1));
  EXPECT_EQ(m[1], 0.0);
  EXPECT_NEAR(m[0] + m[2], 1.0, 1e-6);
  // Long rows and many rows (parallel, block sums), and a non-last dim with
  // wide inner size (column blocks).
  for (auto [sizes, dim] : std::vector<std::pair<std::vector<int64_t>, int>>{
           {{64, 3000}, 1}, {{2, 70000}, 1}, {{300, 2100}, 0}, {{5, 7, 1500}, 1}}) {
    Vec xv = Rounded(RandomVec(Numel(sizes), 3, -20, 20), DType::kFloat32);
    Tensor t = Make(xv, sizes, DType::kFloat32);
    ExpectNear(Values(softmax(t, dim)), RefSoftmax(xv, sizes, dim, false), 1e-5, "softmax large");
    ExpectNear(Values(log_softmax(t, dim)), RefSoftmax(xv, sizes, dim, true), 1e-5, "log_softmax large");
  }
  // Scalars and empty tensors.
  EXPECT_EQ(*softmax(Tensor::FromVector<float>({3}, {}), 0).item(), 1.0);
  EXPECT_EQ(*log_softmax(Tensor::FromVector<double>({3}, {}), -1).item(), 0.0);
  EXPECT_EQ(Sizes(softmax(Tensor::Empty({0, 4}, DType::kFloat32), 1)), (std::vector<int64_t>{0, 4}));
  // f16 computes in f32.
  Tensor h = Tensor::FromVector<Half>({Half(1.0f), Half(2.0f)}, {2});
  Tensor hy = softmax(h, 0);
  ASSERT_TRUE(hy.ok()) << hy.status();
  EXPECT_EQ(hy.dtype(), DType::kFloat16);
  ExpectNear(Values(hy), RefSoftmax({1, 2}, {2}, 0, false), 1e-3, "softmax f16");
}

// One long row (or fewer rows than threads) is split across the threads:
// per-thread (max, sum) pairs merged, then the outputs. Also masked blocks
// (all -inf), a NaN, an all -inf row (NaN, as a short row) and +inf, with
// the last dim and a transposed input (made dense first).
TEST(NnKernelsTest, SoftmaxLongSingleRow) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const std::string dn(ir::DTypeName(dtype));
    for (std::vector<int64_t> sizes : {std::vector<int64_t>{100003}, std::vector<int64_t>{1, 70001}}) {
      Vec xv = Rounded(RandomVec(Numel(sizes), 5, -20, 20), dtype);
      Tensor x = Make(xv, sizes, dtype);
      const int d = static_cast<int>(sizes.size()) - 1;
      ExpectNear(Values(softmax(x, -1)), RefSoftmax(xv, sizes, d, false), Tol(dtype), dn + " long softmax");
      ExpectNear(Values(log_softmax(x, -1)), RefSoftmax(xv, sizes, d, true), Tol(dtype), dn + " long log_softmax");
    }
    // The first 50000 entries masked.
    Vec mv = Rounded(RandomVec(100000, 6, -5, 5), dtype);
    for (int i = 0; i < 50000; ++i) mv[i] = -kInf;
    Vec want = RefSoftmax(mv, {100000}, 0, false);
    Vec got = Values(softmax(Make(mv, {100000}, dtype), 0));
    for (int i = 0; i < 50000; ++i) ASSERT_EQ(got[i], 0.0) << i;
    ExpectNear(got, want, Tol(dtype), dn + " masked long softmax");
    Vec lwant = RefSoftmax(mv, {100000}, 0, true);
    Vec lgot = Values(log_softmax(Make(mv, {100000}, dtype), 0));
    ExpectNear(Vec(lgot.begin() + 50000, lgot.end()), Vec(lwant.begin() + 50000, lwant.end()), Tol(dtype),
               dn + " masked long log_softmax");
    // Special rows: NaN anywhere, all -inf, +inf: all NaN, as a short row.
    for (double special : {std::nan(""), -kInf, kInf}) {
      Vec sv = Rounded(RandomVec(100000, 7, -5, 5), dtype);
      if (special == -kInf) {
        std::fill(sv.begin(), sv.end(), -kInf);
      } else {
        sv[77777] = special;
      }
      for (bool log : {false, true}) {
        Tensor in = Make(sv, {100000}, dtype);
        Vec y = Values(log ? log_softmax(in, 0) : softmax(in, 0));
        Tensor short_in = Make(Vec(sv.begin() + 77770, sv.begin() + 77780), {10}, dtype);
        Vec ys = Values(log ? log_softmax(short_in, 0) : softmax(short_in, 0));
        EXPECT_TRUE(std::isnan(ys[0])) << dn << " short row, special " << special;
        for (size_t i = 0; i < y.size(); i += 997) ASSERT_TRUE(std::isnan(y[i])) << dn << " " << special << " " << i;
      }
    }
  }
  // A transposed [70001, 1] input: softmax over dim 0 of a strided view.
  Vec tv = Rounded(RandomVec(70001, 8, -20, 20), DType::kFloat32);
  Tensor t = Make(tv, {1, 70001}, DType::kFloat32).t();
  ExpectNear(Values(softmax(t, 0)), RefSoftmax(tv, {70001, 1}, 0, false), Tol(DType::kFloat32), "transposed");
}

TEST(NnKernelsTest, SoftmaxBackwardMatchesFiniteDifferences) {
  const std::vector<int64_t> sizes = {3, 4, 5};
  Vec xv = RandomVec(60, 4);
  Vec g = RandomVec(60, 5);
  for (bool log : {false, true}) {
    for (int dim : {0, 1, 2}) {
      Tensor y = log ? log_softmax(Make(xv, sizes, DType::kFloat64), dim)
                     : softmax(Make(xv, sizes, DType::kFloat64), dim);
      Tensor gi = CallOp1(log ? K::kLogSoftmaxBackward : K::kSoftmaxBackward,
                          {Make(g, sizes, DType::kFloat64), y}, {{"dim", int64_t{dim}}});
      ASSERT_TRUE(gi.ok()) << gi.status();
      Vec want = NumericGrad([&](const Vec& v) { return Dot(g, RefSoftmax(v, sizes, dim, log)); }, xv);
      ExpectNear(Values(gi), want, 1e-7, std::string(log ? "log_" : "") + "softmax_backward dim " + std::to_string(dim));
      // f32, with a transposed grad_output.
      Tensor gi32 = CallOp1(log ? K::kLogSoftmaxBackward : K::kSoftmaxBackward,
                            {Transposed01(g, sizes, DType::kFloat32), Make(Values(y), sizes, DType::kFloat32)},
                            {{"dim", int64_t{dim}}});
      ASSERT_TRUE(gi32.ok()) << gi32.status();
      EXPECT_EQ(gi32.dtype(), DType::kFloat32);
      ExpectNear(Values(gi32), Values(gi), 1e-5, "f32 softmax_backward");
    }
  }
}

// Float outputs of 16 MiB or more are streamed (Note [Streaming stores],
// vec_math.h): layer_norm and log_softmax over rows of 4099 floats (most
// rows start off a 64-byte boundary, so each streams after a plain head),
// against the references. Inputs from a cheap hash and one counting loop
// per check: mt19937 and 4M gtest assertions take seconds here.
TEST(NnKernelsTest, LargeOutputsStream) {
  const int64_t rows = 1025, n = 4099;
  ASSERT_GE(rows * n * 4, int64_t{16} << 20);
  Vec xv(rows * n);
  for (size_t i = 0; i < xv.size(); ++i) xv[i] = static_cast<double>((i * 2654435761u) % 1000003) / 65536 - 7;
  Vec wv(n), bv(n);
  for (int64_t j = 0; j < n; ++j) {
    wv[j] = 0.5 + 0.001 * static_cast<double>(j % 997);
    bv[j] = -0.25 + 0.002 * static_cast<double>(j % 613);
  }
  const Tensor x = Make(xv, {rows, n}, DType::kFloat32);
  auto expect_near = [](const Tensor& got, const Vec& want, double tol, const std::string& what) {
    ASSERT_TRUE(got.ok()) << what << ": " << got.status();
    ASSERT_TRUE(got.is_contiguous() && got.numel() == static_cast<int64_t>(want.size())) << what;
    const float* g = got.data_ptr<float>();
    int64_t bad = 0, first = -1;
    for (size_t i = 0; i < want.size(); ++i) {
      if (!(std::abs(g[i] - want[i]) <= tol * (1 + std::abs(want[i]))) && bad++ == 0) first = static_cast<int64_t>(i);
    }
    EXPECT_EQ(bad, 0) << what << ": first at " << first << ", got " << (first < 0 ? 0 : g[first]) << ", want "
                      << (first < 0 ? 0 : want[first]);
  };
  auto [y, mean, rstd] = layer_norm(x, {n}, Make(wv, {n}, DType::kFloat32), Make(bv, {n}, DType::kFloat32), 1e-5);
  expect_near(y, RefLayerNorm(xv, rows, n, &wv, &bv, 1e-5).y, 1e-5, "layer_norm");
  expect_near(log_softmax(x, 1), RefSoftmax(xv, {rows, n}, 1, true), 1e-5, "log_softmax");
}

// --- LayerNorm --------------------------------------------------------------------------------

TEST(NnKernelsTest, LayerNormMatchesReference) {
  const std::vector<int64_t> sizes = {4, 6, 8};
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    Vec xv = Rounded(RandomVec(192, 7, -3, 5), dtype);
    for (std::vector<int64_t> norm : {std::vector<int64_t>{8}, std::vector<int64_t>{6, 8}}) {
      const int64_t n = Numel(norm), rows = 192 / n;
      Vec w = Rounded(RandomVec(n, 8), dtype), b = Rounded(RandomVec(n, 9), dtype);
      for (int affine = 0; affine < 4; ++affine) {
        const Vec* wp = affine & 1 ? &w : nullptr;
        const Vec* bp = affine & 2 ? &b : nullptr;
        auto [y, mean, rstd] = layer_norm(Transposed01(xv, sizes, dtype), norm,
                                          wp ? Make(w, norm, dtype) : Tensor(), bp ? Make(b, norm, dtype) : Tensor(),
                                          1e-5);
        ASSERT_TRUE(y.ok()) << y.status();
        Norm want = RefLayerNorm(xv, rows, n, wp, bp, 1e-5);
        std::vector<int64_t> stat = norm.size() == 1 ? std::vector<int64_t>{4, 6, 1} : std::vector<int64_t>{4, 1, 1};
        EXPECT_EQ(Sizes(y), sizes);
        EXPECT_EQ(Sizes(mean), stat);
        EXPECT_EQ(Sizes(rstd), stat);
        EXPECT_EQ(mean.dtype(), dtype);
        std::string what = "layer_norm affine=" + std::to_string(affine) + " n=" + std::to_string(n);
        ExpectNear(Values(y), want.y, 10 * Tol(dtype), what);
        ExpectNear(Values(mean), want.mean, Tol(dtype), what + " mean");
        ExpectNear(Values(rstd), want.rstd, 10 * Tol(dtype), what + " rstd");
      }
    }
  }
  // Rows of 4096 (the benchmark's shape, smaller batch) with a large offset.
  Vec big = Rounded(RandomVec(64 * 4096, 10, 100, 104), DType::kFloat32);
  auto [y, mean, rstd] = layer_norm(Make(big, {64, 4096}, DType::kFloat32), {4096});
  Norm want = RefLayerNorm(big, 64, 4096, nullptr, nullptr, 1e-5);
  ExpectNear(Values(y), want.y, 1e-4, "layer_norm 4096");
  ExpectNear(Values(rstd), want.rstd, 1e-5, "layer_norm 4096 rstd");
}

TEST(NnKernelsTest, LayerNormBackwardMatchesFiniteDifferences) {
  const std::vector<int64_t> sizes = {3, 4, 5};
  const std::vector<int64_t> norm = {4, 5};
  Vec xv = RandomVec(60, 11), g = RandomVec(60, 12), w = RandomVec(20, 13), b = RandomVec(20, 14);
  for (bool affine : {true, false}) {
    const Vec* wp = affine ? &w : nullptr;
    Tensor wt = affine ? Make(w, norm, DType::kFloat64) : Tensor();
    Tensor bt = affine ? Make(b, norm, DType::kFloat64) : Tensor();
    auto [y, mean, rstd] = layer_norm(Make(xv, sizes, DType::kFloat64), norm, wt, bt);
    std::vector<Tensor> grads = CallOp(K::kLayerNormBackward,
                                       {Make(g, sizes, DType::kFloat64), Make(xv, sizes, DType::kFloat64), mean, rstd,
                                        wt, bt},
                                       {{"normalized_shape", norm}});
    ASSERT_EQ(grads.size(), 3u);
    ASSERT_TRUE(grads[0].ok()) << grads[0].status();
    EXPECT_EQ(Sizes(grads[1]), norm);
    auto loss = [&](const Vec& x, const Vec& wv, const Vec& bv) {
      return Dot(g, RefLayerNorm(x, 3, 20, wp ? &wv : nullptr, &bv, 1e-5).y);
    };
    Vec zero(20, 0.0);
    const Vec& bb = affine ? b : zero;
    ExpectNear(Values(grads[0]), NumericGrad([&](const Vec& x) { return loss(x, w, bb); }, xv), 1e-7, "grad_input");
    // An absent weight means 1: grad_weight is still d/dw at w = 1.
    Vec w_at = affine ? w : Vec(20, 1.0);
    auto loss_w = [&](const Vec& wv) { return Dot(g, RefLayerNorm(xv, 3, 20, &wv, &bb, 1e-5).y); };
    ExpectNear(Values(grads[1]), NumericGrad(loss_w, w_at), 1e-7, "grad_weight");
    ExpectNear(Values(grads[2]), NumericGrad([&](const Vec& bv) { return loss(xv, w, bv); }, bb), 1e-7, "grad_bias");

    // f32 with non-contiguous operands agrees.
    std::vector<Tensor> g32 = CallOp(
        K::kLayerNormBackward,
        {Transposed01(g, sizes, DType::kFloat32), Transposed01(xv, sizes, DType::kFloat32),
         Make(Values(mean), Sizes(mean), DType::kFloat32), Make(Values(rstd), Sizes(rstd), DType::kFloat32),
         affine ? Make(w, norm, DType::kFloat32) : Tensor(), Tensor()},
        {{"normalized_shape", norm}});
    ASSERT_TRUE(g32[0].ok()) << g32[0].status();
    for (int i = 0; i < 3; ++i) ExpectNear(Values(g32[i]), Values(grads[i]), 1e-4, "f32 layer_norm_backward");
  }
}

// --- BatchNorm --------------------------------------------------------------------------------

TEST(NnKernelsTest, BatchNormTrainingAndInference) {
  struct Case {
    std::vector<int64_t> sizes;
  };
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    for (std::vector<int64_t> sizes : {std::vector<int64_t>{6, 3}, std::vector<int64_t>{4, 3, 5},
                                       std::vector<int64_t>{2, 3, 2, 2}, std::vector<int64_t>{8, 2, 40, 50}}) {
      const int64_t batch = sizes[0], channels = sizes[1], plane = Numel(sizes) / (batch * channels);
      Vec xv = Rounded(RandomVec(Numel(sizes), 20, -1, 3), dtype);
      Vec w = Rounded(RandomVec(channels, 21), dtype), b = Rounded(RandomVec(channels, 22), dtype);
      Vec rm = Rounded(RandomVec(channels, 23), dtype), rv = Rounded(RandomVec(channels, 24, 0.5, 2), dtype);
      Tensor x = Transposed01(xv, sizes, dtype);
      auto T = [&](const Vec& v) { return Make(v, {channels}, dtype); };
      for (bool training : {true, false}) {
        for (bool with_running : {true, false}) {
          if (!training && !with_running) continue;
          std::vector<Tensor> r = batch_norm(x, T(w), T(b), with_running ? T(rm) : Tensor(),
                                             with_running ? T(rv) : Tensor(), training, 0.1, 1e-5);
          ASSERT_EQ(r.size(), 5u);
          ASSERT_TRUE(r[0].ok()) << r[0].status();
          BatchNormRef want = RefBatchNorm(xv, batch, channels, plane, &w, &b, with_running ? &rm : nullptr,
                                           with_running ? &rv : nullptr, training, 0.1, 1e-5);
          std::string what = "batch_norm " + testing::PrintToString(sizes) + (training ? " train" : " eval") +
                             (with_running ? "" : " no-running");
          EXPECT_EQ(Sizes(r[0]), sizes);
          for (int i = 1; i < 5; ++i) EXPECT_EQ(Sizes(r[i]), std::vector<int64_t>{channels}) << what;
          const double tol = 10 * Tol(dtype);
          ExpectNear(Values(r[0]), want.y, tol, what);
          ExpectNear(Values(r[1]), want.save_mean, tol, what + " save_mean");
          ExpectNear(Values(r[2]), want.save_invstd, tol, what + " save_invstd");
          ExpectNear(Values(r[3]), want.new_rm, tol, what + " running_mean");
          ExpectNear(Values(r[4]), want.new_rv, tol, what + " running_var");
        }
      }
    }
  }
}

TEST(NnKernelsTest, BatchNormErrors) {
  Tensor one = Tensor::FromVector<float>({1, 2, 3}, {1, 3});
  std::vector<Tensor> r = batch_norm(one, Tensor(), Tensor(), Tensor(), Tensor(), true);
  EXPECT_EQ(r[0].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r[0].status().message()), HasSubstr("more than 1 value per channel"));
  // Inference without running stats is rejected by the shape rule.
  r = batch_norm(Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2}), Tensor(), Tensor(), Tensor(), Tensor(), false);
  EXPECT_EQ(r[0].status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NnKernelsTest, EmptyNorms) {
  // An empty batch keeps the running stats; the saved stats are NaN.
  Tensor rm = Tensor::FromVector<float>({1, 2}, {2}), rv = Tensor::FromVector<float>({3, 4}, {2});
  std::vector<Tensor> r = batch_norm(Tensor::Empty({0, 2}, DType::kFloat32), Tensor(), Tensor(), rm, rv, true);
  ASSERT_TRUE(r[0].ok()) << r[0].status();
  EXPECT_EQ(Sizes(r[0]), (std::vector<int64_t>{0, 2}));
  EXPECT_TRUE(std::isnan(Values(r[1])[0]));
  EXPECT_EQ(Values(r[3]), (Vec{1, 2}));
  EXPECT_EQ(Values(r[4]), (Vec{3, 4}));
  r = batch_norm(Tensor::Empty({0, 2}, DType::kFloat32), Tensor(), Tensor(), Tensor(), Tensor(), true);
  ASSERT_TRUE(r[0].ok()) << r[0].status();
  EXPECT_EQ(Values(r[3]), (Vec{0, 0}));
  EXPECT_EQ(Values(r[4]), (Vec{1, 1}));
  auto [y, mean, rstd] = layer_norm(Tensor::Empty({0, 4}, DType::kFloat32), {4});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(Sizes(mean), (std::vector<int64_t>{0, 1}));
  std::vector<Tensor> g = CallOp(K::kLayerNormBackward,
                                 {Tensor::Empty({0, 4}, DType::kFloat32), Tensor::Empty({0, 4}, DType::kFloat32), mean,
                                  rstd, Tensor(), Tensor()},
                                 {{"normalized_shape", std::vector<int64_t>{4}}});
  ASSERT_TRUE(g[0].ok()) << g[0].status();
  EXPECT_EQ(Values(g[1]), (Vec{0, 0, 0, 0}));
}

TEST(NnKernelsTest, BatchNormBackwardMatchesFiniteDifferences) {
  const std::vector<int64_t> sizes = {3, 2, 4};
  Vec xv = RandomVec(24, 30), g = RandomVec(24, 31), w = RandomVec(2, 32), b = RandomVec(2, 33);
  Vec rm = RandomVec(2, 34), rv = RandomVec(2, 35, 0.5, 2);
  auto T = [](const Vec& v) { return Make(v, {static_cast<int64_t>(v.size())}, DType::kFloat64); };
  for (bool training : {true, false}) {
    std::vector<Tensor> fwd = batch_norm(Make(xv, sizes, DType::kFloat64), T(w), T(b), T(rm), T(rv), training);
    ASSERT_TRUE(fwd[0].ok()) << fwd[0].status();
    auto run = [&](const Tensor& save_mean, const Tensor& save_invstd) {
      return CallOp(K::kBatchNormBackward,
                    {Make(g, sizes, DType::kFloat64), Make(xv, sizes, DType::kFloat64), T(w), T(rm), T(rv), save_mean,
                     save_invstd},
                    {{"training", training}, {"eps", 1e-5}});
    };
    std::vector<Tensor> grads = run(fwd[1], fwd[2]);
    ASSERT_TRUE(grads[0].ok()) << grads[0].status();
    auto loss = [&](const Vec& x, const Vec& wv, const Vec& bv) {
      return Dot(g, RefBatchNorm(x, 3, 2, 4, &wv, &bv, &rm, &rv, training, 0.1, 1e-5).y);
    };
    std::string what = training ? "train" : "eval";
    ExpectNear(Values(grads[0]), NumericGrad([&](const Vec& x) { return loss(x, w, b); }, xv), 1e-7,
               what + " grad_input");
    ExpectNear(Values(grads[1]), NumericGrad([&](const Vec& wv) { return loss(xv, wv, b); }, w), 1e-7,
               what + " grad_weight");
    ExpectNear(Values(grads[2]), NumericGrad([&](const Vec& bv) { return loss(xv, w, bv); }, b), 1e-7,
               what + " grad_bias");
    if (training) {
      // Without the saved stats, they are recomputed from the input.
      std::vector<Tensor> again = run(Tensor(), Tensor());
      for (int i = 0; i < 3; ++i) ExpectNear(Values(again[i]), Values(grads[i]), 1e-9, "recomputed stats");
    }
  }
}

// --- Losses -----------------------------------------------------------------------------------

TEST(NnKernelsTest, NllLossAndCrossEntropyMatchReference) {
  const int64_t rows = 6, classes = 5;
  const std::vector<int64_t> target = {0, 4, -100, 2, 2, 1};
  Tensor tt = Tensor::FromVector<int64_t>(target, {rows});
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    Vec xv = Rounded(RandomVec(rows * classes, 40, -3, 3), dtype);
    Vec w = Rounded(RandomVec(classes, 41, 0.2, 2), dtype);
    Tensor x = Transposed01(xv, {rows, classes}, dtype);
    for (bool weighted : {false, true}) {
      Tensor wt = weighted ? Make(w, {classes}, dtype) : Tensor();
      for (int64_t reduction : {0, 1, 2}) {
        std::string what = std::string(ir::DTypeName(dtype)) + " weighted=" + std::to_string(weighted) +
                           " reduction=" + std::to_string(reduction);
        Tensor nll = nll_loss(x, tt, wt, reduction);
        ASSERT_TRUE(nll.ok()) << nll.status();
        EXPECT_EQ(Sizes(nll), reduction == 0 ? std::vector<int64_t>{rows} : std::vector<int64_t>{});
        ExpectNear(Values(nll),
                   RefClassLoss(xv, rows, classes, target, weighted ? &w : nullptr, reduction, -100, 0, false),
                   Tol(dtype), "nll_loss " + what);
        for (double smoothing : {0.0, 0.1}) {
          Tensor ce = cross_entropy(x, tt, wt, reduction, -100, smoothing);
          ASSERT_TRUE(ce.ok()) << ce.status();
          ExpectNear(Values(ce),
                     RefClassLoss(xv, rows, classes, target, weighted ? &w : nullptr, reduction, -100, smoothing, true),
                     10 * Tol(dtype), "cross_entropy " + what + " smoothing=" + std::to_string(smoothing));
        }
      }
    }
  }
  // 1-D input with a scalar target; a custom ignore_index; i32 targets.
  Vec row = {0.5, -1, 2};
  Tensor x1 = Tensor::FromVector<double>(row, {3});
  Tensor t1 = Tensor::FromVector<int64_t>({2}, {});
  ExpectNear(Values(cross_entropy(x1, t1)), RefClassLoss(row, 1, 3, {2}, nullptr, 1, -100, 0, true), 1e-12, "1-D");
  ExpectNear(Values(nll_loss(x1, t1, Tensor(), 0)), {-2.0}, 1e-12, "1-D nll");
  Tensor t32 = Tensor::FromVector<int32_t>({1, 2}, {2});
  Tensor x2 = Tensor::FromVector<double>({0, 1, 2, 3, 4, 5}, {2, 3});
  ExpectNear(Values(nll_loss(x2, t32, Tensor(), 1, 2)), {-1.0}, 1e-12, "ignore_index 2");
  // All targets ignored: mean is 0 / 0.
  EXPECT_TRUE(std::isnan(*nll_loss(x2, Tensor::FromVector<int64_t>({-100, -100}, {2})).item()));
  // Large logits stay finite.
  Tensor big = Tensor::FromVector<float>({1000, 1001, 1002}, {1, 3});
  EXPECT_NEAR(*cross_entropy(big, Tensor::FromVector<int64_t>({2}, {1})).item(),
              std::log(1 + std::exp(-1.0) + std::exp(-2.0)), 1e-5);
}

TEST(NnKernelsTest, LossErrors) {
  Tensor x = Tensor::FromVector<float>({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor bad = Tensor::FromVector<int64_t>({1, 3}, {2});
  for (Tensor y : {nll_loss(x, bad), cross_entropy(x, bad)}) {
    EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(y.status().message()), HasSubstr("out of bounds"));
  }
  EXPECT_EQ(cross_entropy(x, Tensor::FromVector<int64_t>({1, 2}, {2}), Tensor(), 1, -100, 1.5).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(nll_loss(x, Tensor::FromVector<float>({1, 2}, {2})).status().code(), absl::StatusCode::kInvalidArgument);
  Tensor g = Tensor::FromVector<float>({1, 1, 1}, {3});
  Tensor gi = CallOp1(K::kMseLossBackward, {g, x, x}, {{"reduction", int64_t{0}}});
  EXPECT_EQ(gi.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NnKernelsTest, NllLossBackwardMatchesFiniteDifferences) {
  const int64_t rows = 4, classes = 3;
  const std::vector<int64_t> target = {2, -100, 0, 2};
  Vec xv = RandomVec(12, 50), w = RandomVec(3, 51, 0.5, 2);
  Tensor tt = Tensor::FromVector<int64_t>(target, {rows});
  for (int64_t reduction : {0, 1, 2}) {
    Vec g = reduction == 0 ? RandomVec(rows, 52) : Vec{1.7};
    Tensor gt = Make(g, reduction == 0 ? std::vector<int64_t>{rows} : std::vector<int64_t>{}, DType::kFloat64);
    Tensor gi = CallOp1(K::kNllLossBackward, {gt, Make(xv, {rows, classes}, DType::kFloat64), tt,
                                              Make(w, {classes}, DType::kFloat64)},
                        {{"reduction", reduction}, {"ignore_index", int64_t{-100}}});
    ASSERT_TRUE(gi.ok()) << gi.status();
    Vec want = NumericGrad(
        [&](const Vec& x) { return Dot(g, RefClassLoss(x, rows, classes, target, &w, reduction, -100, 0, false)); }, xv);
    ExpectNear(Values(gi), want, 1e-7, "nll_loss_backward reduction=" + std::to_string(reduction));
  }
}

TEST(NnKernelsTest, MseLossAndBackward) {
  const std::vector<int64_t> sizes = {5, 7};
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    Vec a = Rounded(RandomVec(35, 60), dtype), b = Rounded(RandomVec(35, 61), dtype);
    Tensor x = Transposed01(a, sizes, dtype);
    Tensor t = Make(b, sizes, dtype);
    Vec sq(35);
    double total = 0;
    for (int i = 0; i < 35; ++i) total += sq[i] = (a[i] - b[i]) * (a[i] - b[i]);
    ExpectNear(Values(mse_loss(x, t, 0)), sq, Tol(dtype), "mse none");
    ExpectNear(Values(mse_loss(x, t, 1)), {total / 35}, Tol(dtype), "mse mean");
    ExpectNear(Values(mse_loss(x, t, 2)), {total}, Tol(dtype), "mse sum");
    for (int64_t reduction : {0, 1, 2}) {
      Vec g = reduction == 0 ? RandomVec(35, 62) : Vec{0.3};
      Tensor gt = Make(g, reduction == 0 ? sizes : std::vector<int64_t>{}, dtype);
      Tensor gi = CallOp1(K::kMseLossBackward, {gt, x, t}, {{"reduction", reduction}});
      ASSERT_TRUE(gi.ok()) << gi.status();
      Vec want(35);
      for (int i = 0; i < 35; ++i) {
        want[i] = 2 * (a[i] - b[i]) * (reduction == 0 ? g[i] : g[0] / (reduction == 1 ? 35 : 1));
      }
      ExpectNear(Values(gi), want, Tol(dtype), "mse_loss_backward");
    }
  }
  // Large (parallel partial sums) and empty.
  Vec a = Rounded(RandomVec(300000, 63), DType::kFloat32), b = Rounded(RandomVec(300000, 64), DType::kFloat32);
  double total = 0;
  for (size_t i = 0; i < a.size(); ++i) total += (a[i] - b[i]) * (a[i] - b[i]);
  EXPECT_NEAR(*mse_loss(Make(a, {300000}, DType::kFloat32), Make(b, {300000}, DType::kFloat32)).item(),
              total / 300000, 1e-6 * total / 300000);
  Tensor e = Tensor::Empty({0}, DType::kFloat32);
  EXPECT_TRUE(std::isnan(*mse_loss(e, e).item()));
  EXPECT_EQ(*mse_loss(e, e, 2).item(), 0.0);
}


}  // namespace
}  // namespace aot
