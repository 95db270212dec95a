// Checks the elementwise, reduction, shape, linear-algebra and conversion
// derivative rules against central finite differences in float64, calling
// each rule directly through FindDerivative. Every case also runs the rule on
// fake tensors under a mode that answers ops from their shape rules, which
// proves the rule reads no tensor data (it would run the same way under the
// tracer) and gives gradients of the same metadata.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/internal/finite_difference.h"
#include "aot/ir/op.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "gtest/gtest.h"

namespace aot::autodiff {
namespace {

using internal::CheckClose;
using internal::NumericalVjp;
using K = OpKind;
using Groups = std::vector<std::vector<Tensor>>;
using Ints = std::vector<int64_t>;

constexpr DType kF64 = DType::kFloat64;
constexpr DType kF32 = DType::kFloat32;

// --- Inputs ------------------------------------------------------------------------

std::mt19937_64& Rng() {
  static std::mt19937_64 rng(42);
  return rng;
}

int64_t Numel(const Ints& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

Tensor FromDoubles(const std::vector<double>& values, const Ints& sizes, DType dtype) {
  return Tensor::FromVector<double>(values, sizes).to(dtype);
}

// Uniform in [lo, hi).
Tensor Uniform(const Ints& sizes, double lo = -2, double hi = 2, DType dtype = kF64) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(Numel(sizes));
  for (double& x : v) x = dist(Rng());
  return FromDoubles(v, sizes, dtype);
}

// Uniform in [-2, 2) but at least `margin` away from every kink.
Tensor AwayFrom(const Ints& sizes, const std::vector<double>& kinks, double margin = 0.05, DType dtype = kF64) {
  std::uniform_real_distribution<double> dist(-2, 2);
  std::vector<double> v(Numel(sizes));
  for (double& x : v) {
    bool near = true;
    while (near) {
      x = dist(Rng());
      near = false;
      for (double k : kinks) near = near || std::abs(x - k) < margin;
    }
  }
  return FromDoubles(v, sizes, dtype);
}

// Distinct values 0.1 apart in random order (no ties for amax/amin).
Tensor Distinct(const Ints& sizes) {
  std::vector<double> v(Numel(sizes));
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.1 * static_cast<double>(i) - 1.0;
  std::shuffle(v.begin(), v.end(), Rng());
  return FromDoubles(v, sizes, kF64);
}

Tensor Bools(const Ints& sizes) {
  std::bernoulli_distribution dist(0.5);
  std::vector<bool> v(Numel(sizes));
  for (size_t i = 0; i < v.size(); ++i) v[i] = dist(Rng());
  return Tensor::FromVector<bool>(v, sizes);
}

Tensor Index(const Ints& values, const Ints& sizes) { return Tensor::FromVector<int64_t>(values, sizes); }

// --- Cases -----------------------------------------------------------------------------

// One gradient check: an op, how to make its operands (grouped by the
// schema's tensor arguments), attributes, result gradients to leave out and
// the finite-difference step and tolerances.
struct GradCase {
  std::string name;
  K op;
  std::function<Groups()> inputs;
  ir::AttrList attrs = {};
  std::vector<int> missing_grads = {};
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-5;
};

std::ostream& operator<<(std::ostream& os, const GradCase& c) { return os << c.name; }

GradCase Unary(std::string name, K op, std::function<Tensor()> x, ir::AttrList attrs = {}) {
  return {std::move(name), op, [x] { return Groups{{x()}}; }, std::move(attrs)};
}

GradCase Binary(std::string name, K op, std::function<Tensor()> a, std::function<Tensor()> b, ir::AttrList attrs = {}) {
  return {std::move(name), op, [a, b] { return Groups{{a()}, {b()}}; }, std::move(attrs)};
}

std::function<Tensor()> U(Ints sizes, double lo = -2, double hi = 2, DType dtype = kF64) {
  return [=] { return Uniform(sizes, lo, hi, dtype); };
}
std::function<Tensor()> Away(Ints sizes, std::vector<double> kinks, double margin = 0.05) {
  return [=] { return AwayFrom(sizes, kinks, margin); };
}

std::vector<GradCase> Cases() {
  std::vector<GradCase> c;
  // Elementwise unary.
  c.push_back(Unary("Neg", K::kNeg, U({3, 4})));
  c.push_back(Unary("Abs", K::kAbs, Away({3, 4}, {0})));
  c.push_back(Unary("Exp", K::kExp, U({3, 4})));
  c.push_back(Unary("Log", K::kLog, U({3, 4}, 0.5, 3)));
  c.push_back(Unary("Log1p", K::kLog1p, U({3, 4}, -0.5, 3)));
  c.push_back(Unary("Expm1", K::kExpm1, U({3, 4})));
  c.push_back(Unary("Sqrt", K::kSqrt, U({3, 4}, 0.5, 3)));
  c.push_back(Unary("Rsqrt", K::kRsqrt, U({3, 4}, 0.5, 3)));
  c.push_back(Unary("Reciprocal", K::kReciprocal, Away({3, 4}, {0}, 0.3)));
  c.push_back(Unary("Sin", K::kSin, U({3, 4})));
  c.push_back(Unary("Cos", K::kCos, U({3, 4})));
  c.push_back(Unary("Tanh", K::kTanh, U({3, 4})));
  c.push_back(Unary("Sigmoid", K::kSigmoid, U({3, 4})));
  c.push_back(Unary("Relu", K::kRelu, Away({3, 4}, {0})));
  c.push_back(Unary("Erf", K::kErf, U({3, 4})));
  c.push_back(Unary("Gelu", K::kGelu, U({3, 4})));
  c.push_back(Unary("GeluTanh", K::kGelu, U({3, 4}), {{"approximate", "tanh"}}));
  c.push_back(Unary("Silu", K::kSilu, U({3, 4})));
  c.push_back(Unary("Clamp", K::kClamp, Away({3, 4}, {-0.5, 0.5}), {{"min", -0.5}, {"max", 0.5}}));
  c.push_back(Unary("ClampMinOnlyInt", K::kClamp, Away({3, 4}, {0}), {{"min", int64_t{0}}}));
  c.push_back(Unary("ClampMaxOnly", K::kClamp, Away({3, 4}, {1}), {{"max", 1.0}}));
  {
    GradCase f32 = Unary("SinFloat32", K::kSin, U({3, 4}, -2, 2, kF32));
    f32.eps = 1e-2;
    f32.atol = 1e-3;
    f32.rtol = 1e-3;
    c.push_back(f32);
  }
  // Elementwise binary, broadcasting [3,1,4] with [2,1] to [3,2,4].
  c.push_back(Binary("Add", K::kAdd, U({3, 1, 4}), U({2, 1})));
  c.push_back(Binary("AddAlpha", K::kAdd, U({3, 1, 4}), U({2, 1}), {{"alpha", 2.5}}));
  c.push_back(Binary("AddPromotesFloat32", K::kAdd, U({3, 4}, -2, 2, kF32), U({4}), {{"alpha", int64_t{3}}}));
  c.push_back(Unary("AddScalar", K::kAddScalar, U({3, 4}), {{"other", 2.0}, {"alpha", 3.0}}));
  c.push_back(Binary("Sub", K::kSub, U({3, 1, 4}), U({2, 1})));
  c.push_back(Binary("SubAlpha", K::kSub, U({4}), U({3, 4}), {{"alpha", int64_t{3}}}));
  c.push_back(Unary("SubScalar", K::kSubScalar, U({3, 4}), {{"other", 2.0}}));
  c.push_back(Unary("RsubScalar", K::kRsubScalar, U({3, 4}), {{"other", 1.0}}));
  c.push_back(Unary("RsubScalarAlpha", K::kRsubScalar, U({3, 4}), {{"other", 1.0}, {"alpha", 2.0}}));
  c.push_back(Binary("Mul", K::kMul, U({3, 1, 4}), U({2, 1})));
  c.push_back(Binary("MulIntOperand", K::kMul, U({3, 4}), [] { return Index({1, -2, 3, 4}, {4}); }));
  c.push_back(Unary("MulScalar", K::kMulScalar, U({3, 4}), {{"other", int64_t{3}}}));
  c.push_back(Binary("Div", K::kDiv, U({3, 1, 4}), [] { return AwayFrom({2, 1}, {0}, 0.5); }));
  c.push_back(Unary("DivScalar", K::kDivScalar, U({3, 4}), {{"other", 0.5}}));
  c.push_back(Unary("DivScalarInt", K::kDivScalar, U({3, 4}), {{"other", int64_t{3}}}));
  c.push_back(Binary("Pow", K::kPow, U({3, 1, 4}, 0.5, 2), U({2, 1})));
  c.push_back(Unary("PowScalar", K::kPowScalar, U({3, 4}, 0.5, 2), {{"exponent", 2.5}}));
  c.push_back(Unary("PowScalarInt", K::kPowScalar, U({3, 4}), {{"exponent", int64_t{3}}}));
  c.push_back(Unary("PowScalarZero", K::kPowScalar, U({3, 4}), {{"exponent", 0.0}}));
  c.push_back(Binary("Maximum", K::kMaximum, U({3, 1, 4}), U({2, 1})));
  c.push_back(Binary("Minimum", K::kMinimum, U({3, 1, 4}), U({2, 1})));
  c.push_back({"Where", K::kWhere, [] {
                 return Groups{{Bools({3, 1})}, {Uniform({3, 4})}, {Uniform({4}, -2, 2, kF32)}};
               }});
  c.push_back(Binary("MaskedFill", K::kMaskedFill, U({3, 4}), [] { return Bools({4}); }, {{"value", 7.0}}));
  // Reductions of [3,4,5].
  c.push_back(Unary("SumAll", K::kSum, U({3, 4, 5})));
  c.push_back(Unary("SumDim", K::kSum, U({3, 4, 5}), {{"dim", Ints{1}}}));
  c.push_back(Unary("SumDimsKeepdim", K::kSum, U({3, 4, 5}), {{"dim", Ints{-1, 0}}, {"keepdim", true}}));
  c.push_back(Unary("SumDims", K::kSum, U({3, 4, 5}), {{"dim", Ints{2, 0}}}));
  c.push_back(Unary("SumToFloat64", K::kSum, U({3, 4}, -2, 2, kF32), {{"dim", Ints{0}}, {"dtype", kF64}}));
  c.push_back(Unary("SumScalar", K::kSum, [] { return Uniform({}); }));
  c.push_back(Unary("MeanAll", K::kMean, U({3, 4, 5})));
  c.push_back(Unary("MeanDims", K::kMean, U({3, 4, 5}), {{"dim", Ints{0, -1}}}));
  c.push_back(Unary("MeanDimKeepdim", K::kMean, U({3, 4, 5}), {{"dim", Ints{1}}, {"keepdim", true}}));
  c.push_back(Unary("AmaxDim", K::kAmax, [] { return Distinct({3, 4, 5}); }, {{"dim", Ints{1}}}));
  c.push_back(Unary("AmaxAll", K::kAmax, [] { return Distinct({3, 4}); }));
  c.push_back(Unary("AminDimsKeepdim", K::kAmin,
                    [] {
                      return Distinct({3, 4, 5});
                    },
                    {{"dim", Ints{-1, 0}}, {"keepdim", true}}));
  c.push_back(Unary("VarDim", K::kVar, U({3, 4, 5}), {{"dim", Ints{1}}}));
  c.push_back(Unary("VarAllCorrection0Keepdim", K::kVar, U({3, 4}), {{"correction", int64_t{0}}, {"keepdim", true}}));
  c.push_back(Unary("StdDimsKeepdim", K::kStd, U({3, 4, 5}), {{"dim", Ints{0, 2}}, {"keepdim", true}}));
  c.push_back(Unary("StdAll", K::kStd, U({3, 4})));
  c.push_back(Unary("VarMean", K::kVarMean, U({3, 4, 5}), {{"dim", Ints{-2}}}));
  {
    GradCase var_only = Unary("VarMeanVarGradOnly", K::kVarMean, U({3, 4}), {{"dim", Ints{1}}, {"keepdim", true}});
    var_only.missing_grads = {1};
    c.push_back(var_only);
    GradCase mean_only = Unary("VarMeanMeanGradOnly", K::kVarMean, U({3, 4}), {{"correction", int64_t{0}}});
    mean_only.missing_grads = {0};
    c.push_back(mean_only);
  }
  c.push_back(Unary("LogsumexpDim", K::kLogsumexp, U({3, 4, 5}), {{"dim", Ints{1}}}));
  c.push_back(Unary("LogsumexpDimsKeepdim", K::kLogsumexp, U({3, 4, 5}), {{"dim", Ints{-1, 0}}, {"keepdim", true}}));
  // Shapes and views.
  c.push_back(Unary("Reshape", K::kReshape, U({3, 4}), {{"shape", Ints{2, -1}}}));
  c.push_back(Unary("View", K::kView, U({3, 4}), {{"size", Ints{4, 3}}}));
  c.push_back(Unary("Permute", K::kPermute, U({3, 4, 5}), {{"dims", Ints{2, 0, -2}}}));
  c.push_back(Unary("Transpose", K::kTranspose, U({3, 4, 5}), {{"dim0", int64_t{0}}, {"dim1", int64_t{-1}}}));
  c.push_back(Unary("Expand", K::kExpand, U({3, 1}), {{"size", Ints{2, -1, 4}}}));
  c.push_back(Unary("SqueezeAll", K::kSqueeze, U({3, 1, 4, 1})));
  c.push_back(Unary("SqueezeDims", K::kSqueeze, U({3, 1, 4, 1}), {{"dim", Ints{0, -1}}}));
  c.push_back(Unary("Unsqueeze", K::kUnsqueeze, U({3, 4}), {{"dim", int64_t{-1}}}));
  c.push_back(Unary("UnsqueezeFront", K::kUnsqueeze, U({3, 4}), {{"dim", int64_t{0}}}));
  c.push_back(
      Unary("SliceStep", K::kSlice, U({4, 6}), {{"dim", int64_t{1}}, {"start", int64_t{-5}}, {"step", int64_t{2}}}));
  c.push_back(Unary("SliceClampedEnd", K::kSlice, U({4, 6}), {{"start", int64_t{1}}, {"end", int64_t{100}}}));
  c.push_back(Unary("SliceNegativeEnd", K::kSlice, U({4, 6}), {{"dim", int64_t{-1}}, {"end", int64_t{-2}}}));
  c.push_back(
      Unary("SliceEmpty", K::kSlice, U({4, 6}), {{"dim", int64_t{-1}}, {"start", int64_t{4}}, {"end", int64_t{2}}}));
  c.push_back(Unary("Select", K::kSelect, U({3, 4, 5}), {{"dim", int64_t{-1}}, {"index", int64_t{-2}}}));
  c.push_back(Unary("SelectFirst", K::kSelect, U({3, 4}), {{"dim", int64_t{0}}, {"index", int64_t{1}}}));
  {
    GradCase split = Unary("SplitMissingGrad", K::kSplit, U({3, 7}), {{"split_size", int64_t{3}}, {"dim", int64_t{1}}});
    split.missing_grads = {1};
    c.push_back(split);
  }
  c.push_back(Unary("Chunk", K::kChunk, U({7, 2}), {{"chunks", int64_t{3}}}));
  c.push_back({"CatPromotes",
               K::kCat,
               [] {
                 return Groups{{Uniform({2, 3}), Uniform({2, 1}, -2, 2, kF32), Uniform({2, 4})}};
               },
               {{"dim", int64_t{-1}}}});
  c.push_back({"Stack",
               K::kStack,
               [] {
                 return Groups{{Uniform({2, 3}), Uniform({2, 3}), Uniform({2, 3})}};
               },
               {{"dim", int64_t{1}}}});
  c.push_back(Unary("Triu", K::kTriu, U({4, 5}), {{"diagonal", int64_t{1}}}));
  c.push_back(Unary("Tril", K::kTril, U({2, 4, 4}), {{"diagonal", int64_t{-1}}}));
  c.push_back(Binary("IndexSelect", K::kIndexSelect, U({4, 3}),
                     [] {
                       return Index({0, 2, 2, 3}, {4});
                     },
                     {{"dim", int64_t{0}}}));
  c.push_back(Binary("Gather", K::kGather, U({3, 4}),
                     [] {
                       return Index({0, 3, 3, 1, 2, 2}, {3, 2});
                     },
                     {{"dim", int64_t{-1}}}));
  c.push_back({"ScatterAddSmallIndex",
               K::kScatterAdd,
               [] {
                 return Groups{{Uniform({3, 5})}, {Index({0, 2, 1, 2, 2, 0}, {2, 3})}, {Uniform({3, 4})}};
               },
               {{"dim", int64_t{0}}}});
  c.push_back({"IndexAdd",
               K::kIndexAdd,
               [] {
                 return Groups{{Uniform({4, 3})}, {Index({1, 3, 1}, {3})}, {Uniform({3, 3})}};
               },
               {{"dim", int64_t{0}}, {"alpha", 2.0}}});
  // Linear algebra.
  c.push_back(Binary("MatmulDot", K::kMatmul, U({4}), U({4})));
  c.push_back(Binary("MatmulVectorMatrix", K::kMatmul, U({4}), U({4, 3})));
  c.push_back(Binary("MatmulMatrixVector", K::kMatmul, U({3, 4}), U({4})));
  c.push_back(Binary("MatmulMatrices", K::kMatmul, U({3, 4}), U({4, 5})));
  c.push_back(Binary("MatmulBatchMatrix", K::kMatmul, U({2, 3, 4}), U({4, 5})));
  c.push_back(Binary("MatmulMatrixBatch", K::kMatmul, U({3, 4}), U({2, 4, 5})));
  c.push_back(Binary("MatmulBroadcastBatches", K::kMatmul, U({2, 1, 3, 4}), U({5, 4, 2})));
  c.push_back(Binary("MatmulVectorBatch", K::kMatmul, U({4}), U({2, 4, 3})));
  c.push_back(Binary("MatmulBatchVector", K::kMatmul, U({2, 3, 4}), U({4})));
  c.push_back(Binary("Mm", K::kMm, U({3, 4}), U({4, 5})));
  c.push_back(Binary("Bmm", K::kBmm, U({2, 3, 4}), U({2, 4, 5})));
  c.push_back({"AddmmBroadcastBias",
               K::kAddmm,
               [] {
                 return Groups{{Uniform({5})}, {Uniform({3, 4})}, {Uniform({4, 5})}};
               },
               {{"beta", 0.5}, {"alpha", 2.0}}});
  c.push_back({"Addmm", K::kAddmm, [] { return Groups{{Uniform({3, 5})}, {Uniform({3, 4})}, {Uniform({4, 5})}}; }});
  c.push_back({"Linear", K::kLinear, [] { return Groups{{Uniform({2, 3, 4})}, {Uniform({5, 4})}, {Uniform({5})}}; }});
  c.push_back({"LinearNoBias", K::kLinear, [] { return Groups{{Uniform({3, 4})}, {Uniform({5, 4})}, {}}; }});
  c.push_back({"LinearVector", K::kLinear, [] { return Groups{{Uniform({4})}, {Uniform({5, 4})}, {Uniform({5})}}; }});
  // Conversions.
  c.push_back(Unary("ToCopyFloat32ToFloat64", K::kToCopy, U({3, 4}, -2, 2, kF32), {{"dtype", kF64}}));
  c.push_back(Unary("Clone", K::kClone, U({3, 4})));
  {
    GradCase copy = Binary("CopyBroadcastsAndCasts", K::kCopy, U({3, 4}, -2, 2, kF32), U({4}));
    copy.eps = 1e-2;
    copy.atol = 1e-4;
    copy.rtol = 1e-4;
    c.push_back(copy);
  }
  return c;
}

// --- Harness --------------------------------------------------------------------------

// Builds the call of `op` on `groups` with `attrs` resolved against its
// schema (defaults filled in).
absl::StatusOr<OpCall> MakeCall(K op, const Groups& groups, const ir::AttrList& attrs) {
  OpCall call;
  call.op = &ir::GetOpDef(op);
  for (const std::vector<Tensor>& g : groups) {
    call.group_sizes.push_back(static_cast<int>(g.size()));
    for (const Tensor& t : g) call.operands.push_back(t);
  }
  absl::Status s = ir::ResolveAttrs(*call.op, attrs, &call.attrs);
  if (!s.ok()) return s;
  return call;
}

// Regroups flattened operands as `call` groups them.
Groups Regroup(const OpCall& call, const std::vector<Tensor>& flat) {
  Groups groups;
  size_t k = 0;
  for (int n : call.group_sizes) {
    groups.emplace_back(flat.begin() + k, flat.begin() + k + n);
    k += n;
  }
  return groups;
}

std::vector<Tensor> RunOp(const OpCall& call, const std::vector<Tensor>& operands, const ir::AttrList& attrs) {
  absl::StatusOr<std::vector<Tensor>> out = Dispatch(call.kind(), Regroup(call, operands), attrs);
  if (!out.ok()) return {Tensor::Error(out.status())};
  return *out;
}

// Runs the rule of `call` with the given outputs, result gradients and
// needs-grad flags.
GradResult RunRule(const OpCall& call, const std::vector<Tensor>& outputs, const std::vector<Tensor>& grads,
                   const std::vector<bool>& needs) {
  const DerivativeFn* rule = FindDerivative(call.kind());
  if (rule == nullptr) return NoDerivativeError(*call.op);
  std::unique_ptr<bool[]> flags(new bool[needs.size() + 1]);
  for (size_t i = 0; i < needs.size(); ++i) flags[i] = needs[i];
  GradContext ctx(call, outputs, grads, absl::Span<const bool>(flags.get(), needs.size()));
  return (*rule)(ctx);
}

// Answers every op with fake results from its shape rule, as the tracer
// does; a rule that reads data would fail here.
class MetaMode : public DispatchMode {
 public:
  absl::StatusOr<std::vector<Tensor>> Handle(const OpCall& call) override {
    seen.push_back(call.op->name());
    std::vector<Tensor> out;
    for (const ir::TensorMeta& m : call.result_metas) {
      out.push_back(Tensor::Fake(m.shape.concrete_sizes().value_or(Ints{}), m.dtype, m.device));
    }
    return out;
  }
  std::vector<std::string> seen;
};

Tensor FakeLike(const Tensor& t) { return t.defined() ? Tensor::Fake(t.sizes(), t.dtype(), t.device()) : Tensor(); }

std::string SizesString(absl::Span<const int64_t> s) { return absl::StrCat("[", absl::StrJoin(s, ","), "]"); }

class BasicDerivativesTest : public ::testing::TestWithParam<GradCase> {};

TEST_P(BasicDerivativesTest, MatchesFiniteDifferences) {
  const GradCase& c = GetParam();
  Rng().seed(std::hash<std::string>()(c.name));
  NoGradGuard no_grad;
  Groups groups = c.inputs();
  absl::StatusOr<OpCall> call = MakeCall(c.op, groups, c.attrs);
  ASSERT_TRUE(call.ok()) << call.status();
  std::vector<Tensor> outputs = RunOp(*call, call->operands, c.attrs);
  ASSERT_FALSE(outputs.empty());
  ASSERT_TRUE(FirstError(outputs).ok()) << FirstError(outputs);

  std::vector<Tensor> cotangents(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    bool missing =
        std::find(c.missing_grads.begin(), c.missing_grads.end(), static_cast<int>(i)) != c.missing_grads.end();
    if (missing || !IsDifferentiableResult(*call->op, static_cast<int>(i), outputs[i].dtype())) continue;
    cotangents[i] = Uniform(Ints(outputs[i].sizes().begin(), outputs[i].sizes().end()), -1, 1, outputs[i].dtype());
  }
  const int n = static_cast<int>(call->operands.size());
  std::vector<bool> all(n, true);
  GradResult grads = RunRule(*call, outputs, cotangents, all);
  ASSERT_TRUE(grads.ok()) << grads.status();
  ASSERT_EQ(static_cast<int>(grads->size()), n);

  absl::StatusOr<std::vector<Tensor>> numeric = NumericalVjp(
      [&](const std::vector<Tensor>& in) { return RunOp(*call, in, c.attrs); }, call->operands, cotangents, c.eps);
  ASSERT_TRUE(numeric.ok()) << numeric.status();

  for (int i = 0; i < n; ++i) {
    const Tensor& operand = call->operands[i];
    const Tensor& g = (*grads)[i];
    SCOPED_TRACE(absl::StrCat("operand ", i, " ", operand.meta().ToString()));
    if (!ir::IsFloating(operand.dtype())) {
      EXPECT_FALSE(g.defined()) << "an integer operand got a gradient";
      continue;
    }
    if (!g.defined()) {
      // No gradient means zero (copy's self).
      Tensor zero = zeros(Ints(operand.sizes().begin(), operand.sizes().end()), {operand.dtype()});
      EXPECT_TRUE(CheckClose(zero, (*numeric)[i], c.atol, c.rtol).ok()) << "undefined gradient but nonzero numeric";
      continue;
    }
    ASSERT_TRUE(g.ok()) << g.status();
    EXPECT_EQ(SizesString(g.sizes()), SizesString(operand.sizes()));
    EXPECT_EQ(g.dtype(), operand.dtype());
    absl::Status close = CheckClose(g, (*numeric)[i], c.atol, c.rtol, absl::StrCat("d/d operand ", i));
    EXPECT_TRUE(close.ok()) << close;
  }

  // Only operand 0 needs a gradient: the others get none, operand 0 the same.
  if (n > 1) {
    std::vector<bool> first(n, false);
    first[0] = true;
    GradResult partial = RunRule(*call, outputs, cotangents, first);
    ASSERT_TRUE(partial.ok()) << partial.status();
    for (int i = 1; i < n; ++i) EXPECT_FALSE((*partial)[i].defined()) << "operand " << i;
    if ((*grads)[0].defined()) {
      absl::Status same = CheckClose((*partial)[0], (*grads)[0], 0, 0, "operand 0 alone");
      EXPECT_TRUE(same.ok()) << same;
    }
  }

  // The same rule on fake tensors: no data is read, and the gradients have
  // the real ones' metadata.
  std::vector<Tensor> fake_operands, fake_outputs, fake_cotangents;
  for (const Tensor& t : call->operands) fake_operands.push_back(FakeLike(t));
  for (const Tensor& t : outputs) fake_outputs.push_back(FakeLike(t));
  for (const Tensor& t : cotangents) fake_cotangents.push_back(FakeLike(t));
  OpCall fake_call = *call;
  fake_call.operands = fake_operands;
  MetaMode meta;
  GradResult fake_grads;
  {
    DispatchModeGuard guard(&meta);
    fake_grads = RunRule(fake_call, fake_outputs, fake_cotangents, all);
  }
  ASSERT_TRUE(fake_grads.ok()) << fake_grads.status();
  for (int i = 0; i < n; ++i) {
    const Tensor& real = (*grads)[i];
    const Tensor& fake = (*fake_grads)[i];
    ASSERT_EQ(real.defined(), fake.defined()) << "operand " << i;
    if (!real.defined()) continue;
    EXPECT_TRUE(fake.is_fake()) << "operand " << i;
    EXPECT_EQ(SizesString(fake.sizes()), SizesString(real.sizes())) << "operand " << i;
    EXPECT_EQ(fake.dtype(), real.dtype()) << "operand " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, BasicDerivativesTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<GradCase>& info) { return info.param.name; });

// --- Specific behaviour -----------------------------------------------------------------

// Runs the rule of `op` on real operands with the given result gradients
// (every operand needs a gradient).
absl::StatusOr<std::vector<Tensor>> Vjp(K op, const Groups& groups, const ir::AttrList& attrs,
                                        const std::vector<Tensor>& grads) {
  absl::StatusOr<OpCall> call = MakeCall(op, groups, attrs);
  if (!call.ok()) return call.status();
  std::vector<Tensor> outputs = RunOp(*call, call->operands, attrs);
  absl::Status s = FirstError(outputs);
  if (!s.ok()) return s;
  return RunRule(*call, outputs, grads, std::vector<bool>(call->operands.size(), true));
}

std::vector<double> Values(const Tensor& t) {
  absl::StatusOr<std::vector<double>> v = t.ToVector<double>();
  return v.ok() ? *v : std::vector<double>{};
}

TEST(BasicDerivativesTest, EveryCoveredOpHasARule) {
  const K ops[] = {
      K::kNeg,         K::kAbs,        K::kExp,        K::kLog,       K::kLog1p,      K::kExpm1,     K::kSqrt,
      K::kRsqrt,       K::kReciprocal, K::kSin,        K::kCos,       K::kTanh,       K::kSigmoid,   K::kRelu,
      K::kErf,         K::kGelu,       K::kSilu,       K::kClamp,     K::kAdd,        K::kAddScalar, K::kSub,
      K::kSubScalar,   K::kRsubScalar, K::kMul,        K::kMulScalar, K::kDiv,        K::kDivScalar, K::kPow,
      K::kPowScalar,   K::kMaximum,    K::kMinimum,    K::kWhere,     K::kMaskedFill, K::kSum,       K::kMean,
      K::kAmax,        K::kAmin,       K::kVar,        K::kStd,       K::kVarMean,    K::kLogsumexp, K::kReshape,
      K::kView,        K::kPermute,    K::kTranspose,  K::kExpand,    K::kSqueeze,    K::kUnsqueeze, K::kSlice,
      K::kSelect,      K::kSplit,      K::kChunk,      K::kCat,       K::kStack,      K::kTriu,      K::kTril,
      K::kIndexSelect, K::kGather,     K::kScatterAdd, K::kIndexAdd,  K::kMatmul,     K::kMm,        K::kBmm,
      K::kAddmm,       K::kLinear,     K::kToCopy,     K::kClone,     K::kCopy,
  };
  for (K op : ops) EXPECT_NE(FindDerivative(op), nullptr) << ir::GetOpDef(op).name();
}

TEST(BasicDerivativesTest, AmaxSplitsTiesEvenly) {
  Tensor x = Tensor::FromVector<double>({1, 3, 3, 2, 2, 0}, {2, 3});
  Tensor g = Tensor::FromVector<double>({1, 4}, {2});
  absl::StatusOr<std::vector<Tensor>> grads = Vjp(K::kAmax, {{x}}, {{"dim", Ints{1}}}, {g});
  ASSERT_TRUE(grads.ok()) << grads.status();
  EXPECT_EQ(Values((*grads)[0]), (std::vector<double>{0, 0.5, 0.5, 2, 2, 0}));
}

TEST(BasicDerivativesTest, AminSplitsTiesOverAllDims) {
  Tensor x = Tensor::FromVector<double>({1, 3, 1, 2}, {2, 2});
  Tensor g = Tensor::FromVector<double>({6}, {});
  absl::StatusOr<std::vector<Tensor>> grads = Vjp(K::kAmin, {{x}}, {}, {g});
  ASSERT_TRUE(grads.ok()) << grads.status();
  EXPECT_EQ(Values((*grads)[0]), (std::vector<double>{3, 0, 3, 0}));
}

TEST(BasicDerivativesTest, MaximumSplitsTiesEvenly) {
  Tensor a = Tensor::FromVector<double>({1, 2, 3}, {3});
  Tensor b = Tensor::FromVector<double>({1, 5, 0}, {3});
  Tensor g = Tensor::FromVector<double>({2, 2, 2}, {3});
  absl::StatusOr<std::vector<Tensor>> grads = Vjp(K::kMaximum, {{a}, {b}}, {}, {g});
  ASSERT_TRUE(grads.ok()) << grads.status();
  EXPECT_EQ(Values((*grads)[0]), (std::vector<double>{1, 0, 2}));
  EXPECT_EQ(Values((*grads)[1]), (std::vector<double>{1, 2, 0}));
}

TEST(BasicDerivativesTest, ReluPassesNoGradientAtZero) {
  Tensor x = Tensor::FromVector<double>({-1, 0, 2}, {3});
  Tensor g = Tensor::FromVector<double>({1, 1, 1}, {3});
  absl::StatusOr<std::vector<Tensor>> grads = Vjp(K::kRelu, {{x}}, {}, {g});
  ASSERT_TRUE(grads.ok()) << grads.status();
  EXPECT_EQ(Values((*grads)[0]), (std::vector<double>{0, 0, 1}));
}

TEST(BasicDerivativesTest, ClampPassesGradientAtTheBounds) {
  Tensor x = Tensor::FromVector<double>({-2, -1, 0, 1, 2}, {5});
  Tensor g = Tensor::FromVector<double>({1, 1, 1, 1, 1}, {5});
  absl::StatusOr<std::vector<Tensor>> grads = Vjp(K::kClamp, {{x}}, {{"min", -1.0}, {"max", 1.0}}, {g});
  ASSERT_TRUE(grads.ok()) << grads.status();
  EXPECT_EQ(Values((*grads)[0]), (std::vector<double>{0, 1, 1, 1, 0}));
}

TEST(BasicDerivativesTest, SplitWithoutResultGradientsGivesNone) {
  Tensor x = Uniform({4, 2});
  absl::StatusOr<std::vector<Tensor>> grads = Vjp(K::kSplit, {{x}}, {{"split_size", int64_t{2}}}, {Tensor(), Tensor()});
  ASSERT_TRUE(grads.ok()) << grads.status();
  EXPECT_FALSE((*grads)[0].defined());
}

TEST(BasicDerivativesTest, VarMeanWithoutResultGradientsGivesNone) {
  Tensor x = Uniform({4, 2});
  absl::StatusOr<std::vector<Tensor>> grads = Vjp(K::kVarMean, {{x}}, {}, {Tensor(), Tensor()});
  ASSERT_TRUE(grads.ok()) << grads.status();
  EXPECT_FALSE((*grads)[0].defined());
}

// Pinned against PyTorch's joint graph for cos: sin, neg, mul(tangent, neg).
TEST(BasicDerivativesTest, CosCallsSinNegThenMulOfGradient) {
  Tensor x = Tensor::Fake({3}, kF32);
  Tensor y = Tensor::Fake({3}, kF32);
  Tensor g = Tensor::Fake({3}, kF32);
  absl::StatusOr<OpCall> call = MakeCall(K::kCos, {{x}}, {});
  ASSERT_TRUE(call.ok()) << call.status();

  class Recorder : public DispatchMode {
   public:
    absl::StatusOr<std::vector<Tensor>> Handle(const OpCall& c) override {
      names.push_back(c.op->name());
      operand_ids.push_back({});
      for (const Tensor& t : c.operands) operand_ids.back().push_back(t.id());
      absl::StatusOr<std::vector<Tensor>> out = Redispatch(c);
      if (out.ok()) result_ids.push_back((*out)[0].id());
      return out;
    }
    std::vector<std::string> names;
    std::vector<std::vector<uint64_t>> operand_ids;
    std::vector<uint64_t> result_ids;
  } recorder;
  GradResult grads;
  {
    DispatchModeGuard guard(&recorder);
    grads = RunRule(*call, {y}, {g}, {true});
  }
  ASSERT_TRUE(grads.ok()) << grads.status();
  ASSERT_EQ(recorder.names, (std::vector<std::string>{"sin", "neg", "mul"}));
  EXPECT_EQ(recorder.operand_ids[0], (std::vector<uint64_t>{x.id()}));
  EXPECT_EQ(recorder.operand_ids[1], (std::vector<uint64_t>{recorder.result_ids[0]}));
  EXPECT_EQ(recorder.operand_ids[2], (std::vector<uint64_t>{g.id(), recorder.result_ids[1]}));
}

TEST(BasicDerivativesTest, BackwardOpsAreUsed) {
  struct Expect {
    K op;
    ir::AttrList attrs;
    std::string backward;
  };
  const Expect cases[] = {
      {K::kRelu, {}, "threshold_backward"},
      {K::kSigmoid, {}, "sigmoid_backward"},
      {K::kTanh, {}, "tanh_backward"},
      {K::kGelu, {{"approximate", "tanh"}}, "gelu_backward"},
      {K::kSilu, {}, "silu_backward"},
      {K::kSelect, {{"dim", int64_t{0}}, {"index", int64_t{1}}}, "select_backward"},
      {K::kSlice, {{"start", int64_t{1}}}, "slice_backward"},
  };
  for (const Expect& e : cases) {
    SCOPED_TRACE(ir::GetOpDef(e.op).name());
    Tensor x = Tensor::Fake({3, 2}, kF32);
    absl::StatusOr<OpCall> call = MakeCall(e.op, {{x}}, e.attrs);
    ASSERT_TRUE(call.ok()) << call.status();
    MetaMode meta;
    GradResult grads;
    {
      DispatchModeGuard guard(&meta);
      std::vector<Tensor> out = RunOp(*call, call->operands, e.attrs);
      ASSERT_TRUE(FirstError(out).ok()) << FirstError(out);
      Tensor g = FakeLike(out[0]);
      meta.seen.clear();
      grads = RunRule(*call, out, {g}, {true});
    }
    ASSERT_TRUE(grads.ok()) << grads.status();
    EXPECT_EQ(meta.seen, (std::vector<std::string>{e.backward}));
  }
}

TEST(BasicDerivativesTest, UnsupportedCaseIsAnErrorNamingTheOp) {
  // A call the shape rule would reject, handed to the rule directly.
  OpCall call;
  call.op = &ir::GetOpDef(K::kMatmul);
  call.operands = {Tensor::Fake({}, kF32), Tensor::Fake({3}, kF32)};
  call.group_sizes = {1, 1};
  GradResult grads = RunRule(call, {Tensor::Fake({3}, kF32)}, {Tensor::Fake({3}, kF32)}, {true, true});
  ASSERT_FALSE(grads.ok());
  EXPECT_EQ(grads.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(grads.status().message().find("matmul"), std::string::npos) << grads.status();
}

TEST(BasicDerivativesTest, FailingOpInsideARuleBecomesItsStatus) {
  // Gradient of the wrong shape for the view: reshape fails inside the rule.
  Tensor x = Uniform({3, 4});
  absl::StatusOr<std::vector<Tensor>> grads = Vjp(K::kView, {{x}}, {{"size", Ints{12}}}, {Uniform({5})});
  ASSERT_FALSE(grads.ok());
  EXPECT_EQ(grads.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(grads.status().message().find("derivative of view"), std::string::npos) << grads.status();
}

// --- The finite-difference helper itself ---------------------------------------------------

TEST(NumericalVjpTest, MatchesAKnownGradient) {
  Tensor x = Tensor::FromVector<double>({0.5, -1, 2}, {3});
  Tensor y = Tensor::FromVector<double>({3, 4, 5}, {3});
  Tensor cot = Tensor::FromVector<double>({1, 2, -1}, {3});
  auto fn = [](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] * in[0] * in[1]}; };
  absl::StatusOr<std::vector<Tensor>> g = NumericalVjp(fn, {x, y}, {cot}, 1e-6);
  ASSERT_TRUE(g.ok()) << g.status();
  // d/dx = 2 x y cot, d/dy = x^2 cot.
  Tensor dx = Tensor::FromVector<double>({3, -16, -20}, {3});
  Tensor dy = Tensor::FromVector<double>({0.25, 2, -4}, {3});
  EXPECT_TRUE(CheckClose((*g)[0], dx, 1e-6, 1e-6).ok());
  EXPECT_TRUE(CheckClose((*g)[1], dy, 1e-6, 1e-6).ok());
}

TEST(NumericalVjpTest, IntegerInputsGetNoGradientAndMismatchesAreErrors) {
  Tensor x = Tensor::FromVector<double>({1, 2}, {2});
  Tensor i = Tensor::FromVector<int64_t>({1, 2}, {2});
  auto fn = [](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] * in[1]}; };
  absl::StatusOr<std::vector<Tensor>> g = NumericalVjp(fn, {x, i}, {Tensor::FromVector<double>({1, 1}, {2})}, 1e-6);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE((*g)[0].defined());
  EXPECT_FALSE((*g)[1].defined());
  absl::StatusOr<std::vector<Tensor>> bad =
      NumericalVjp(fn, {x, i}, {Tensor::FromVector<double>({1, 1, 1}, {3})}, 1e-6);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NumericalVjp(fn, {x, i}, {}, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CheckCloseTest, ReportsTheWorstElement) {
  Tensor a = Tensor::FromVector<double>({1, 2, 3}, {3});
  Tensor b = Tensor::FromVector<double>({1, 2.5, 3}, {3});
  EXPECT_TRUE(CheckClose(a, a, 0, 0).ok());
  absl::Status s = CheckClose(a, b, 1e-3, 0, "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("x: element 1 is 2"), std::string::npos) << s;
}

}  // namespace
}  // namespace aot::autodiff
