// Accuracy of the kernels' float exp (ExpF8 and its scalar twin ExpF; see
// Note [Fast expf] in vec_math.h) and sin and cos (Note [Fast sinf and
// cosf]) against std::exp, std::sin and std::cos in double; the 16-lane
// loops against the 8-lane ones.
#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "aot/backends/cpu/reduce_utils.h"
#include "aot/backends/cpu/row_avx512.h"
#include "aot/backends/cpu/row_loops.h"
#include "aot/backends/cpu/vec_math.h"
#include "gtest/gtest.h"

namespace aot::cpu {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Results below 2^-125.5 flush to 0 (n = round(x / ln 2) = -126); the
// margin covers the float rounding of x / ln 2 at the boundary.
const double kFlush = std::ldexp(1.0, -125) / std::sqrt(2.0) * 1.0001;

std::vector<float> ExpF8Of(const std::vector<float>& x) {
  std::vector<float> y(x.size());
  size_t i = 0;
  for (; i + 8 <= x.size(); i += 8) _mm256_storeu_ps(y.data() + i, ExpF8(_mm256_loadu_ps(x.data() + i)));
  float in[8] = {}, out[8];
  for (size_t j = i; j < x.size(); ++j) in[j - i] = x[j];
  _mm256_storeu_ps(out, ExpF8(_mm256_loadu_ps(in)));
  for (size_t j = i; j < x.size(); ++j) y[j] = out[j - i];
  return y;
}

// |got - want| in ulps of the float nearest to want (> 0).
double UlpError(float got, double want) {
  const float w = static_cast<float>(want);
  const double ulp = static_cast<double>(std::nextafter(w, kInf)) - w;
  return std::abs(static_cast<double>(got) - want) / ulp;
}

// Every `stride`-th float from `from` towards `to` (same sign, |from| <
// |to|), both ends included.
std::vector<float> Sweep(float from, float to, uint32_t stride) {
  const uint32_t a = std::bit_cast<uint32_t>(from), b = std::bit_cast<uint32_t>(to);
  EXPECT_LT(a, b) << "Sweep(" << from << ", " << to << "): not of one sign with |from| < |to|";
  std::vector<float> x;
  for (uint64_t u = a; u < b; u += stride) x.push_back(std::bit_cast<float>(static_cast<uint32_t>(u)));
  x.push_back(to);
  return x;
}

struct Errors {
  double max_ulp = 0;        // Over results of at least kFlush.
  float worst = 0;           // The x of max_ulp.
  double max_flushed = 0;    // Absolute error below kFlush.
  int64_t checked = 0;
};

Errors Measure(const std::vector<float>& x, const std::vector<float>& y) {
  Errors e;
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = std::exp(static_cast<double>(x[i]));
    if (std::isinf(static_cast<float>(want))) {
      EXPECT_EQ(y[i], kInf) << "exp(" << x[i] << ")";
      continue;
    }
    if (want < kFlush) {
      e.max_flushed = std::max(e.max_flushed, std::abs(y[i] - want));
      continue;
    }
    const double u = UlpError(y[i], want);
    if (u > e.max_ulp) {
      e.max_ulp = u;
      e.worst = x[i];
    }
    ++e.checked;
  }
  return e;
}

// Every 23rd float in [-110, 90]: about 10^8 arguments, from results that
// flush to 0 (and would be denormal) through inf.
TEST(VecMathTest, ExpF8IsWithin1Point1UlpOverTheFloatRange) {
  for (const auto& [from, to] : {std::pair{0.0f, 90.0f}, std::pair{-0.0f, -110.0f}}) {
    const std::vector<float> x = Sweep(from, to, 23);
    const Errors e = Measure(x, ExpF8Of(x));
    EXPECT_LE(e.max_ulp, 1.1) << "worst at x = " << e.worst;
    EXPECT_LE(e.max_flushed, kFlush) << "results below 2^-125.5 must be 0 or accurate";
    EXPECT_GT(e.checked, 40'000'000);
  }
}

// Every float where r = x - n ln 2 is largest (|r| near ln(2) / 2), and the
// boundaries of the clamps.
TEST(VecMathTest, ExpF8IsWithin1Point1UlpNearRangeReductionEdges) {
  std::vector<float> x;
  for (int n = -125; n <= 127; ++n) {
    const float mid = static_cast<float>((n + 0.5) * std::log(2.0));
    for (float v = mid, k = 0; k < 2000; ++k, v = std::nextafter(v, -kInf)) x.push_back(v);
    for (float v = mid, k = 0; k < 2000; ++k, v = std::nextafter(v, kInf)) x.push_back(v);
  }
  for (float v : {kExpLo, kExpHi, -86.98f, -86.99f, -87.33f, -87.34f, 88.72f, 88.7228f, 88.73f}) {
    for (float w = v, k = 0; k < 1000; ++k, w = std::nextafter(w, kInf)) x.push_back(w);
  }
  const Errors e = Measure(x, ExpF8Of(x));
  EXPECT_LE(e.max_ulp, 1.1) << "worst at x = " << e.worst;
  EXPECT_LE(e.max_flushed, kFlush);
}

TEST(VecMathTest, ExpF8SpecialValues) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float denorm = std::numeric_limits<float>::denorm_min();
  const std::vector<float> x = {-kInf, kInf, nan, -nan, 0.0f, -0.0f, denorm, -denorm, 1.0f,
                                -1e30f, 1e30f, -103.0f, -88.0f, 88.0f, 88.73f, 1.0f};
  const std::vector<float> y = ExpF8Of(x);
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(y[1], kInf);
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_TRUE(std::isnan(y[3]));
  EXPECT_EQ(y[4], 1.0f);
  EXPECT_EQ(y[5], 1.0f);
  EXPECT_EQ(y[6], 1.0f);
  EXPECT_EQ(y[7], 1.0f);
  EXPECT_LE(UlpError(y[8], std::exp(1.0)), 1.1);
  EXPECT_EQ(y[9], 0.0f);
  EXPECT_EQ(y[10], kInf);
  EXPECT_EQ(y[11], 0.0f);  // exp(-103) = 1.4e-45 would be the smallest denormal.
  EXPECT_EQ(y[12], 0.0f);  // exp(-88) = 6.1e-39 would be a denormal.
  EXPECT_LE(UlpError(y[13], std::exp(88.0)), 1.1);
  EXPECT_EQ(y[14], kInf);
}

// ExpBoundedF8 (no upper clamp) gives ExpF8's bits up to 88.8 and still
// overflows to inf up to its bound.
TEST(VecMathTest, ExpBoundedF8MatchesExpF8BelowItsBound) {
  std::vector<float> x = Sweep(0.0f, 89.7f, 997);
  const std::vector<float> neg = Sweep(-0.0f, -120.0f, 997);
  x.insert(x.end(), neg.begin(), neg.end());
  x.insert(x.end(), {-kInf, std::numeric_limits<float>::quiet_NaN(), 88.8f, 89.0f, 89.7f});
  while (x.size() % 8 != 0) x.push_back(0.0f);
  for (size_t i = 0; i < x.size(); i += 8) {
    float bounded[8], full[8];
    _mm256_storeu_ps(bounded, ExpBoundedF8(_mm256_loadu_ps(x.data() + i)));
    _mm256_storeu_ps(full, ExpF8(_mm256_loadu_ps(x.data() + i)));
    for (int j = 0; j < 8; ++j) {
      if (std::isnan(full[j])) {
        EXPECT_TRUE(std::isnan(bounded[j])) << "x = " << x[i + j];
      } else {
        EXPECT_EQ(std::bit_cast<uint32_t>(bounded[j]), std::bit_cast<uint32_t>(full[j])) << "x = " << x[i + j];
      }
    }
  }
}

// ExpF (the scalar tails) gives the same bits as ExpF8, NaN included.
TEST(VecMathTest, ExpFMatchesExpF8Bitwise) {
  std::vector<float> x = Sweep(0.0f, 100.0f, 997);
  const std::vector<float> neg = Sweep(-0.0f, -120.0f, 997);
  x.insert(x.end(), neg.begin(), neg.end());
  x.insert(x.end(), {-kInf, kInf, std::numeric_limits<float>::quiet_NaN()});
  const std::vector<float> y = ExpF8Of(x);
  for (size_t i = 0; i < x.size(); ++i) {
    const float s = ExpF(x[i]);
    if (std::isnan(y[i])) {
      EXPECT_TRUE(std::isnan(s)) << "x = " << x[i];
    } else {
      EXPECT_EQ(std::bit_cast<uint32_t>(s), std::bit_cast<uint32_t>(y[i])) << "x = " << x[i];
    }
  }
}

// The row loops of each vector width (row_loops.h: AVX2 always, AVX-512F
// where the CPU has it), each as the kernels reach it.
struct RowLoops {
  std::string name;
  double (*exp_shift_sum)(const float* x, float shift, float* y, int64_t n);
  void (*exp_scale)(const float* x, float m, float scale, float* y, int64_t n);
  float (*max_row)(const float* x, int64_t n);
  float (*min_row)(const float* x, int64_t n);
  double (*sum)(const float* x, int64_t n, int64_t block, int64_t ahead);
  double (*sq_dev_sum)(const float* x, float m, int64_t n, int64_t block, int64_t ahead);
  void (*normalize)(const float* x, float m, float r, const float* w, const float* b, float* y, int64_t n,
                    int64_t ahead, bool stream);
  void (*scale)(float* y, float scale, int64_t n);
  void (*shift_sub)(const float* x, float m, float c, float* y, int64_t n, bool stream);
};

std::vector<RowLoops> AllRowLoops() {
  std::vector<RowLoops> loops = {{"avx2", &ExpShiftSumAvx2, &ExpScaleLoop<Avx2>, &MinMaxLoop<Avx2, true>,
                                   &MinMaxLoop<Avx2, false>, &SumLoop<Avx2>, &SqDevSumLoop<Avx2>, &NormalizeRow<Avx2>,
                                   &ScaleLoop<Avx2>, &ShiftSubLoop<Avx2>}};
  if (HasAvx512F()) {
    loops.push_back({"avx512",
                     [](const float* x, float shift, float* y, int64_t n) {
                       return ExpShiftSumAvx512(x, shift, y, n, kSumBlock, kExpPrefetch);
                     },
                     &ExpScaleAvx512, &MaxRowAvx512, &MinRowAvx512, &SumAvx512, &SqDevSumAvx512, &NormalizeRowAvx512,
                     &ScaleAvx512, &ShiftSubAvx512});
  }
  return loops;
}

// The ways a row loop may store its output (plain or streaming: Note
// [Streaming stores], vec_math.h), each into a row that starts on a
// cache line or 5 floats past one (so that streaming has a head to store
// plainly first).
std::vector<std::pair<bool, int64_t>> StoreModes() { return {{false, 0}, {true, 0}, {false, 5}, {true, 5}}; }

// An output row of n floats at `offset` floats past a 64-byte boundary,
// with guard values on both sides.
class OutputRow {
 public:
  OutputRow(int64_t n, int64_t offset) : n_(n), buf_(n + offset + 32, 7.0f) {
    const uintptr_t p = reinterpret_cast<uintptr_t>(buf_.data());
    const int64_t pad = static_cast<int64_t>(((64 - p % 64) % 64) / sizeof(float));
    begin_ = pad + offset;
  }
  float* data() { return buf_.data() + begin_; }
  bool GuardsIntact() const {
    for (int64_t i = 0; i < static_cast<int64_t>(buf_.size()); ++i) {
      if ((i < begin_ || i >= begin_ + n_) && buf_[i] != 7.0f) return false;
    }
    return true;
  }

 private:
  int64_t n_;
  std::vector<float> buf_;
  int64_t begin_ = 0;
};

// The exp loops against ExpF element by element: the same bits, and sums
// within rounding of the double sum of those values, over lengths that
// leave every kind of tail, with and without a store, with NaN and -inf
// elements; nothing written past the end.
// ExpForSum (Note [A cheaper exp for sums]), 8 lanes at a time.
std::vector<float> ExpForSumOf(const std::vector<float>& x) {
  std::vector<float> y(x.size());
  size_t i = 0;
  for (; i + 8 <= x.size(); i += 8) {
    _mm256_storeu_ps(y.data() + i, ExpForSum<Avx2>(_mm256_loadu_ps(x.data() + i)));
  }
  for (; i < x.size(); ++i) y[i] = ExpForSum<Scalar>(x[i]);
  return y;
}

// Every 23rd float in [-8, 0] (the terms that carry a sum: at least 2^-11.5
// of its max's exp(0) = 1) within 2.5 ulp (2.2 at worst when written); below, down to the flush, a
// relative error that grows with n = x / ln 2 from the rounded ln 2 (1.9e-9
// per unit of n) and stays under 5e-7; special values as ExpBounded's; the
// scalar form gives the 8-lane form's bits.
TEST(VecMathTest, ExpForSumIsWithin2Point5UlpWhereTermsCount) {
  const std::vector<float> near = Sweep(-0.0f, -8.0f, 23);
  const std::vector<float> near_y = ExpForSumOf(near);
  const Errors e = Measure(near, near_y);
  EXPECT_LE(e.max_ulp, 2.5) << "worst at x = " << e.worst;
  EXPECT_GT(e.checked, 40'000'000);
  const std::vector<float> far = Sweep(-8.0f, -87.0f, 101);
  const std::vector<float> far_y = ExpForSumOf(far);
  double worst = 0;
  for (size_t i = 0; i < far.size(); ++i) {
    const double want = std::exp(static_cast<double>(far[i]));
    if (want < kFlush) continue;
    const double rel = std::abs(far_y[i] - want) / want;
    EXPECT_LE(rel, 2.0e-7 + 2.0e-9 * std::abs(far[i]) / std::log(2.0)) << "x = " << far[i];
    worst = std::max(worst, rel);
  }
  EXPECT_LE(worst, 5e-7);
  std::cout << "ExpForSum: " << e.max_ulp << " ulp at worst on [-8, 0], relative " << worst << " below\n";
  for (size_t i = 0; i < near.size(); i += 9973) {
    EXPECT_EQ(std::bit_cast<uint32_t>(ExpForSum<Scalar>(near[i])), std::bit_cast<uint32_t>(near_y[i])) << near[i];
  }
  const std::vector<float> special = ExpForSumOf({0.0f, -kInf, -100.0f, kExpLo, std::numeric_limits<float>::quiet_NaN()});
  EXPECT_EQ(special[0], 1.0f);
  EXPECT_EQ(special[1], 0.0f);
  EXPECT_EQ(special[2], 0.0f);
  EXPECT_EQ(special[3], 0.0f);
  EXPECT_TRUE(std::isnan(special[4]));
}

TEST(VecMathTest, ExpRowLoopsMatchExpF) {
  std::vector<float> x = Sweep(-0.0f, -30.0f, 5003);
  x[17] = -kInf;
  x[1000] = std::numeric_limits<float>::quiet_NaN();
  for (const RowLoops& loops : AllRowLoops()) {
    for (int64_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 1023, 1024, 1025, 3000, 5003}) {
      // Stored exps are ExpF's; a sum alone is of ExpForSum's.
      double want_stored_sum = 0, want_sum_only = 0;
      for (int64_t i = 0; i < n; ++i) {
        want_stored_sum += ExpF(x[i] - 0.5f);
        want_sum_only += ExpForSum<Scalar>(x[i] - 0.5f);
      }
      for (bool store : {false, true}) {
        const double want_sum = store ? want_stored_sum : want_sum_only;
        SCOPED_TRACE(loops.name + ", n = " + std::to_string(n) + (store ? ", stored" : ""));
        std::vector<float> y(n + 1, 7.0f);
        const double sum = loops.exp_shift_sum(x.data(), 0.5f, store ? y.data() : nullptr, n);
        if (std::isnan(want_sum)) {
          EXPECT_TRUE(std::isnan(sum));
        } else {
          EXPECT_NEAR(sum, want_sum, 1e-6 * std::abs(want_sum));
        }
        for (int64_t i = 0; store && i < n; ++i) {
          const float want = ExpF(x[i] - 0.5f);
          if (std::isnan(want)) {
            EXPECT_TRUE(std::isnan(y[i])) << i;
          } else {
            EXPECT_EQ(std::bit_cast<uint32_t>(y[i]), std::bit_cast<uint32_t>(want)) << i;
          }
        }
        EXPECT_EQ(y[n], 7.0f) << "wrote past the end";
      }
      std::vector<float> z(n + 1, 7.0f);
      loops.exp_scale(x.data(), 0.5f, 0.25f, z.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        const float want = ExpF(x[i] - 0.5f) * 0.25f;
        if (std::isnan(want)) {
          EXPECT_TRUE(std::isnan(z[i])) << i;
        } else {
          EXPECT_EQ(std::bit_cast<uint32_t>(z[i]), std::bit_cast<uint32_t>(want))
              << loops.name << ", n = " << n << ", i = " << i;
        }
      }
      EXPECT_EQ(z[n], 7.0f) << "wrote past the end";
    }
  }
}

// The sums, squared-deviation sums and layer_norm's output loop of each
// width against scalar loops (the sums with and without prefetching, in
// blocks of several sizes; the output with and without weight and bias),
// over every kind of tail; nothing written past the end.
TEST(VecMathTest, NormLoopsMatchScalarLoops) {
  std::vector<float> sweep(5003), w(5003), b(5003);
  for (size_t i = 0; i < w.size(); ++i) {
    sweep[i] = -3.0f + 6.0f * static_cast<float>((i * 7919) % 5003) / 5003.0f;
    w[i] = 0.5f + 0.001f * static_cast<float>(i % 997);
    b[i] = -0.25f + 0.002f * static_cast<float>(i % 613);
  }
  for (const RowLoops& loops : AllRowLoops()) {
    for (int64_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 1023, 1025, 5003}) {
      SCOPED_TRACE(loops.name + ", n = " + std::to_string(n));
      const float* x = sweep.data();
      const float m = 0.125f;
      double want = 0;
      for (int64_t i = 0; i < n; ++i) want += (static_cast<double>(x[i]) - m) * (static_cast<double>(x[i]) - m);
      EXPECT_NEAR(loops.sq_dev_sum(x, m, n, kSumBlock, kExpPrefetch), want, 1e-6 * want);
      double want_sum = 0, abs_sum = 0;
      for (int64_t i = 0; i < n; ++i) {
        want_sum += x[i];
        abs_sum += std::abs(x[i]);
      }
      for (int64_t block : {int64_t{16}, int64_t{100}, kSumBlock}) {
        for (int64_t ahead : {int64_t{0}, kExpPrefetch}) {
          EXPECT_NEAR(loops.sum(x, n, block, ahead), want_sum, 1e-6 * abs_sum) << "block " << block;
          EXPECT_NEAR(loops.sq_dev_sum(x, m, n, block, ahead), want, 1e-6 * want) << "block " << block;
        }
      }
      for (int variant = 0; variant < 4; ++variant) {
        const float* wp = (variant & 1) != 0 ? w.data() : nullptr;
        const float* bp = (variant & 2) != 0 ? b.data() : nullptr;
        for (const auto& [stream, offset] : StoreModes()) {
          OutputRow y(n, offset);
          loops.normalize(x, m, 1.5f, wp, bp, y.data(), n, kExpPrefetch, stream);
          for (int64_t i = 0; i < n; ++i) {
            const double t = (static_cast<double>(x[i]) - m) * 1.5;
            const double ref = t * (wp != nullptr ? wp[i] : 1.0) + (bp != nullptr ? bp[i] : 0.0);
            EXPECT_NEAR(y.data()[i], ref, 1e-6 * (1 + std::abs(ref)))
                << "variant " << variant << ", stream " << stream << ", offset " << offset << ", i = " << i;
          }
          EXPECT_TRUE(y.GuardsIntact()) << "wrote outside the row; stream " << stream << ", offset " << offset;
        }
      }
    }
  }
}

// The max/min, scale and shift loops of each width,
// against plain scalar loops, over every kind of tail, with NaN and
// infinities at the start, middle and end.
// The one-pass shifted sums of var (ShiftedMomentsLoop) on 8 and 16 lanes,
// over every kind of tail and in blocks of several sizes, against double.
TEST(VecMathTest, ShiftedMomentsLoopsMatchDouble) {
  std::vector<float> x = Sweep(1.0f, 40.0f, 10007);
  ASSERT_GE(x.size(), 3000u);
  using Fn = void (*)(const float*, float, int64_t, int64_t, double*, double*);
  std::vector<std::pair<std::string, Fn>> loops = {{"avx2", &ShiftedMomentsLoop<Avx2>}};
  if (HasAvx512F()) loops.emplace_back("avx512", &ShiftedMomentsAvx512);
  for (const auto& [name, fn] : loops) {
    for (int64_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 1023, 1025, 3000}) {
      for (int64_t block : {int64_t{64}, int64_t{1024}}) {
        const float k = 20.5f;
        double want1 = 0, want2 = 0;
        for (int64_t i = 0; i < n; ++i) {
          const double d = static_cast<double>(x[i]) - k;
          want1 += d;
          want2 += d * d;
        }
        double s1 = -1, s2 = -1;
        fn(x.data(), k, n, block, &s1, &s2);
        EXPECT_NEAR(s1, want1, 1e-5 * (std::abs(want2) + 1)) << name << ", n = " << n << ", block " << block;
        EXPECT_NEAR(s2, want2, 1e-6 * (want2 + 1)) << name << ", n = " << n << ", block " << block;
      }
    }
  }
}

TEST(VecMathTest, RowLoopsMatchScalarLoops) {
  // Magnitudes up to 40, alternating in sign.
  std::vector<float> sweep = Sweep(0.0f, 40.0f, 200003);
  ASSERT_GE(sweep.size(), 5003u);
  for (size_t i = 1; i < sweep.size(); i += 2) sweep[i] = -sweep[i];
  for (const RowLoops& loops : AllRowLoops()) {
    for (int64_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 1025, 5003}) {
      for (int64_t special : {int64_t{-1}, int64_t{0}, n / 2, n - 1}) {
        if (special >= n) continue;
        for (float value : {std::numeric_limits<float>::quiet_NaN(), kInf, -kInf}) {
          std::vector<float> x(sweep.begin(), sweep.begin() + n);
          if (special >= 0) x[special] = value;
          SCOPED_TRACE(loops.name + ", n = " + std::to_string(n) + ", x[" + std::to_string(special) +
                       "] = " + std::to_string(value));
          float want_max = -kInf, want_min = kInf;
          for (float v : x) {
            want_max = MaxNan()(want_max, v);
            want_min = MinNan()(want_min, v);
          }
          const float got_max = loops.max_row(x.data(), n), got_min = loops.min_row(x.data(), n);
          // The sum: NaN or the infinity where there is one (the sweep's
          // finite values cannot overflow).
          const double got_sum = loops.sum(x.data(), n, kSumBlock, 0);
          if (special >= 0 && std::isinf(value)) {
            EXPECT_EQ(got_sum, static_cast<double>(value));
          } else if (special >= 0) {
            EXPECT_TRUE(std::isnan(got_sum)) << got_sum;
          } else {
            EXPECT_TRUE(std::isfinite(got_sum)) << got_sum;
          }
          EXPECT_TRUE(got_max == want_max || (std::isnan(got_max) && std::isnan(want_max))) << got_max << " " << want_max;
          EXPECT_TRUE(got_min == want_min || (std::isnan(got_min) && std::isnan(want_min))) << got_min << " " << want_min;
          std::vector<float> y(n + 1, 7.0f);
          std::copy(x.begin(), x.end(), y.begin());
          loops.scale(y.data(), 0.375f, n);
          for (int64_t i = 0; i < n; ++i) {
            if (std::isnan(x[i])) {
              EXPECT_TRUE(std::isnan(y[i])) << i;
            } else {
              EXPECT_EQ(std::bit_cast<uint32_t>(y[i]), std::bit_cast<uint32_t>(x[i] * 0.375f)) << i;
            }
          }
          EXPECT_EQ(y[n], 7.0f) << "wrote past the end";
          for (const auto& [stream, offset] : StoreModes()) {
            OutputRow z(n, offset);
            loops.shift_sub(x.data(), 1.5f, 0.25f, z.data(), n, stream);
            for (int64_t i = 0; i < n; ++i) {
              const float shifted = (x[i] - 1.5f) - 0.25f;
              if (std::isnan(x[i])) {
                EXPECT_TRUE(std::isnan(z.data()[i])) << i;
              } else {
                EXPECT_EQ(std::bit_cast<uint32_t>(z.data()[i]), std::bit_cast<uint32_t>(shifted))
                    << "stream " << stream << ", offset " << offset << ", i = " << i;
              }
            }
            EXPECT_TRUE(z.GuardsIntact()) << "wrote outside the row; stream " << stream << ", offset " << offset;
          }
        }
      }
    }
  }
}

// SinCosSmall over every 1001st float of magnitude up to kSinCosMax, both
// signs (all of them were within 2.1 ulp when it was written), and its
// 16-lane rows (SinRowAvx512, CosRowAvx512) bit for bit.
TEST(VecMathTest, SinCosSmallIsWithin2Point1UlpUpToItsBound) {
  std::vector<float> x = Sweep(std::numeric_limits<float>::denorm_min(), kSinCosMax, 1001);
  const size_t half = x.size();
  for (size_t i = 0; i < half; ++i) x.push_back(-x[i]);
  x.insert(x.end(), {0.0f, -0.0f, kSinCosMax, -kSinCosMax});
  while (x.size() % 16 != 0) x.push_back(1.0f);
  for (bool cos : {false, true}) {
    std::vector<float> y(x.size());
    for (size_t i = 0; i < x.size(); i += 8) {
      const __m256 v = _mm256_loadu_ps(x.data() + i);
      _mm256_storeu_ps(y.data() + i, cos ? SinCosSmall<Avx2, true>(v) : SinCosSmall<Avx2, false>(v));
    }
    double worst = 0;
    float worst_x = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double want = cos ? std::cos(static_cast<double>(x[i])) : std::sin(static_cast<double>(x[i]));
      double u;
      if (want == 0) {
        // sin(+-0) = +-0.
        u = std::bit_cast<uint32_t>(y[i]) == std::bit_cast<uint32_t>(x[i]) ? 0 : 1e9;
      } else if (std::signbit(y[i]) != std::signbit(want)) {
        u = 1e9;
      } else {
        u = UlpError(std::abs(y[i]), std::abs(want));
      }
      if (u > worst) {
        worst = u;
        worst_x = x[i];
      }
    }
    EXPECT_LE(worst, 2.1) << (cos ? "cos(" : "sin(") << worst_x << ")";
    if (HasAvx512F()) {
      std::vector<float> z(x.size(), 7.0f);
      const int64_t n = static_cast<int64_t>(x.size());
      ASSERT_EQ(cos ? CosRowAvx512(x.data(), z.data(), n) : SinRowAvx512(x.data(), z.data(), n), n);
      for (size_t i = 0; i < x.size(); ++i) {
        ASSERT_EQ(std::bit_cast<uint32_t>(z[i]), std::bit_cast<uint32_t>(y[i])) << x[i];
      }
    }
  }
}

// The 16-lane rows stop at the first block with a lane past kSinCosMax,
// infinite or NaN, which the 8-lane functor sends to SLEEF.
TEST(VecMathTest, SinCosRowsStopBeforeArgumentsTheyDoNotServe) {
  if (!HasAvx512F()) GTEST_SKIP() << "no AVX-512F";
  for (float bad : {kSinCosMax * 1.0001f, -200.0f, kInf, -kInf, std::numeric_limits<float>::quiet_NaN()}) {
    std::vector<float> x(48, 0.5f), y(48, 7.0f);
    x[37] = bad;
    EXPECT_EQ(SinRowAvx512(x.data(), y.data(), 48), 32) << bad;
    EXPECT_EQ(CosRowAvx512(x.data(), y.data(), 48), 32) << bad;
    EXPECT_EQ(y[32], 7.0f);
  }
}

}  // namespace
}  // namespace aot::cpu
