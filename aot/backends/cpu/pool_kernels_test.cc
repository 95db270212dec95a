// Tests of the CPU pooling kernels and their backward ops against reference
// loops in double: window shapes, stride, padding, dilation, ceil_mode,
// count_include_pad, divisor_override, 3-D and 4-D inputs, non-contiguous
// inputs, float32 and float64, empty batches. The backward ops are checked
// against a reference scatter and as the adjoints of the (linear) forward ops.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "aot/tensor/dispatcher.h"
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

Tensor FromDoubles(const std::vector<double>& v, const Shape& sizes, DType dtype) {
  if (dtype == DType::kFloat64) return Tensor::FromVector<double>(v, sizes);
  return Tensor::FromVector<float>(std::vector<float>(v.begin(), v.end()), sizes);
}

Tensor Random(const Shape& sizes, DType dtype, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(static_cast<size_t>(Numel(sizes)));
  for (double& x : v) x = dist(rng);
  return FromDoubles(v, sizes, dtype);
}

Shape Sizes(const Tensor& t) { return Shape(t.sizes().begin(), t.sizes().end()); }

void ExpectNear(const Tensor& got, const Shape& shape, const std::vector<double>& want, DType dtype,
                const std::string& what) {
  ASSERT_TRUE(got.ok()) << what << ": " << got.status();
  EXPECT_EQ(Sizes(got), shape) << what;
  EXPECT_EQ(got.dtype(), dtype) << what;
  std::vector<double> v = Values(got);
  ASSERT_EQ(v.size(), want.size()) << what;
  const double tol = dtype == DType::kFloat64 ? 1e-12 : 1e-5;
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(v[i])) << what << " element " << i;
    } else if (std::isinf(want[i])) {
      EXPECT_EQ(v[i], want[i]) << what << " element " << i;
    } else {
      ASSERT_NEAR(v[i], want[i], tol * (1 + std::abs(want[i]))) << what << " element " << i;
    }
  }
}

double Dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Pooling parameters, as the ops take them.
struct Pool {
  std::string name;
  Shape input;  // [N, C, H, W] or [C, H, W].
  int64_t kh, kw;
  int64_t sh = 0, sw = 0;  // 0: the kernel size.
  int64_t ph = 0, pw = 0, dh = 1, dw = 1;
  bool ceil_mode = false;

  int64_t s_h() const { return sh == 0 ? kh : sh; }
  int64_t s_w() const { return sw == 0 ? kw : sw; }
  static int64_t OutSize(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil) {
    int64_t numer = in + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
    int64_t out = numer / s + 1;
    if (ceil && (out - 1) * s >= in + p) --out;
    return out;
  }
  int64_t oh() const { return OutSize(H(), kh, s_h(), ph, dh, ceil_mode); }
  int64_t ow() const { return OutSize(W(), kw, s_w(), pw, dw, ceil_mode); }
  int64_t H() const { return input[input.size() - 2]; }
  int64_t W() const { return input[input.size() - 1]; }
  int64_t planes() const { return Numel(input) == 0 ? (input.size() == 4 ? input[0] * input[1] : input[0]) : Numel(input) / (H() * W()); }
  Shape out_shape() const {
    Shape s = input;
    s[s.size() - 2] = oh();
    s[s.size() - 1] = ow();
    return s;
  }
  ir::AttrList Attrs(bool dilation) const {
    ir::AttrList a = {{"kernel_size", Shape{kh, kw}},
                      {"stride", sh == 0 ? Shape{} : Shape{sh, sw}},
                      {"padding", Shape{ph, pw}},
                      {"ceil_mode", ceil_mode}};
    if (dilation) a.push_back({"dilation", Shape{dh, dw}});
    return a;
  }
};

// --- max_pool2d_with_indices --------------------------------------------------------

void RefMaxPool(const Pool& p, const std::vector<double>& x, std::vector<double>* y, std::vector<double>* ind) {
  const int64_t h = p.H(), w = p.W(), oh = p.oh(), ow = p.ow();
  for (int64_t pl = 0; pl < p.planes(); ++pl) {
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        double best = -std::numeric_limits<double>::infinity();
        int64_t bi = -1;
        for (int64_t ky = 0; ky < p.kh; ++ky) {
          const int64_t iy = oy * p.s_h() - p.ph + ky * p.dh;
          if (iy < 0 || iy >= h) continue;
          for (int64_t kx = 0; kx < p.kw; ++kx) {
            const int64_t ix = ox * p.s_w() - p.pw + kx * p.dw;
            if (ix < 0 || ix >= w) continue;
            const double v = x[pl * h * w + iy * w + ix];
            if (bi < 0 || v > best || std::isnan(v)) {
              best = v;
              bi = iy * w + ix;
            }
          }
        }
        y->push_back(best);
        ind->push_back(static_cast<double>(bi));
      }
    }
  }
}

Tensor MaxPoolBackward(const Pool& p, const Tensor& grad, const Tensor& self, const Tensor& indices) {
  return CallOp1(OpKind::kMaxPool2dWithIndicesBackward, {grad, self, indices}, p.Attrs(/*dilation=*/true));
}

std::vector<Pool> MaxCases() {
  return {
      {.name = "k2s2", .input = {2, 3, 6, 6}, .kh = 2, .kw = 2},
      {.name = "k3s2p1", .input = {2, 2, 7, 6}, .kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 1, .pw = 1},
      {.name = "rect_dilated",
       .input = {1, 3, 9, 7}, .kh = 3, .kw = 2, .sh = 2, .sw = 1, .ph = 1, .pw = 0, .dh = 2, .dw = 3},
      {.name = "ceil", .input = {2, 2, 7, 5}, .kh = 2, .kw = 2, .ceil_mode = true},
      {.name = "ceil_pad", .input = {1, 2, 6, 6}, .kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 1, .pw = 1,
       .ceil_mode = true},
      {.name = "ceil_stride3", .input = {1, 1, 8, 8}, .kh = 2, .kw = 3, .sh = 3, .sw = 3, .ceil_mode = true},
      {.name = "3d", .input = {3, 5, 5}, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .ph = 1, .pw = 1},
  };
}

class PoolTest : public ::testing::TestWithParam<DType> {};

TEST_P(PoolTest, MaxPool) {
  DType dt = GetParam();
  for (const Pool& p : MaxCases()) {
    SCOPED_TRACE(p.name);
    Tensor x = Random(p.input, dt, 1);
    std::vector<double> y, ind;
    RefMaxPool(p, Values(x), &y, &ind);
    std::vector<Tensor> r = CallOp(OpKind::kMaxPool2dWithIndices, {x}, p.Attrs(/*dilation=*/true));
    ExpectNear(r[0], p.out_shape(), y, dt, "output");
    ASSERT_TRUE(r[1].ok()) << r[1].status();
    EXPECT_EQ(r[1].dtype(), DType::kInt64);
    EXPECT_EQ(Values(r[1]), ind);
    // Backward: the gradient goes to the recorded positions.
    Tensor g = Random(p.out_shape(), dt, 2);
    std::vector<double> gv = Values(g), want(static_cast<size_t>(Numel(p.input)), 0.0);
    const int64_t plane_in = p.H() * p.W(), plane_out = p.oh() * p.ow();
    for (size_t i = 0; i < gv.size(); ++i) want[i / plane_out * plane_in + static_cast<int64_t>(ind[i])] += gv[i];
    ExpectNear(MaxPoolBackward(p, g, x, r[1]), p.input, want, dt, "backward");
    // A transposed (non-contiguous) input with the same values.
    Shape t_shape = p.input;
    std::swap(t_shape[t_shape.size() - 1], t_shape[t_shape.size() - 2]);
    const int r_ = static_cast<int>(p.input.size());
    std::vector<double> xv = Values(x), tv(xv.size());
    for (int64_t pl = 0; pl < p.planes(); ++pl) {
      for (int64_t i = 0; i < p.H(); ++i) {
        for (int64_t j = 0; j < p.W(); ++j) tv[pl * plane_in + j * p.H() + i] = xv[pl * plane_in + i * p.W() + j];
      }
    }
    Tensor xt = FromDoubles(tv, t_shape, dt).transpose(r_ - 2, r_ - 1);
    ASSERT_FALSE(xt.is_contiguous());
    std::vector<Tensor> rt = CallOp(OpKind::kMaxPool2dWithIndices, {xt}, p.Attrs(true));
    ExpectNear(rt[0], p.out_shape(), y, dt, "transposed input");
    EXPECT_EQ(Values(rt[1]), ind);
  }
}

TEST_P(PoolTest, MaxPoolNanAndInfinity) {
  DType dt = GetParam();
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  Tensor x = FromDoubles({1, nan, 3, 4, -inf, -inf, -inf, -inf, 5, 2, nan, 7}, {1, 3, 2, 2}, dt);
  auto [y, ind] = max_pool2d_with_indices(x, {2, 2});
  ExpectNear(y, {1, 3, 1, 1}, {nan, -inf, nan}, dt, "nan");
  EXPECT_EQ(Values(ind), (std::vector<double>{1, 0, 2}));
}

TEST_P(PoolTest, MaxPoolEmptyBatch) {
  DType dt = GetParam();
  Pool p{.name = "empty", .input = {0, 3, 6, 6}, .kh = 2, .kw = 2};
  Tensor x = Random(p.input, dt, 1);
  auto [y, ind] = max_pool2d_with_indices(x, {2, 2});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(Sizes(y), (Shape{0, 3, 3, 3}));
  Tensor g = MaxPoolBackward(p, Random({0, 3, 3, 3}, dt, 2), x, ind);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(Sizes(g), p.input);
}

TEST(PoolTest, MaxPoolIntegers) {
  Tensor x = Tensor::FromVector<int64_t>({1, 9, 3, 4, -5, 6, 7, 8, 2}, {1, 3, 3});
  auto [y, ind] = max_pool2d_with_indices(x, {2, 2}, {1, 1});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y.dtype(), DType::kInt64);
  EXPECT_EQ(Values(y), (std::vector<double>{9, 9, 8, 8}));
  EXPECT_EQ(Values(ind), (std::vector<double>{1, 1, 7, 7}));
}

// --- avg_pool2d -------------------------------------------------------------------

struct AvgOpts {
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override;
};

std::vector<double> RefAvgPool(const Pool& p, const AvgOpts& o, const std::vector<double>& x) {
  const int64_t h = p.H(), w = p.W();
  std::vector<double> y;
  for (int64_t pl = 0; pl < p.planes(); ++pl) {
    for (int64_t oy = 0; oy < p.oh(); ++oy) {
      for (int64_t ox = 0; ox < p.ow(); ++ox) {
        // The window over the padded input, cut at the padding's far edge.
        const int64_t y0 = oy * p.s_h() - p.ph, x0 = ox * p.s_w() - p.pw;
        const int64_t y1 = std::min(y0 + p.kh, h + p.ph), x1 = std::min(x0 + p.kw, w + p.pw);
        double sum = 0;
        int64_t inside = 0;
        for (int64_t iy = y0; iy < y1; ++iy) {
          for (int64_t ix = x0; ix < x1; ++ix) {
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            sum += x[pl * h * w + iy * w + ix];
            ++inside;
          }
        }
        int64_t div = o.divisor_override ? *o.divisor_override
                                         : (o.count_include_pad ? (y1 - y0) * (x1 - x0) : inside);
        y.push_back(inside == 0 ? 0.0 : sum / static_cast<double>(div));
      }
    }
  }
  return y;
}

ir::AttrList AvgAttrs(const Pool& p, const AvgOpts& o) {
  ir::AttrList a = p.Attrs(/*dilation=*/false);
  a.push_back({"count_include_pad", o.count_include_pad});
  if (o.divisor_override) a.push_back({"divisor_override", *o.divisor_override});
  return a;
}

TEST_P(PoolTest, AvgPool) {
  DType dt = GetParam();
  std::vector<Pool> cases = MaxCases();
  for (Pool& p : cases) p.dh = p.dw = 1;  // avg_pool2d has no dilation.
  for (const Pool& p : cases) {
    for (AvgOpts o : {AvgOpts{true, std::nullopt}, AvgOpts{false, std::nullopt}, AvgOpts{true, 5}}) {
      SCOPED_TRACE(p.name + (o.count_include_pad ? " include_pad" : " exclude_pad") +
                   (o.divisor_override ? " divisor" : ""));
      Tensor x = Random(p.input, dt, 1);
      ExpectNear(CallOp1(OpKind::kAvgPool2d, {x}, AvgAttrs(p, o)), p.out_shape(), RefAvgPool(p, o, Values(x)), dt,
                 "output");
      // The backward op is the adjoint: <avg(x), g> = <x, avg_backward(g)>.
      Tensor g = Random(p.out_shape(), dt, 2);
      Tensor gi = CallOp1(OpKind::kAvgPool2dBackward, {g, x}, AvgAttrs(p, o));
      ASSERT_TRUE(gi.ok()) << gi.status();
      EXPECT_EQ(Sizes(gi), p.input);
      std::vector<double> xv = Values(x), giv = Values(gi);
      EXPECT_NEAR(Dot(RefAvgPool(p, o, xv), Values(g)), Dot(xv, giv), dt == DType::kFloat64 ? 1e-10 : 1e-4);
      // Column by column: backward of a one-hot gradient is a row of the
      // forward map.
      for (int64_t j = 0; j < std::min<int64_t>(Numel(p.input), 12); ++j) {
        std::vector<double> e(xv.size(), 0.0);
        e[j] = 1;
        double want = Dot(RefAvgPool(p, o, e), Values(g));
        EXPECT_NEAR(giv[j], want, 1e-5) << "input " << j;
      }
    }
  }
}

TEST_P(PoolTest, AvgPoolHandChecked) {
  DType dt = GetParam();
  std::vector<double> v(16);
  for (int i = 0; i < 16; ++i) v[i] = i;
  Tensor x = FromDoubles(v, {1, 1, 4, 4}, dt);
  ExpectNear(avg_pool2d(x, {2, 2}), {1, 1, 2, 2}, {2.5, 4.5, 10.5, 12.5}, dt, "k2");
  ExpectNear(avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}), {1, 1, 2, 2}, {10.0 / 9, 24.0 / 9, 51.0 / 9, 90.0 / 9}, dt,
             "k3p1");
  ExpectNear(avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, /*ceil_mode=*/false, /*count_include_pad=*/false),
             {1, 1, 2, 2}, {2.5, 4, 8.5, 10}, dt, "k3p1 exclude");
  // ceil_mode adds a third window starting at row/column 3: 1 element inside,
  // 2x2 of the padded input.
  Tensor c = avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, /*ceil_mode=*/true);
  ExpectNear(c.select(2, 2).select(2, 2), {1, 1}, {15.0 / 4}, dt, "ceil corner");
  Tensor ce = avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, /*ceil_mode=*/true, /*count_include_pad=*/false);
  ExpectNear(ce.select(2, 2).select(2, 2), {1, 1}, {15.0}, dt, "ceil corner exclude");
}

TEST_P(PoolTest, AvgPoolEmptyBatch) {
  DType dt = GetParam();
  Pool p{.name = "empty", .input = {0, 2, 5, 5}, .kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 1, .pw = 1};
  Tensor x = Random(p.input, dt, 1);
  Tensor y = CallOp1(OpKind::kAvgPool2d, {x}, AvgAttrs(p, {}));
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(Sizes(y), p.out_shape());
  Tensor gi = CallOp1(OpKind::kAvgPool2dBackward, {Random(p.out_shape(), dt, 2), x}, AvgAttrs(p, {}));
  ASSERT_TRUE(gi.ok()) << gi.status();
  EXPECT_EQ(Sizes(gi), p.input);
}

// --- adaptive_avg_pool2d --------------------------------------------------------------

std::vector<double> RefAdaptive(const Shape& in, int64_t oh, int64_t ow, const std::vector<double>& x) {
  const int64_t h = in[in.size() - 2], w = in[in.size() - 1];
  const int64_t planes = Numel(in) / (h * w);
  std::vector<double> y;
  for (int64_t pl = 0; pl < planes; ++pl) {
    for (int64_t oy = 0; oy < oh; ++oy) {
      const int64_t y0 = static_cast<int64_t>(std::floor(static_cast<double>(oy * h) / oh));
      const int64_t y1 = static_cast<int64_t>(std::ceil(static_cast<double>((oy + 1) * h) / oh));
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t x0 = static_cast<int64_t>(std::floor(static_cast<double>(ox * w) / ow));
        const int64_t x1 = static_cast<int64_t>(std::ceil(static_cast<double>((ox + 1) * w) / ow));
        double s = 0;
        for (int64_t iy = y0; iy < y1; ++iy) {
          for (int64_t ix = x0; ix < x1; ++ix) s += x[pl * h * w + iy * w + ix];
        }
        y.push_back(s / static_cast<double>((y1 - y0) * (x1 - x0)));
      }
    }
  }
  return y;
}

TEST_P(PoolTest, AdaptiveAvgPool) {
  DType dt = GetParam();
  for (auto [in, oh, ow] : std::vector<std::tuple<Shape, int64_t, int64_t>>{
           {{2, 3, 7, 5}, 3, 2}, {{2, 3, 7, 5}, 1, 1}, {{2, 3, 7, 5}, 7, 5}, {{3, 7, 5}, 10, 8}, {{1, 2, 8, 8}, 4, 4}}) {
    SCOPED_TRACE(testing::PrintToString(in) + " -> " + std::to_string(oh) + "x" + std::to_string(ow));
    Tensor x = Random(in, dt, 1);
    Shape out = in;
    out[out.size() - 2] = oh;
    out[out.size() - 1] = ow;
    ExpectNear(adaptive_avg_pool2d(x, {oh, ow}), out, RefAdaptive(in, oh, ow, Values(x)), dt, "output");
    Tensor g = Random(out, dt, 2);
    Tensor gi = CallOp1(OpKind::kAdaptiveAvgPool2dBackward, {g, x});
    ASSERT_TRUE(gi.ok()) << gi.status();
    EXPECT_EQ(Sizes(gi), in);
    std::vector<double> giv = Values(gi), gv = Values(g);
    for (int64_t j = 0; j < Numel(in); j += 5) {
      std::vector<double> e(static_cast<size_t>(Numel(in)), 0.0);
      e[j] = 1;
      EXPECT_NEAR(giv[j], Dot(RefAdaptive(in, oh, ow, e), gv), 1e-5) << "input " << j;
    }
  }
  // A transposed input and an empty batch.
  Tensor xt = Random({2, 5, 7}, dt, 3).transpose(1, 2);
  ExpectNear(adaptive_avg_pool2d(xt, {3, 2}), {2, 3, 2}, RefAdaptive({2, 7, 5}, 3, 2, Values(xt)), dt,
             "transposed");
  Tensor e = adaptive_avg_pool2d(Random({0, 3, 4, 4}, dt, 4), {2, 2});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(Sizes(e), (Shape{0, 3, 2, 2}));
}

INSTANTIATE_TEST_SUITE_P(Dtypes, PoolTest, ::testing::Values(DType::kFloat32, DType::kFloat64),
                         [](const auto& info) { return std::string(ir::DTypeName(info.param)); });

TEST(PoolTest, Errors) {
  Tensor x = Random({1, 2, 6, 6}, DType::kFloat32, 1);
  Pool p{.name = "err", .input = {1, 2, 6, 6}, .kh = 2, .kw = 2};
  auto [y, ind] = max_pool2d_with_indices(x, {2, 2});
  Tensor bad = MaxPoolBackward(p, Random({1, 2, 2, 2}, DType::kFloat32, 2), x, ind);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("max_pool2d_with_indices_backward"));
  Tensor far = Tensor::FromVector<int64_t>(std::vector<int64_t>(18, 36), {1, 2, 3, 3});
  Tensor out_of_range = MaxPoolBackward(p, Random({1, 2, 3, 3}, DType::kFloat32, 2), x, far);
  EXPECT_EQ(out_of_range.status().code(), absl::StatusCode::kInvalidArgument);
  Tensor avg_bad = CallOp1(OpKind::kAvgPool2dBackward, {Random({1, 2, 4, 4}, DType::kFloat32, 2), x},
                           AvgAttrs(p, {}));
  EXPECT_EQ(avg_bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(avg_bad.status().message(), HasSubstr("avg_pool2d_backward"));
  Tensor ad_bad = CallOp1(OpKind::kAdaptiveAvgPool2dBackward, {Random({2, 2, 2, 2}, DType::kFloat32, 2), x});
  EXPECT_EQ(ad_bad.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aot
