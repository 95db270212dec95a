// Checks the elementwise, reduction, shape, linear-algebra and conversion
// derivative rules against central finite differences in float64, calling
// each rule directly through FindDerivative on the cases of
// BasicGradCases() (internal/grad_cases.h; gradcheck_test runs the same
// cases through eager autograd and the joint graph). Every case also asks
// for operand 0 alone, and runs the rule on fake tensors under a mode that
// answers ops from their shape rules, which proves the rule reads no tensor
// data (it would run the same way under the tracer) and gives gradients of
// the same metadata.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/internal/finite_difference.h"
#include "aot/autodiff/internal/grad_cases.h"
#include "aot/ir/op.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "aot/tensor/testing/values.h"
#include "gtest/gtest.h"

namespace aot::autodiff {
namespace {

using op_testing::Values;
using internal::CheckClose;
using internal::GradCase;
using internal::NumericalVjp;
using K = OpKind;
using Groups = std::vector<std::vector<Tensor>>;
using Ints = std::vector<int64_t>;

constexpr DType kF64 = DType::kFloat64;
constexpr DType kF32 = DType::kFloat32;

// Uniform in [-2, 2).
Tensor Uniform(const Ints& sizes, uint64_t seed = 0) { return rand(sizes, seed, 0, {.dtype = kF64}) * 4.0 - 2.0; }

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
  NoGradGuard no_grad;
  absl::StatusOr<OpCall> call = MakeCall(c.op, internal::GroupInputs(c, c.inputs), c.attrs);
  ASSERT_TRUE(call.ok()) << call.status();
  std::vector<Tensor> outputs = c.fn(c.inputs);
  ASSERT_FALSE(outputs.empty());
  ASSERT_TRUE(FirstError(outputs).ok()) << FirstError(outputs);

  const std::vector<Tensor> cotangents = internal::RandomCotangents(c, outputs, /*seed=*/1);
  const int n = static_cast<int>(call->operands.size());
  // Every operand is asked for, integer ones included (they get none).
  std::vector<bool> all(n, true);
  GradResult grads = RunRule(*call, outputs, cotangents, all);
  ASSERT_TRUE(grads.ok()) << grads.status();
  ASSERT_EQ(static_cast<int>(grads->size()), n);

  absl::StatusOr<std::vector<Tensor>> numeric = NumericalVjp(c.fn, c.inputs, cotangents, c.eps);
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

INSTANTIATE_TEST_SUITE_P(AllOps, BasicDerivativesTest, ::testing::ValuesIn(internal::BasicGradCases()),
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
