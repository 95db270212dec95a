// Checks the rules of nn_derivatives.cc against central finite differences
// in float64 on the cases of NnGradCases() and BackwardOpGradCases()
// (internal/grad_cases.h; gradcheck_test runs the same cases through eager
// autograd and the joint graph): each case runs its op eagerly, calls the
// op's rule with a random cotangent for each differentiable result and
// compares every requested gradient with NumericalVjp. Each case also runs
// the rule on fake (metadata-only) tensors, as the tracer would, which fails
// if the rule reads tensor data.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/internal/finite_difference.h"
#include "aot/autodiff/internal/grad_cases.h"
#include "aot/ir/op.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "gtest/gtest.h"

namespace aot::autodiff {
namespace {

using internal::GradCase;
using ir::AttrList;

constexpr TensorOptions kF64 = {.dtype = DType::kFloat64};

Tensor Randn(std::vector<int64_t> sizes, uint64_t seed) { return randn(std::move(sizes), seed, 0, kF64); }

Tensor Longs(const std::vector<int64_t>& values, std::vector<int64_t> sizes) {
  return Tensor::FromVector<int64_t>(values, sizes);
}

std::vector<int64_t> SizesOf(const Tensor& t) { return std::vector<int64_t>(t.sizes().begin(), t.sizes().end()); }

// Builds the boxed call the dispatcher would: operands grouped by the
// schema's tensor arguments, attributes resolved against the schema.
absl::StatusOr<OpCall> MakeCall(OpKind kind, const std::vector<std::vector<Tensor>>& groups, const AttrList& attrs) {
  OpCall call;
  call.op = &ir::GetOpDef(kind);
  for (const std::vector<Tensor>& g : groups) {
    call.group_sizes.push_back(static_cast<int>(g.size()));
    for (const Tensor& t : g) call.operands.push_back(t);
  }
  absl::Status s = ir::ResolveAttrs(*call.op, attrs, &call.attrs);
  if (!s.ok()) return s;
  return call;
}

// What a rule returned for one call.
struct RuleRun {
  absl::StatusOr<Grads> grads;
  OpCall call;
};

// Runs the rule of `kind` on `groups` with `outputs` and result gradients
// `cotangents`; requests the flattened operands marked in `needs`.
RuleRun RunRule(OpKind kind, const std::vector<std::vector<Tensor>>& groups, const AttrList& attrs,
                const std::vector<Tensor>& outputs, const std::vector<Tensor>& cotangents,
                const std::vector<bool>& needs) {
  RuleRun run{absl::UnknownError("not run"), {}};
  absl::StatusOr<OpCall> call = MakeCall(kind, groups, attrs);
  if (!call.ok()) {
    run.grads = call.status();
    return run;
  }
  run.call = *std::move(call);
  const int n = static_cast<int>(run.call.operands.size());
  std::unique_ptr<bool[]> flags(new bool[n + 1]);
  for (int i = 0; i < n; ++i) flags[i] = needs[i];
  const DerivativeFn* fn = FindDerivative(kind);
  if (fn == nullptr) {
    run.grads = NoDerivativeError(ir::GetOpDef(kind));
    return run;
  }
  run.grads = (*fn)(GradContext(run.call, outputs, cotangents, absl::MakeConstSpan(flags.get(), n)));
  return run;
}

// As above with one operand per tensor argument (undefined for an absent
// optional one), cotangent `cot` for result 0, and every floating operand
// requested except the arguments in `frozen`.
RuleRun RunRule(OpKind kind, const std::vector<Tensor>& args, const AttrList& attrs,
                const std::vector<Tensor>& outputs, const Tensor& cot, const std::vector<int>& frozen) {
  std::vector<std::vector<Tensor>> groups;
  std::vector<bool> needs;
  for (int g = 0; g < static_cast<int>(args.size()); ++g) {
    if (!args[g].defined()) {
      groups.emplace_back();
      continue;
    }
    groups.push_back({args[g]});
    needs.push_back(ir::IsFloating(args[g].dtype()) && std::find(frozen.begin(), frozen.end(), g) == frozen.end());
  }
  std::vector<Tensor> cotangents(outputs.size());
  cotangents[0] = cot;
  return RunRule(kind, groups, attrs, outputs, cotangents, needs);
}

Tensor FakeLike(const Tensor& t) { return t.defined() ? Tensor::Fake(t.sizes(), t.dtype()) : Tensor(); }

std::vector<Tensor> FakesLike(const std::vector<Tensor>& ts) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) out.push_back(FakeLike(t));
  return out;
}

class NnDerivativesTest : public ::testing::TestWithParam<GradCase> {};

TEST_P(NnDerivativesTest, MatchesFiniteDifferences) {
  const GradCase& c = GetParam();
  const ir::OpDef& def = ir::GetOpDef(c.op);
  for (const Tensor& t : c.inputs) ASSERT_TRUE(t.ok()) << t.status();
  std::vector<Tensor> outputs = c.fn(c.inputs);
  for (const Tensor& t : outputs) ASSERT_TRUE(t.ok()) << def.name() << ": " << t.status();
  const std::vector<Tensor> cotangents = internal::RandomCotangents(c, outputs, /*seed=*/1234);

  RuleRun run = RunRule(c.op, internal::GroupInputs(c, c.inputs), c.attrs, outputs, cotangents, c.needs_grad);
  ASSERT_TRUE(run.grads.ok()) << run.grads.status();
  ASSERT_EQ(run.grads->size(), c.inputs.size());

  absl::StatusOr<std::vector<Tensor>> numeric = internal::NumericalVjp(c.fn, c.inputs, cotangents, c.eps);
  ASSERT_TRUE(numeric.ok()) << numeric.status();

  for (int i = 0; i < static_cast<int>(c.inputs.size()); ++i) {
    const Tensor& input = c.inputs[i];
    int g = 0;
    while (run.call.group_start(g) + run.call.group_sizes[g] <= i) ++g;
    const std::string what = absl::StrCat(def.name(), " d/d", def.schema().args()[def.schema().tensor_args()[g]].name);
    const Tensor& rule = (*run.grads)[i];
    if (!ir::IsFloating(input.dtype())) {
      EXPECT_FALSE(rule.defined()) << what << ": an integer operand got a gradient";
      continue;
    }
    if (!c.needs_grad[i]) continue;
    const Tensor& expected = (*numeric)[i];
    // An undefined gradient means zero.
    const Tensor actual = rule.defined() ? rule : zeros_like(expected);
    absl::Status close = internal::CheckClose(actual, expected, c.atol, c.rtol, what);
    EXPECT_TRUE(close.ok()) << close;
    if (rule.defined()) {
      EXPECT_EQ(rule.dtype(), input.dtype()) << what;
    }
  }

  // The same rule on fake tensors: no data to read, same metadata out.
  RuleRun fake = RunRule(c.op, internal::GroupInputs(c, FakesLike(c.inputs)), c.attrs, FakesLike(outputs),
                         FakesLike(cotangents), c.needs_grad);
  ASSERT_TRUE(fake.grads.ok()) << "on fake tensors: " << fake.grads.status();
  for (size_t i = 0; i < fake.grads->size(); ++i) {
    const Tensor& real = (*run.grads)[i];
    const Tensor& meta = (*fake.grads)[i];
    ASSERT_EQ(real.defined(), meta.defined()) << "operand " << i;
    if (!real.defined()) continue;
    EXPECT_TRUE(meta.ok()) << meta.status();
    EXPECT_EQ(SizesOf(meta), SizesOf(real)) << "operand " << i;
    EXPECT_EQ(meta.dtype(), real.dtype()) << "operand " << i;
  }
}

std::string CaseName(const ::testing::TestParamInfo<GradCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Forward, NnDerivativesTest, ::testing::ValuesIn(internal::NnGradCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(Backward, NnDerivativesTest, ::testing::ValuesIn(internal::BackwardOpGradCases()),
                         CaseName);

AttrList ConvAttrs(std::vector<int64_t> stride, std::vector<int64_t> padding, std::vector<int64_t> dilation,
                   int64_t groups) {
  return {{"stride", std::move(stride)}, {"padding", std::move(padding)}, {"dilation", std::move(dilation)},
          {"groups", groups}};
}

// --- Behaviour beyond the finite-difference check ---------------------------------

// embedding's rule, like embedding_backward, leaves padding_idx's row without
// gradient although the forward reads it.
TEST(NnDerivativesRuleTest, EmbeddingPaddingRowGetsNoGradient) {
  Tensor weight = Randn({4, 3}, 100);
  Tensor indices = Longs({1, 3, 1, 0}, {4});
  const AttrList attrs = {{"padding_idx", int64_t{1}}};
  std::vector<Tensor> out = CallOp(OpKind::kEmbedding, {weight, indices}, attrs);
  Tensor cot = Randn({4, 3}, 101);
  RuleRun run = RunRule(OpKind::kEmbedding, {weight, indices}, attrs, out, cot, {});
  ASSERT_TRUE(run.grads.ok()) << run.grads.status();
  absl::StatusOr<std::vector<double>> g = (*run.grads)[0].ToVector<double>();
  ASSERT_TRUE(g.ok()) << g.status();
  absl::StatusOr<std::vector<double>> c = cot.ToVector<double>();
  ASSERT_TRUE(c.ok());
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ((*g)[1 * 3 + j], 0.0) << "padding row, column " << j;
    EXPECT_DOUBLE_EQ((*g)[3 * 3 + j], (*c)[1 * 3 + j]) << "row 3, column " << j;
    EXPECT_DOUBLE_EQ((*g)[0 * 3 + j], (*c)[3 * 3 + j]) << "row 0, column " << j;
  }
}

TEST(NnDerivativesRuleTest, ClassWeightGradientIsUnimplemented) {
  for (OpKind op : {OpKind::kNllLoss, OpKind::kCrossEntropy}) {
    const std::vector<Tensor> args = {Randn({3, 4}, 102), Longs({0, 1, 3}, {3}), Randn({4}, 103).exp()};
    std::vector<Tensor> out = CallOp(op, args, {});
    RuleRun run = RunRule(op, args, {}, out, Randn({}, 104), {});
    ASSERT_FALSE(run.grads.ok());
    EXPECT_EQ(run.grads.status().code(), absl::StatusCode::kUnimplemented);
    EXPECT_NE(run.grads.status().message().find(ir::GetOpDef(op).name()), std::string::npos)
        << run.grads.status();
    EXPECT_NE(run.grads.status().message().find("weight"), std::string::npos) << run.grads.status();
  }
}

TEST(NnDerivativesRuleTest, NoIncomingGradientGivesNoGradients) {
  const std::vector<Tensor> args = {Randn({3, 2, 2, 2}, 105), Randn({2}, 106), Randn({2}, 107), Tensor(), Tensor()};
  const AttrList attrs = {{"training", true}};
  std::vector<Tensor> out = CallOp(OpKind::kBatchNorm, args, attrs);
  RuleRun run = RunRule(OpKind::kBatchNorm, args, attrs, out, Tensor(), {});
  ASSERT_TRUE(run.grads.ok()) << run.grads.status();
  ASSERT_EQ(run.grads->size(), 3u);
  for (const Tensor& g : *run.grads) EXPECT_FALSE(g.defined());
}

TEST(NnDerivativesRuleTest, SkipsOperandsThatNeedNoGradient) {
  const std::vector<Tensor> args = {Randn({1, 2, 4, 4}, 108), Randn({3, 2, 3, 3}, 109), Randn({3}, 110)};
  const AttrList attrs = ConvAttrs({1, 1}, {1, 1}, {1, 1}, 1);
  std::vector<Tensor> out = CallOp(OpKind::kConv2d, args, attrs);
  // Only the bias is requested.
  RuleRun run = RunRule(OpKind::kConv2d, args, attrs, out, Randn(SizesOf(out[0]), 111), /*frozen=*/{0, 1});
  ASSERT_TRUE(run.grads.ok()) << run.grads.status();
  EXPECT_FALSE((*run.grads)[0].defined());
  EXPECT_FALSE((*run.grads)[1].defined());
  EXPECT_TRUE((*run.grads)[2].defined());
}

TEST(NnDerivativesRuleTest, OpErrorsComeBackAsStatus) {
  // A cotangent of the wrong shape makes conv2d_backward_input fail.
  const std::vector<Tensor> args = {Randn({1, 2, 4, 4}, 112), Randn({3, 2, 3, 3}, 113), Tensor()};
  const AttrList attrs = ConvAttrs({1, 1}, {0, 0}, {1, 1}, 1);
  std::vector<Tensor> out = CallOp(OpKind::kConv2d, args, attrs);
  RuleRun run = RunRule(OpKind::kConv2d, args, attrs, out, Randn({1, 3, 5, 5}, 114), {});
  ASSERT_FALSE(run.grads.ok());
  EXPECT_NE(run.grads.status().message().find("conv2d_backward"), std::string::npos) << run.grads.status();
}

TEST(NnDerivativesRuleTest, EveryCoveredOpHasARule) {
  for (OpKind op :
       {OpKind::kSoftmax, OpKind::kLogSoftmax, OpKind::kLayerNorm, OpKind::kBatchNorm, OpKind::kConv2d,
        OpKind::kMaxPool2dWithIndices, OpKind::kAvgPool2d, OpKind::kAdaptiveAvgPool2d, OpKind::kEmbedding,
        OpKind::kDropout, OpKind::kNllLoss, OpKind::kCrossEntropy, OpKind::kMseLoss, OpKind::kThresholdBackward,
        OpKind::kSigmoidBackward, OpKind::kTanhBackward, OpKind::kGeluBackward, OpKind::kSiluBackward,
        OpKind::kSoftmaxBackward, OpKind::kLogSoftmaxBackward, OpKind::kConv2dBackwardInput,
        OpKind::kConv2dBackwardWeight, OpKind::kMaxPool2dWithIndicesBackward, OpKind::kAvgPool2dBackward,
        OpKind::kAdaptiveAvgPool2dBackward, OpKind::kEmbeddingBackward, OpKind::kNllLossBackward,
        OpKind::kMseLossBackward, OpKind::kSelectBackward, OpKind::kSliceBackward}) {
    EXPECT_NE(FindDerivative(op), nullptr) << ir::GetOpDef(op).name();
  }
}

}  // namespace
}  // namespace aot::autodiff
