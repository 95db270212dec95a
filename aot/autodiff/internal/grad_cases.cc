#include "aot/autodiff/internal/grad_cases.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "aot/autodiff/derivatives.h"
#include "aot/ir/dtype.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"

namespace aot::autodiff::internal {
namespace {

using K = OpKind;
using Groups = std::vector<std::vector<Tensor>>;
using Ints = std::vector<int64_t>;
using ir::AttrList;
using ir::AttrValue;

constexpr DType kF64 = DType::kFloat64;
constexpr DType kF32 = DType::kFloat32;

int64_t Numel(const Ints& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

Tensor FromDoubles(const std::vector<double>& values, const Ints& sizes, DType dtype) {
  return Tensor::FromVector<double>(values, sizes).to(dtype);
}

Tensor Longs(const Ints& values, const Ints& sizes) { return Tensor::FromVector<int64_t>(values, sizes); }

// Random inputs from one generator, so a case list is the same on every run.
class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  // Uniform in [lo, hi).
  Tensor Uniform(const Ints& sizes, double lo = -2, double hi = 2, DType dtype = kF64) {
    std::uniform_real_distribution<double> dist(lo, hi);
    std::vector<double> v(Numel(sizes));
    for (double& x : v) x = dist(rng_);
    return FromDoubles(v, sizes, dtype);
  }

  // Uniform in [-2, 2) but at least `margin` away from every kink.
  Tensor AwayFrom(const Ints& sizes, const std::vector<double>& kinks, double margin = 0.05) {
    std::uniform_real_distribution<double> dist(-2, 2);
    std::vector<double> v(Numel(sizes));
    for (double& x : v) {
      bool near = true;
      while (near) {
        x = dist(rng_);
        near = false;
        for (double k : kinks) near = near || std::abs(x - k) < margin;
      }
    }
    return FromDoubles(v, sizes, kF64);
  }

  // Distinct values 0.1 apart in random order (no ties for amax, amin and
  // max pooling that a finite-difference step could flip).
  Tensor Distinct(const Ints& sizes) {
    const int64_t n = Numel(sizes);
    std::vector<double> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = 0.1 * static_cast<double>(i - n / 2);
    std::shuffle(v.begin(), v.end(), rng_);
    return FromDoubles(v, sizes, kF64);
  }

  Tensor Bools(const Ints& sizes) {
    std::bernoulli_distribution dist(0.5);
    std::vector<bool> v(Numel(sizes));
    for (size_t i = 0; i < v.size(); ++i) v[i] = dist(rng_);
    return Tensor::FromVector<bool>(v, sizes);
  }

 private:
  std::mt19937_64 rng_;
};

// Standard normal float64 values from the counter-based generator.
Tensor Randn(Ints sizes, uint64_t seed) { return randn(std::move(sizes), seed, 0, {.dtype = kF64}); }

Ints SizesOf(const Tensor& t) { return Ints(t.sizes().begin(), t.sizes().end()); }

Groups Regroup(const std::vector<int>& group_sizes, const std::vector<Tensor>& flat) {
  Groups groups;
  size_t k = 0;
  for (int n : group_sizes) {
    groups.emplace_back(flat.begin() + k, flat.begin() + k + n);
    k += n;
  }
  return groups;
}

std::function<std::vector<Tensor>(const std::vector<Tensor>&)> OpFn(K op, std::vector<int> group_sizes,
                                                                      AttrList attrs) {
  return [op, group_sizes = std::move(group_sizes), attrs = std::move(attrs)](const std::vector<Tensor>& in) {
    size_t total = 0;
    for (int n : group_sizes) total += n;
    if (in.size() != total) {
      return std::vector<Tensor>{Tensor::Error(absl::InvalidArgumentError(
          absl::StrCat(ir::GetOpDef(op).name(), ": case function got ", in.size(), " inputs, expected ", total)))};
    }
    absl::StatusOr<std::vector<Tensor>> out = Dispatch(op, Regroup(group_sizes, in), attrs);
    if (!out.ok()) return std::vector<Tensor>{Tensor::Error(out.status())};
    return *std::move(out);
  };
}

// Collects cases; Add returns the new case for tweaks (valid until the next
// Add).
class CaseList {
 public:
  // A case with operands grouped by the schema's tensor arguments.
  GradCase& Add(std::string name, K op, Groups groups, AttrList attrs = {}) {
    GradCase c;
    c.op = op;
    c.name = std::move(name);
    for (const std::vector<Tensor>& g : groups) {
      c.group_sizes.push_back(static_cast<int>(g.size()));
      for (const Tensor& t : g) {
        c.inputs.push_back(t);
        c.needs_grad.push_back(t.ok() && ir::IsFloating(t.dtype()));
      }
    }
    c.attrs = std::move(attrs);
    c.fn = OpFn(op, c.group_sizes, c.attrs);
    cases_.push_back(std::move(c));
    return cases_.back();
  }

  // A case with one operand per tensor argument: an undefined tensor for an
  // absent optional one.
  GradCase& AddArgs(std::string name, K op, const std::vector<Tensor>& args, AttrList attrs = {}) {
    Groups groups;
    for (const Tensor& t : args) groups.push_back(t.defined() ? std::vector<Tensor>{t} : std::vector<Tensor>{});
    return Add(std::move(name), op, std::move(groups), std::move(attrs));
  }

  std::vector<GradCase> Take() { return std::move(cases_); }

 private:
  std::vector<GradCase> cases_;
};

// Leaves the gradient of tensor argument `group` (a single tensor) unchecked.
GradCase& Freeze(GradCase& c, int group) {
  int start = 0;
  for (int g = 0; g < group; ++g) start += c.group_sizes[g];
  c.needs_grad[start] = false;
  return c;
}

GradCase& Tolerances(GradCase& c, double eps, double atol, double rtol) {
  c.eps = eps;
  c.atol = atol;
  c.rtol = rtol;
  return c;
}

// --- Basic ops -----------------------------------------------------------------------

void AddBasicCases(CaseList& c) {
  Gen gen(42);
  auto u = [&gen](Ints sizes, double lo = -2, double hi = 2, DType dtype = kF64) {
    return gen.Uniform(sizes, lo, hi, dtype);
  };
  auto away = [&gen](Ints sizes, std::vector<double> kinks, double margin = 0.05) {
    return gen.AwayFrom(sizes, kinks, margin);
  };
  // Elementwise unary.
  c.Add("Neg", K::kNeg, {{u({3, 4})}});
  c.Add("Abs", K::kAbs, {{away({3, 4}, {0})}});
  c.Add("Exp", K::kExp, {{u({3, 4})}});
  c.Add("Log", K::kLog, {{u({3, 4}, 0.5, 3)}});
  c.Add("Log1p", K::kLog1p, {{u({3, 4}, -0.5, 3)}});
  c.Add("Expm1", K::kExpm1, {{u({3, 4})}});
  c.Add("Sqrt", K::kSqrt, {{u({3, 4}, 0.5, 3)}});
  c.Add("Rsqrt", K::kRsqrt, {{u({3, 4}, 0.5, 3)}});
  c.Add("Reciprocal", K::kReciprocal, {{away({3, 4}, {0}, 0.3)}});
  c.Add("Sin", K::kSin, {{u({3, 4})}});
  c.Add("Cos", K::kCos, {{u({3, 4})}});
  c.Add("Tanh", K::kTanh, {{u({3, 4})}});
  c.Add("Sigmoid", K::kSigmoid, {{u({3, 4})}});
  c.Add("Relu", K::kRelu, {{away({3, 4}, {0})}});
  c.Add("Erf", K::kErf, {{u({3, 4})}});
  c.Add("Gelu", K::kGelu, {{u({3, 4})}});
  c.Add("GeluTanh", K::kGelu, {{u({3, 4})}}, {{"approximate", "tanh"}});
  c.Add("Silu", K::kSilu, {{u({3, 4})}});
  c.Add("Clamp", K::kClamp, {{away({3, 4}, {-0.5, 0.5})}}, {{"min", -0.5}, {"max", 0.5}});
  c.Add("ClampMinOnlyInt", K::kClamp, {{away({3, 4}, {0})}}, {{"min", int64_t{0}}});
  c.Add("ClampMaxOnly", K::kClamp, {{away({3, 4}, {1})}}, {{"max", 1.0}});
  Tolerances(c.Add("SinFloat32", K::kSin, {{u({3, 4}, -2, 2, kF32)}}), 1e-2, 1e-3, 1e-3);
  // Elementwise binary, broadcasting [3,1,4] with [2,1] to [3,2,4].
  c.Add("Add", K::kAdd, {{u({3, 1, 4})}, {u({2, 1})}});
  c.Add("AddAlpha", K::kAdd, {{u({3, 1, 4})}, {u({2, 1})}}, {{"alpha", 2.5}});
  c.Add("AddPromotesFloat32", K::kAdd, {{u({3, 4}, -2, 2, kF32)}, {u({4})}}, {{"alpha", int64_t{3}}});
  c.Add("AddScalar", K::kAddScalar, {{u({3, 4})}}, {{"other", 2.0}, {"alpha", 3.0}});
  c.Add("Sub", K::kSub, {{u({3, 1, 4})}, {u({2, 1})}});
  c.Add("SubAlpha", K::kSub, {{u({4})}, {u({3, 4})}}, {{"alpha", int64_t{3}}});
  c.Add("SubScalar", K::kSubScalar, {{u({3, 4})}}, {{"other", 2.0}});
  c.Add("RsubScalar", K::kRsubScalar, {{u({3, 4})}}, {{"other", 1.0}});
  c.Add("RsubScalarAlpha", K::kRsubScalar, {{u({3, 4})}}, {{"other", 1.0}, {"alpha", 2.0}});
  c.Add("Mul", K::kMul, {{u({3, 1, 4})}, {u({2, 1})}});
  c.Add("MulIntOperand", K::kMul, {{u({3, 4})}, {Longs({1, -2, 3, 4}, {4})}});
  c.Add("MulScalar", K::kMulScalar, {{u({3, 4})}}, {{"other", int64_t{3}}});
  c.Add("Div", K::kDiv, {{u({3, 1, 4})}, {away({2, 1}, {0}, 0.5)}});
  c.Add("DivScalar", K::kDivScalar, {{u({3, 4})}}, {{"other", 0.5}});
  c.Add("DivScalarInt", K::kDivScalar, {{u({3, 4})}}, {{"other", int64_t{3}}});
  c.Add("Pow", K::kPow, {{u({3, 1, 4}, 0.5, 2)}, {u({2, 1})}});
  c.Add("PowScalar", K::kPowScalar, {{u({3, 4}, 0.5, 2)}}, {{"exponent", 2.5}});
  c.Add("PowScalarInt", K::kPowScalar, {{u({3, 4})}}, {{"exponent", int64_t{3}}});
  c.Add("PowScalarZero", K::kPowScalar, {{u({3, 4})}}, {{"exponent", 0.0}});
  // Distinct values: a tie between the operands is a kink.
  {
    Tensor a = gen.Distinct({3, 1, 4});
    c.Add("Maximum", K::kMaximum, {{a}, {gen.Distinct({2, 1}) + 0.05}});
    Tensor b = gen.Distinct({3, 1, 4});
    c.Add("Minimum", K::kMinimum, {{b}, {gen.Distinct({2, 1}) + 0.05}});
  }
  c.Add("Where", K::kWhere, {{gen.Bools({3, 1})}, {u({3, 4})}, {u({4}, -2, 2, kF32)}});
  c.Add("MaskedFill", K::kMaskedFill, {{u({3, 4})}, {gen.Bools({4})}}, {{"value", 7.0}});
  // Reductions of [3,4,5].
  c.Add("SumAll", K::kSum, {{u({3, 4, 5})}});
  c.Add("SumDim", K::kSum, {{u({3, 4, 5})}}, {{"dim", Ints{1}}});
  c.Add("SumDimsKeepdim", K::kSum, {{u({3, 4, 5})}}, {{"dim", Ints{-1, 0}}, {"keepdim", true}});
  c.Add("SumDims", K::kSum, {{u({3, 4, 5})}}, {{"dim", Ints{2, 0}}});
  c.Add("SumToFloat64", K::kSum, {{u({3, 4}, -2, 2, kF32)}}, {{"dim", Ints{0}}, {"dtype", kF64}});
  c.Add("SumScalar", K::kSum, {{u({})}});
  c.Add("MeanAll", K::kMean, {{u({3, 4, 5})}});
  c.Add("MeanDims", K::kMean, {{u({3, 4, 5})}}, {{"dim", Ints{0, -1}}});
  c.Add("MeanDimKeepdim", K::kMean, {{u({3, 4, 5})}}, {{"dim", Ints{1}}, {"keepdim", true}});
  c.Add("AmaxDim", K::kAmax, {{gen.Distinct({3, 4, 5})}}, {{"dim", Ints{1}}});
  c.Add("AmaxAll", K::kAmax, {{gen.Distinct({3, 4})}});
  c.Add("AminDimsKeepdim", K::kAmin, {{gen.Distinct({3, 4, 5})}}, {{"dim", Ints{-1, 0}}, {"keepdim", true}});
  c.Add("VarDim", K::kVar, {{u({3, 4, 5})}}, {{"dim", Ints{1}}});
  c.Add("VarAllCorrection0Keepdim", K::kVar, {{u({3, 4})}}, {{"correction", int64_t{0}}, {"keepdim", true}});
  c.Add("StdDimsKeepdim", K::kStd, {{u({3, 4, 5})}}, {{"dim", Ints{0, 2}}, {"keepdim", true}});
  c.Add("StdAll", K::kStd, {{u({3, 4})}});
  c.Add("VarMean", K::kVarMean, {{u({3, 4, 5})}}, {{"dim", Ints{-2}}});
  c.Add("VarMeanVarGradOnly", K::kVarMean, {{u({3, 4})}}, {{"dim", Ints{1}}, {"keepdim", true}}).no_cotangent = {1};
  c.Add("VarMeanMeanGradOnly", K::kVarMean, {{u({3, 4})}}, {{"correction", int64_t{0}}}).no_cotangent = {0};
  c.Add("LogsumexpDim", K::kLogsumexp, {{u({3, 4, 5})}}, {{"dim", Ints{1}}});
  c.Add("LogsumexpDimsKeepdim", K::kLogsumexp, {{u({3, 4, 5})}}, {{"dim", Ints{-1, 0}}, {"keepdim", true}});
  // Shapes and views.
  c.Add("Reshape", K::kReshape, {{u({3, 4})}}, {{"shape", Ints{2, -1}}});
  c.Add("View", K::kView, {{u({3, 4})}}, {{"size", Ints{4, 3}}});
  c.Add("Permute", K::kPermute, {{u({3, 4, 5})}}, {{"dims", Ints{2, 0, -2}}});
  c.Add("Transpose", K::kTranspose, {{u({3, 4, 5})}}, {{"dim0", int64_t{0}}, {"dim1", int64_t{-1}}});
  c.Add("Expand", K::kExpand, {{u({3, 1})}}, {{"size", Ints{2, -1, 4}}});
  c.Add("SqueezeAll", K::kSqueeze, {{u({3, 1, 4, 1})}});
  c.Add("SqueezeDims", K::kSqueeze, {{u({3, 1, 4, 1})}}, {{"dim", Ints{0, -1}}});
  c.Add("Unsqueeze", K::kUnsqueeze, {{u({3, 4})}}, {{"dim", int64_t{-1}}});
  c.Add("UnsqueezeFront", K::kUnsqueeze, {{u({3, 4})}}, {{"dim", int64_t{0}}});
  c.Add("SliceStep", K::kSlice, {{u({4, 6})}}, {{"dim", int64_t{1}}, {"start", int64_t{-5}}, {"step", int64_t{2}}});
  c.Add("SliceClampedEnd", K::kSlice, {{u({4, 6})}}, {{"start", int64_t{1}}, {"end", int64_t{100}}});
  c.Add("SliceNegativeEnd", K::kSlice, {{u({4, 6})}}, {{"dim", int64_t{-1}}, {"end", int64_t{-2}}});
  c.Add("SliceEmpty", K::kSlice, {{u({4, 6})}}, {{"dim", int64_t{-1}}, {"start", int64_t{4}}, {"end", int64_t{2}}});
  c.Add("Select", K::kSelect, {{u({3, 4, 5})}}, {{"dim", int64_t{-1}}, {"index", int64_t{-2}}});
  c.Add("SelectFirst", K::kSelect, {{u({3, 4})}}, {{"dim", int64_t{0}}, {"index", int64_t{1}}});
  c.Add("SplitMissingGrad", K::kSplit, {{u({3, 7})}}, {{"split_size", int64_t{3}}, {"dim", int64_t{1}}})
      .no_cotangent = {1};
  c.Add("Chunk", K::kChunk, {{u({7, 2})}}, {{"chunks", int64_t{3}}});
  c.Add("CatPromotes", K::kCat, {{u({2, 3}), u({2, 1}, -2, 2, kF32), u({2, 4})}}, {{"dim", int64_t{-1}}});
  c.Add("Stack", K::kStack, {{u({2, 3}), u({2, 3}), u({2, 3})}}, {{"dim", int64_t{1}}});
  c.Add("Triu", K::kTriu, {{u({4, 5})}}, {{"diagonal", int64_t{1}}});
  c.Add("Tril", K::kTril, {{u({2, 4, 4})}}, {{"diagonal", int64_t{-1}}});
  c.Add("IndexSelect", K::kIndexSelect, {{u({4, 3})}, {Longs({0, 2, 2, 3}, {4})}}, {{"dim", int64_t{0}}});
  c.Add("Gather", K::kGather, {{u({3, 4})}, {Longs({0, 3, 3, 1, 2, 2}, {3, 2})}}, {{"dim", int64_t{-1}}});
  c.Add("ScatterAddSmallIndex", K::kScatterAdd, {{u({3, 5})}, {Longs({0, 2, 1, 2, 2, 0}, {2, 3})}, {u({3, 4})}},
        {{"dim", int64_t{0}}});
  c.Add("IndexAdd", K::kIndexAdd, {{u({4, 3})}, {Longs({1, 3, 1}, {3})}, {u({3, 3})}},
        {{"dim", int64_t{0}}, {"alpha", 2.0}});
  // Linear algebra.
  c.Add("MatmulDot", K::kMatmul, {{u({4})}, {u({4})}});
  c.Add("MatmulVectorMatrix", K::kMatmul, {{u({4})}, {u({4, 3})}});
  c.Add("MatmulMatrixVector", K::kMatmul, {{u({3, 4})}, {u({4})}});
  c.Add("MatmulMatrices", K::kMatmul, {{u({3, 4})}, {u({4, 5})}});
  c.Add("MatmulBatchMatrix", K::kMatmul, {{u({2, 3, 4})}, {u({4, 5})}});
  c.Add("MatmulMatrixBatch", K::kMatmul, {{u({3, 4})}, {u({2, 4, 5})}});
  c.Add("MatmulBroadcastBatches", K::kMatmul, {{u({2, 1, 3, 4})}, {u({5, 4, 2})}});
  c.Add("MatmulVectorBatch", K::kMatmul, {{u({4})}, {u({2, 4, 3})}});
  c.Add("MatmulBatchVector", K::kMatmul, {{u({2, 3, 4})}, {u({4})}});
  c.Add("Mm", K::kMm, {{u({3, 4})}, {u({4, 5})}});
  c.Add("Bmm", K::kBmm, {{u({2, 3, 4})}, {u({2, 4, 5})}});
  c.Add("AddmmBroadcastBias", K::kAddmm, {{u({5})}, {u({3, 4})}, {u({4, 5})}}, {{"beta", 0.5}, {"alpha", 2.0}});
  c.Add("Addmm", K::kAddmm, {{u({3, 5})}, {u({3, 4})}, {u({4, 5})}});
  c.Add("Linear", K::kLinear, {{u({2, 3, 4})}, {u({5, 4})}, {u({5})}});
  c.Add("LinearNoBias", K::kLinear, {{u({3, 4})}, {u({5, 4})}, {}});
  c.Add("LinearVector", K::kLinear, {{u({4})}, {u({5, 4})}, {u({5})}});
  // Conversions.
  c.Add("ToCopyFloat32ToFloat64", K::kToCopy, {{u({3, 4}, -2, 2, kF32)}}, {{"dtype", kF64}});
  c.Add("Clone", K::kClone, {{u({3, 4})}});
  Tolerances(c.Add("CopyBroadcastsAndCasts", K::kCopy, {{u({3, 4}, -2, 2, kF32)}, {u({4})}}), 1e-2, 1e-4, 1e-4);
}

// --- Neural-network ops ---------------------------------------------------------------

const char* ReductionName(int64_t r) { return r == 0 ? "None" : r == 1 ? "Mean" : "Sum"; }

// Values 0.1 apart in a shuffled order (see Gen::Distinct), seeded.
Tensor Distinct(const Ints& sizes, uint64_t seed) { return Gen(seed).Distinct(sizes); }

AttrList ConvAttrs(Ints stride, Ints padding, Ints dilation, int64_t groups) {
  return {{"stride", std::move(stride)}, {"padding", std::move(padding)}, {"dilation", std::move(dilation)},
          {"groups", groups}};
}

AttrList MaxPoolAttrs(Ints k, Ints s, Ints p, Ints d, bool ceil_mode) {
  return {{"kernel_size", std::move(k)}, {"stride", std::move(s)}, {"padding", std::move(p)},
          {"dilation", std::move(d)}, {"ceil_mode", ceil_mode}};
}

AttrList AvgPoolAttrs(Ints k, Ints s, Ints p, bool ceil_mode, bool count_include_pad, AttrValue divisor_override) {
  return {{"kernel_size", std::move(k)},           {"stride", std::move(s)},
          {"padding", std::move(p)},               {"ceil_mode", ceil_mode},
          {"count_include_pad", count_include_pad}, {"divisor_override", std::move(divisor_override)}};
}

void AddNnCases(CaseList& c) {
  // softmax / log_softmax over the last, a middle and the first dimension.
  for (K op : {K::kSoftmax, K::kLogSoftmax}) {
    const std::string base = op == K::kSoftmax ? "Softmax" : "LogSoftmax";
    for (int64_t dim : {-1, 1, 0}) {
      c.AddArgs(absl::StrCat(base, "Dim", dim < 0 ? "Last" : std::to_string(dim)), op, {Randn({2, 3, 4}, 3)},
                {{"dim", dim}});
    }
  }
  // layer_norm and batch_norm: their second order goes through the rules of
  // layer_norm_backward and batch_norm_backward.
  c.AddArgs("LayerNormAffine", K::kLayerNorm, {Randn({2, 3, 4}, 4), Randn({3, 4}, 5), Randn({3, 4}, 6)},
            {{"normalized_shape", Ints{3, 4}}, {"eps", 1e-5}});
  c.AddArgs("LayerNormNoAffine", K::kLayerNorm, {Randn({3, 5}, 7), Tensor(), Tensor()},
            {{"normalized_shape", Ints{5}}});
  c.AddArgs("LayerNormWeightOnly", K::kLayerNorm, {Randn({3, 5}, 8), Randn({5}, 9), Tensor()},
            {{"normalized_shape", Ints{5}}});
  // batch_norm: training with and without running stats and affine, and
  // inference (where the running stats get gradients too).
  c.AddArgs("BatchNormTraining", K::kBatchNorm,
            {Randn({3, 2, 2, 2}, 10), Randn({2}, 11), Randn({2}, 12), Randn({2}, 13), Randn({2}, 14).exp()},
            {{"training", true}, {"momentum", 0.1}, {"eps", 1e-5}});
  c.AddArgs("BatchNormTrainingNoStatsNoAffine", K::kBatchNorm,
            {Randn({4, 3}, 15), Tensor(), Tensor(), Tensor(), Tensor()}, {{"training", true}});
  c.AddArgs("BatchNormEval", K::kBatchNorm,
            {Randn({3, 2, 2, 2}, 16), Randn({2}, 17), Randn({2}, 18), Randn({2}, 19), Randn({2}, 20).exp()},
            {{"training", false}, {"eps", 1e-3}});
  c.AddArgs("BatchNormEvalNoAffine", K::kBatchNorm,
            {Randn({4, 3}, 21), Tensor(), Tensor(), Randn({3}, 22), Randn({3}, 23).exp()}, {{"training", false}});
  c.AddArgs("Conv2dGroupsStridePadDilation", K::kConv2d,
            {Randn({2, 4, 5, 6}, 24), Randn({6, 2, 3, 2}, 25), Randn({6}, 26)},
            ConvAttrs({2, 1}, {1, 1}, {1, 2}, 2));
  c.AddArgs("Conv2dPlainNoBias", K::kConv2d, {Randn({1, 3, 4, 4}, 27), Randn({2, 3, 2, 2}, 28), Tensor()},
            ConvAttrs({1, 1}, {0, 0}, {1, 1}, 1));
  c.AddArgs("Conv2dStride2Pad1", K::kConv2d, {Randn({2, 2, 6, 6}, 29), Randn({3, 2, 3, 3}, 30), Randn({3}, 31)},
            ConvAttrs({2, 2}, {1, 1}, {1, 1}, 1));
  c.AddArgs("MaxPool2dCeilPad", K::kMaxPool2dWithIndices, {Distinct({2, 2, 5, 6}, 1)},
            MaxPoolAttrs({3, 2}, {2, 2}, {1, 1}, {1, 1}, /*ceil_mode=*/true));
  c.AddArgs("MaxPool2dDilation3d", K::kMaxPool2dWithIndices, {Distinct({2, 7, 7}, 2)},
            MaxPoolAttrs({2, 2}, {1, 2}, {0, 1}, {2, 1}, /*ceil_mode=*/false));
  c.AddArgs("MaxPool2dOverlapping", K::kMaxPool2dWithIndices, {Distinct({1, 2, 5, 5}, 3)},
            MaxPoolAttrs({3, 3}, {1, 1}, {1, 1}, {1, 1}, /*ceil_mode=*/false));
  c.AddArgs("AvgPool2dCeilPadExcludePad", K::kAvgPool2d, {Randn({2, 2, 5, 6}, 32)},
            AvgPoolAttrs({3, 2}, {2, 2}, {1, 1}, true, false, AttrValue::None()));
  c.AddArgs("AvgPool2dIncludePad", K::kAvgPool2d, {Randn({2, 5, 6}, 33)},
            AvgPoolAttrs({3, 3}, {2, 1}, {1, 1}, true, true, AttrValue::None()));
  c.AddArgs("AvgPool2dDivisorOverride", K::kAvgPool2d, {Randn({1, 2, 5, 5}, 34)},
            AvgPoolAttrs({2, 2}, {}, {0, 0}, false, true, AttrValue(int64_t{3})));
  c.AddArgs("AdaptiveAvgPool2d", K::kAdaptiveAvgPool2d, {Randn({2, 2, 5, 7}, 35)}, {{"output_size", Ints{3, 4}}});
  c.AddArgs("AdaptiveAvgPool2d3d", K::kAdaptiveAvgPool2d, {Randn({3, 4, 4}, 36)}, {{"output_size", Ints{3, 2}}});
  c.AddArgs("Embedding", K::kEmbedding, {Randn({5, 3}, 37), Longs({0, 2, 4, 2, 1, 0}, {2, 3})});
  // No padding_idx case: as in PyTorch, its row gets no gradient although
  // the forward reads it, so finite differences disagree by design
  // (nn_derivatives_test checks that row).
  c.AddArgs("DropoutTrain", K::kDropout, {Randn({3, 4}, 38), Longs({7, 0}, {2})}, {{"p", 0.3}, {"train", true}});
  c.AddArgs("DropoutP0", K::kDropout, {Randn({3, 4}, 39), Longs({7, 0}, {2})}, {{"p", 0.0}, {"train", true}});
  c.AddArgs("DropoutP1", K::kDropout, {Randn({3, 4}, 40), Longs({7, 0}, {2})}, {{"p", 1.0}, {"train", true}});
  c.AddArgs("DropoutEval", K::kDropout, {Randn({3, 4}, 41), Tensor()}, {{"p", 0.5}, {"train", false}});
  for (int64_t reduction : {0, 1, 2}) {
    c.AddArgs(absl::StrCat("NllLoss", ReductionName(reduction)), K::kNllLoss,
              {Randn({4, 5}, 42), Longs({1, 3, -100, 0}, {4}), Tensor()}, {{"reduction", reduction}});
    Freeze(c.AddArgs(absl::StrCat("NllLossWeighted", ReductionName(reduction)), K::kNllLoss,
                     {Randn({4, 5}, 43), Longs({1, 3, 2, 3}, {4}), Randn({5}, 44).exp()},
                     {{"reduction", reduction}, {"ignore_index", int64_t{2}}}),
           /*group=*/2);
    c.AddArgs(absl::StrCat("MseLoss", ReductionName(reduction)), K::kMseLoss, {Randn({3, 4}, 45), Randn({3, 4}, 46)},
              {{"reduction", reduction}});
    for (bool weighted : {false, true}) {
      for (double smoothing : {0.0, 0.2}) {
        GradCase& ce = c.AddArgs(
            absl::StrCat("CrossEntropy", ReductionName(reduction), weighted ? "Weighted" : "",
                         smoothing > 0 ? "Smoothed" : ""),
            K::kCrossEntropy, {Randn({4, 5}, 47), Longs({1, 4, 3, 1}, {4}), weighted ? Randn({5}, 48).exp() : Tensor()},
            {{"reduction", reduction}, {"ignore_index", int64_t{3}}, {"label_smoothing", smoothing}});
        if (weighted) Freeze(ce, /*group=*/2);
      }
    }
  }
  Freeze(c.AddArgs("CrossEntropyUnbatchedSmoothedWeighted", K::kCrossEntropy,
                   {Randn({5}, 49), Longs({2}, {}), Randn({5}, 50).exp()},
                   {{"reduction", int64_t{1}}, {"label_smoothing", 0.3}}),
         /*group=*/2);
  c.AddArgs("CrossEntropyUnbatchedNone", K::kCrossEntropy, {Randn({5}, 51), Longs({4}, {}), Tensor()},
            {{"reduction", int64_t{0}}, {"label_smoothing", 0.1}});
  c.AddArgs("CrossEntropyFullSmoothing", K::kCrossEntropy, {Randn({3, 4}, 52), Longs({0, 1, 3}, {3}), Tensor()},
            {{"reduction", int64_t{2}}, {"label_smoothing", 1.0}});
}

// --- Backward ops ---------------------------------------------------------------------

// A convolution geometry: input [2, 4, 5, 6], weight [6, 4 / groups, 3, 2].
struct ConvSetup {
  Tensor x, w, y;
  AttrList attrs;
};

ConvSetup MakeConv(int64_t groups, Ints stride, Ints padding, Ints dilation) {
  ConvSetup s;
  s.x = Randn({2, 4, 5, 6}, 1);
  s.w = Randn({6, 4 / groups, 3, 2}, 2);
  s.attrs = ConvAttrs(std::move(stride), std::move(padding), std::move(dilation), groups);
  s.y = CallOp1(K::kConv2d, {s.x, s.w, Tensor()}, s.attrs);
  return s;
}

void AddBackwardOpCases(CaseList& c) {
  // Inputs at least 0.05 away from the threshold (a kink).
  c.AddArgs("ThresholdBackward", K::kThresholdBackward, {Randn({3, 4}, 60), Gen(61).AwayFrom({3, 4}, {0.1})},
            {{"threshold", 0.1}});
  c.AddArgs("SigmoidBackward", K::kSigmoidBackward, {Randn({3, 4}, 62), Randn({3, 4}, 63).sigmoid()});
  c.AddArgs("TanhBackward", K::kTanhBackward, {Randn({3, 4}, 64), Randn({3, 4}, 65).tanh()});
  for (const char* approximate : {"none", "tanh"}) {
    Tensor x = Randn({3, 4}, 67) * 2.0;
    c.AddArgs(absl::StrCat("GeluBackward_", approximate), K::kGeluBackward, {Randn({3, 4}, 66), x},
              {{"approximate", approximate}});
  }
  {
    Tensor x = Randn({3, 4}, 69) * 2.0;
    c.AddArgs("SiluBackward", K::kSiluBackward, {Randn({3, 4}, 68), x});
  }
  for (int64_t dim : {1, 0}) {
    Tensor y = softmax(Randn({3, 4}, 71), dim);
    c.AddArgs(absl::StrCat("SoftmaxBackwardDim", dim), K::kSoftmaxBackward, {Randn({3, 4}, 70), y}, {{"dim", dim}});
    Tensor z = log_softmax(Randn({3, 4}, 73), dim);
    c.AddArgs(absl::StrCat("LogSoftmaxBackwardDim", dim), K::kLogSoftmaxBackward, {Randn({3, 4}, 72), z},
              {{"dim", dim}});
  }
  struct ConvGeometry {
    const char* name;
    int64_t groups;
    Ints stride, padding, dilation;
  };
  for (const ConvGeometry& geo : {ConvGeometry{"Groups2Dilated", 2, {2, 1}, {1, 1}, {1, 2}},
                                  ConvGeometry{"Stride2", 1, {2, 2}, {1, 0}, {1, 1}}}) {
    ConvSetup s = MakeConv(geo.groups, geo.stride, geo.padding, geo.dilation);
    AttrList input_attrs = s.attrs;
    input_attrs.emplace_back("input_size", SizesOf(s.x));
    c.AddArgs(absl::StrCat("Conv2dBackwardInput", geo.name), K::kConv2dBackwardInput, {Randn(SizesOf(s.y), 74), s.w},
              input_attrs);
    AttrList weight_attrs = s.attrs;
    weight_attrs.emplace_back("weight_size", SizesOf(s.w));
    c.AddArgs(absl::StrCat("Conv2dBackwardWeight", geo.name), K::kConv2dBackwardWeight,
              {Randn(SizesOf(s.y), 75), s.x}, weight_attrs);
  }
  {
    Tensor x = Distinct({2, 2, 5, 6}, 4);
    AttrList attrs = MaxPoolAttrs({3, 2}, {2, 2}, {1, 1}, {1, 1}, /*ceil_mode=*/true);
    std::vector<Tensor> r = CallOp(K::kMaxPool2dWithIndices, {x}, attrs);
    c.AddArgs("MaxPool2dWithIndicesBackward", K::kMaxPool2dWithIndicesBackward, {Randn(SizesOf(r[0]), 76), x, r[1]},
              attrs);
  }
  {
    Tensor x = Distinct({2, 5, 5}, 5);
    AttrList attrs = MaxPoolAttrs({3, 3}, {1, 1}, {1, 1}, {1, 1}, /*ceil_mode=*/false);
    std::vector<Tensor> r = CallOp(K::kMaxPool2dWithIndices, {x}, attrs);
    c.AddArgs("MaxPool2dWithIndicesBackwardOverlapping3d", K::kMaxPool2dWithIndicesBackward,
              {Randn(SizesOf(r[0]), 77), x, r[1]}, attrs);
  }
  {
    Tensor x = Randn({2, 2, 5, 6}, 78);
    AttrList attrs = AvgPoolAttrs({3, 2}, {2, 2}, {1, 1}, true, false, AttrValue::None());
    Tensor y = CallOp1(K::kAvgPool2d, {x}, attrs);
    c.AddArgs("AvgPool2dBackwardCeilExcludePad", K::kAvgPool2dBackward, {Randn(SizesOf(y), 79), x}, attrs);
  }
  {
    Tensor x = Randn({2, 5, 5}, 80);
    AttrList attrs = AvgPoolAttrs({3, 3}, {2, 2}, {1, 1}, false, true, AttrValue(int64_t{4}));
    Tensor y = CallOp1(K::kAvgPool2d, {x}, attrs);
    c.AddArgs("AvgPool2dBackwardDivisorOverride", K::kAvgPool2dBackward, {Randn(SizesOf(y), 81), x}, attrs);
  }
  c.AddArgs("AdaptiveAvgPool2dBackward", K::kAdaptiveAvgPool2dBackward,
            {Randn({2, 2, 3, 4}, 82), Randn({2, 2, 5, 7}, 83)});
  for (int64_t padding_idx : {-1, 2}) {
    c.AddArgs(absl::StrCat("EmbeddingBackward", padding_idx < 0 ? "" : "PaddingIdx"), K::kEmbeddingBackward,
              {Randn({2, 3, 4}, 84), Longs({0, 2, 4, 2, 1, 0}, {2, 3})},
              {{"num_weights", int64_t{5}}, {"padding_idx", padding_idx}});
  }
  for (int64_t reduction : {0, 1, 2}) {
    Tensor g = reduction == 0 ? Randn({4}, 85) : Randn({}, 85);
    Freeze(c.AddArgs(absl::StrCat("NllLossBackward", ReductionName(reduction)), K::kNllLossBackward,
                     {g, Randn({4, 5}, 86), Longs({1, 3, 2, 3}, {4}), Randn({5}, 87).exp()},
                     {{"reduction", reduction}, {"ignore_index", int64_t{2}}}),
           /*group=*/3);
    Tensor h = reduction == 0 ? Randn({3, 4}, 88) : Randn({}, 88);
    c.AddArgs(absl::StrCat("MseLossBackward", ReductionName(reduction)), K::kMseLossBackward,
              {h, Randn({3, 4}, 89), Randn({3, 4}, 90)}, {{"reduction", reduction}});
  }
  c.AddArgs("SelectBackward", K::kSelectBackward, {Randn({3, 5}, 91)},
            {{"input_sizes", Ints{3, 4, 5}}, {"dim", int64_t{1}}, {"index", int64_t{-2}}});
  c.AddArgs("SliceBackward", K::kSliceBackward, {Randn({3, 3}, 92)},
            {{"input_sizes", Ints{3, 8}},
             {"dim", int64_t{1}},
             {"start", int64_t{1}},
             {"end", int64_t{7}},
             {"step", int64_t{2}}});
  c.AddArgs("SliceBackwardNegativeBounds", K::kSliceBackward, {Randn({2, 4}, 93)},
            {{"input_sizes", Ints{6, 4}},
             {"dim", int64_t{0}},
             {"start", int64_t{-5}},
             {"end", int64_t{-1}},
             {"step", int64_t{3}}});
  // layer_norm_backward and batch_norm_backward are differentiated through
  // their decompositions, with their saved statistics as functions of the
  // input (Note [Derivatives through decompositions]): each case's function
  // computes the statistics from the input, as a real double backward does,
  // and the statistics operands are not differentiated.
  {
    NoGradGuard no_grad;
    Tensor x = Randn({3, 5}, 94);
    Tensor w = Randn({5}, 95);
    Tensor b = Randn({5}, 96);
    const AttrList ln_attrs = {{"normalized_shape", Ints{5}}};
    std::vector<Tensor> ln = CallOp(K::kLayerNorm, {x, w, b}, ln_attrs);
    auto layer_norm_backward = [ln_attrs](const std::vector<Tensor>& in) {
      std::vector<Tensor> stats = CallOp(K::kLayerNorm, {in[1], Tensor(), Tensor()}, ln_attrs);
      std::vector<Tensor> operands = in;
      operands[2] = stats[1];
      operands[3] = stats[2];
      return CallOp(K::kLayerNormBackward, operands, ln_attrs);
    };
    GradCase& affine = c.AddArgs("LayerNormBackwardAffine", K::kLayerNormBackward,
                                 {Randn({3, 5}, 97), x, ln[1], ln[2], w, b}, ln_attrs);
    affine.fn = layer_norm_backward;
    affine.needs_grad[2] = affine.needs_grad[3] = false;
    GradCase& plain = c.AddArgs("LayerNormBackwardNoAffine", K::kLayerNormBackward,
                                {Randn({3, 5}, 98), x, ln[1], ln[2], Tensor(), Tensor()}, ln_attrs);
    plain.fn = [layer_norm_backward](const std::vector<Tensor>& in) {
      std::vector<Tensor> full = in;
      full.push_back(Tensor());
      full.push_back(Tensor());
      return layer_norm_backward(full);
    };
    plain.needs_grad[2] = plain.needs_grad[3] = false;
    Tensor bx = Randn({4, 2, 3}, 99);
    Tensor bw = Randn({2}, 100);
    Tensor rm = Randn({2}, 101);
    Tensor rv = Randn({2}, 102).exp();
    const AttrList bn_attrs = {{"training", true}, {"eps", 1e-5}};
    std::vector<Tensor> bn = CallOp(K::kBatchNorm, {bx, bw, Tensor(), rm, rv}, {{"training", true}, {"eps", 1e-5}});
    GradCase& training = c.AddArgs("BatchNormBackwardTraining", K::kBatchNormBackward,
                                   {Randn({4, 2, 3}, 103), bx, bw, rm, rv, bn[1], bn[2]}, bn_attrs);
    training.fn = [bn_attrs](const std::vector<Tensor>& in) {
      std::vector<Tensor> stats =
          CallOp(K::kBatchNorm, {in[1], Tensor(), Tensor(), Tensor(), Tensor()}, {{"training", true}, {"eps", 1e-5}});
      std::vector<Tensor> operands = in;
      operands[5] = stats[1];
      operands[6] = stats[2];
      return CallOp(K::kBatchNormBackward, operands, bn_attrs);
    };
    training.needs_grad[5] = training.needs_grad[6] = false;
    c.AddArgs("BatchNormBackwardEval", K::kBatchNormBackward,
              {Randn({4, 2, 3}, 104), bx, bw, rm, rv, Tensor(), Tensor()}, {{"training", false}, {"eps", 1e-5}});
  }
}

}  // namespace

void PrintTo(const GradCase& c, std::ostream* os) { *os << c.name << " (" << ir::GetOpDef(c.op).name() << ")"; }

std::vector<GradCase> BasicGradCases() {
  CaseList c;
  AddBasicCases(c);
  return c.Take();
}

std::vector<GradCase> NnGradCases() {
  CaseList c;
  AddNnCases(c);
  return c.Take();
}

std::vector<GradCase> BackwardOpGradCases() {
  CaseList c;
  AddBackwardOpCases(c);
  return c.Take();
}

std::vector<GradCase> AllGradCases() {
  CaseList c;
  AddBasicCases(c);
  AddNnCases(c);
  AddBackwardOpCases(c);
  return c.Take();
}

std::vector<std::vector<Tensor>> GroupInputs(const GradCase& c, const std::vector<Tensor>& flat) {
  return Regroup(c.group_sizes, flat);
}

Tensor RandomLike(const Tensor& t, uint64_t seed) {
  return randn(SizesOf(t), seed, 0, {.dtype = t.dtype(), .device = t.device()});
}

std::vector<Tensor> RandomCotangents(const GradCase& c, const std::vector<Tensor>& outputs, uint64_t seed) {
  const ir::OpDef& op = ir::GetOpDef(c.op);
  std::vector<Tensor> cotangents(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const int r = static_cast<int>(i);
    if (!outputs[i].ok() || !IsDifferentiableResult(op, r, outputs[i].dtype())) continue;
    if (std::find(c.no_cotangent.begin(), c.no_cotangent.end(), r) != c.no_cotangent.end()) continue;
    cotangents[i] = RandomLike(outputs[i], seed + 1000 * i);
  }
  return cotangents;
}

}  // namespace aot::autodiff::internal
