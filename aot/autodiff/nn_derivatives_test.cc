// Checks the rules of nn_derivatives.cc against central finite differences
// in float64: each case runs its op eagerly, calls the op's rule with a
// random cotangent for result 0 and compares every gradient with
// NumericalVjp of sum(result_0 * cotangent). Each case also runs the rule on
// fake (metadata-only) tensors, as the tracer would, which fails if the rule
// reads tensor data.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/internal/finite_difference.h"
#include "aot/ir/op.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "gtest/gtest.h"

namespace aot::autodiff {
namespace {

using ir::AttrList;
using ir::AttrValue;

constexpr TensorOptions kF64 = {.dtype = DType::kFloat64};

Tensor Randn(std::vector<int64_t> sizes, uint64_t seed) { return randn(std::move(sizes), seed, 0, kF64); }

Tensor Longs(const std::vector<int64_t>& values, std::vector<int64_t> sizes) {
  return Tensor::FromVector<int64_t>(values, sizes);
}

// Values 0.1 apart in a shuffled order, so max pooling has no ties that a
// finite-difference step could flip.
Tensor Distinct(const std::vector<int64_t>& sizes, uint32_t seed) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<double> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = 0.1 * static_cast<double>(i - n / 2);
  std::shuffle(values.begin(), values.end(), std::mt19937(seed));
  return Tensor::FromVector<double>(values, sizes);
}

std::vector<int64_t> SizesOf(const Tensor& t) { return std::vector<int64_t>(t.sizes().begin(), t.sizes().end()); }

// One gradient check: an op, one operand per tensor argument (undefined for
// an absent optional one) and its attributes.
struct Case {
  OpKind op;
  std::vector<Tensor> args;
  AttrList attrs;
  // Arguments whose gradient is not requested (see Note [Class weights are
  // not differentiated] in nn_derivatives.cc).
  std::vector<int> frozen;
  double atol = 1e-6;
  double rtol = 1e-5;
};

struct NamedCase {
  std::string name;
  std::function<Case()> make;  // Builds tensors lazily, after kernels register.
};

void PrintTo(const NamedCase& c, std::ostream* os) { *os << c.name; }

// Builds the boxed call the dispatcher would: operands flattened, attributes
// resolved against the schema.
absl::StatusOr<OpCall> MakeCall(OpKind kind, const std::vector<Tensor>& args, const AttrList& attrs) {
  OpCall call;
  call.op = &ir::GetOpDef(kind);
  for (const Tensor& t : args) {
    call.group_sizes.push_back(t.defined() ? 1 : 0);
    if (t.defined()) call.operands.push_back(t);
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

// Runs the rule of `kind` on `args` with `outputs` and cotangent `cot` for
// result 0; requests every floating operand not in `frozen`.
RuleRun RunRule(OpKind kind, const std::vector<Tensor>& args, const AttrList& attrs,
                const std::vector<Tensor>& outputs, const Tensor& cot, const std::vector<int>& frozen) {
  RuleRun run{absl::UnknownError("not run"), {}};
  absl::StatusOr<OpCall> call = MakeCall(kind, args, attrs);
  if (!call.ok()) {
    run.grads = call.status();
    return run;
  }
  run.call = *std::move(call);
  const int n = static_cast<int>(run.call.operands.size());
  std::unique_ptr<bool[]> needs(new bool[n]);
  for (int g = 0, i = 0; g < static_cast<int>(args.size()); ++g) {
    if (!args[g].defined()) continue;
    needs[i++] = ir::IsFloating(args[g].dtype()) && std::find(frozen.begin(), frozen.end(), g) == frozen.end();
  }
  std::vector<Tensor> grads(outputs.size());
  grads[0] = cot;
  const DerivativeFn* fn = FindDerivative(kind);
  if (fn == nullptr) {
    run.grads = NoDerivativeError(ir::GetOpDef(kind));
    return run;
  }
  run.grads = (*fn)(GradContext(run.call, outputs, grads, absl::MakeConstSpan(needs.get(), n)));
  return run;
}

Tensor FakeLike(const Tensor& t) { return t.defined() ? Tensor::Fake(t.sizes(), t.dtype()) : Tensor(); }

class NnDerivativesTest : public ::testing::TestWithParam<NamedCase> {};

TEST_P(NnDerivativesTest, MatchesFiniteDifferences) {
  const Case c = GetParam().make();
  const ir::OpDef& def = ir::GetOpDef(c.op);
  for (const Tensor& t : c.args) {
    if (t.defined()) {
      ASSERT_TRUE(t.ok()) << t.status();
    }
  }
  std::vector<Tensor> outputs = CallOp(c.op, c.args, c.attrs);
  for (const Tensor& t : outputs) ASSERT_TRUE(t.ok()) << def.name() << ": " << t.status();
  const Tensor cot = randn(SizesOf(outputs[0]), /*seed=*/1234, 0, {.dtype = outputs[0].dtype()});

  RuleRun run = RunRule(c.op, c.args, c.attrs, outputs, cot, c.frozen);
  ASSERT_TRUE(run.grads.ok()) << run.grads.status();
  ASSERT_EQ(run.grads->size(), run.call.operands.size());

  auto fn = [&c](const std::vector<Tensor>& inputs) { return CallOp(c.op, inputs, c.attrs); };
  absl::StatusOr<std::vector<Tensor>> numeric = internal::NumericalVjp(fn, c.args, {cot}, /*eps=*/1e-6);
  ASSERT_TRUE(numeric.ok()) << numeric.status();

  for (int g = 0; g < static_cast<int>(c.args.size()); ++g) {
    const Tensor& arg = c.args[g];
    const std::string what = absl::StrCat(def.name(), " d/d", def.schema().args()[def.schema().tensor_args()[g]].name);
    if (!arg.defined()) continue;
    const Tensor& rule = (*run.grads)[run.call.group_start(g)];
    if (!ir::IsFloating(arg.dtype())) {
      EXPECT_FALSE(rule.defined()) << what << ": an integer operand got a gradient";
      continue;
    }
    if (std::find(c.frozen.begin(), c.frozen.end(), g) != c.frozen.end()) continue;
    const Tensor& expected = (*numeric)[g];
    // An undefined gradient means zero.
    const Tensor actual = rule.defined() ? rule : zeros_like(expected);
    EXPECT_TRUE(internal::CheckClose(actual, expected, c.atol, c.rtol, what).ok())
        << internal::CheckClose(actual, expected, c.atol, c.rtol, what);
    if (rule.defined()) {
      EXPECT_EQ(rule.dtype(), arg.dtype()) << what;
    }
  }

  // The same rule on fake tensors: no data to read, same metadata out.
  std::vector<Tensor> fake_args, fake_outputs;
  for (const Tensor& t : c.args) fake_args.push_back(FakeLike(t));
  for (const Tensor& t : outputs) fake_outputs.push_back(FakeLike(t));
  RuleRun fake = RunRule(c.op, fake_args, c.attrs, fake_outputs, FakeLike(cot), c.frozen);
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

// --- Cases ------------------------------------------------------------------------

const char* ReductionName(int64_t r) { return r == 0 ? "None" : r == 1 ? "Mean" : "Sum"; }

AttrList ConvAttrs(std::vector<int64_t> stride, std::vector<int64_t> padding, std::vector<int64_t> dilation,
                   int64_t groups) {
  return {{"stride", std::move(stride)}, {"padding", std::move(padding)}, {"dilation", std::move(dilation)},
          {"groups", groups}};
}

// A convolution geometry: input [2, 4, 5, 6], weight [6, 4 / groups, 3, 2].
struct ConvSetup {
  Tensor x, w, y;
  AttrList attrs;
};
ConvSetup MakeConv(int64_t groups, std::vector<int64_t> stride, std::vector<int64_t> padding,
                   std::vector<int64_t> dilation) {
  ConvSetup s;
  s.x = Randn({2, 4, 5, 6}, 1);
  s.w = Randn({6, 4 / groups, 3, 2}, 2);
  s.attrs = ConvAttrs(std::move(stride), std::move(padding), std::move(dilation), groups);
  s.y = CallOp1(OpKind::kConv2d, {s.x, s.w, Tensor()}, s.attrs);
  return s;
}

AttrList MaxPoolAttrs(std::vector<int64_t> k, std::vector<int64_t> s, std::vector<int64_t> p,
                      std::vector<int64_t> d, bool ceil_mode) {
  return {{"kernel_size", std::move(k)}, {"stride", std::move(s)}, {"padding", std::move(p)},
          {"dilation", std::move(d)}, {"ceil_mode", ceil_mode}};
}

AttrList AvgPoolAttrs(std::vector<int64_t> k, std::vector<int64_t> s, std::vector<int64_t> p, bool ceil_mode,
                      bool count_include_pad, AttrValue divisor_override) {
  return {{"kernel_size", std::move(k)},       {"stride", std::move(s)},
          {"padding", std::move(p)},           {"ceil_mode", ceil_mode},
          {"count_include_pad", count_include_pad}, {"divisor_override", std::move(divisor_override)}};
}

std::vector<NamedCase> ForwardCases() {
  std::vector<NamedCase> cases;
  auto add = [&cases](std::string name, std::function<Case()> make) {
    cases.push_back({std::move(name), std::move(make)});
  };
  // softmax / log_softmax over the last, a middle and the first dimension.
  for (OpKind op : {OpKind::kSoftmax, OpKind::kLogSoftmax}) {
    const std::string base = op == OpKind::kSoftmax ? "Softmax" : "LogSoftmax";
    for (int64_t dim : {-1, 1, 0}) {
      add(absl::StrCat(base, "Dim", dim < 0 ? "Last" : std::to_string(dim)),
          [op, dim] { return Case{op, {Randn({2, 3, 4}, 3)}, {{"dim", dim}}}; });
    }
  }
  add("LayerNormAffine", [] {
    return Case{OpKind::kLayerNorm, {Randn({2, 3, 4}, 4), Randn({3, 4}, 5), Randn({3, 4}, 6)},
                {{"normalized_shape", std::vector<int64_t>{3, 4}}, {"eps", 1e-5}}};
  });
  add("LayerNormNoAffine", [] {
    return Case{OpKind::kLayerNorm, {Randn({3, 5}, 7), Tensor(), Tensor()},
                {{"normalized_shape", std::vector<int64_t>{5}}}};
  });
  add("LayerNormWeightOnly", [] {
    return Case{OpKind::kLayerNorm, {Randn({3, 5}, 8), Randn({5}, 9), Tensor()},
                {{"normalized_shape", std::vector<int64_t>{5}}}};
  });
  // batch_norm: training with and without running stats and affine, and
  // inference (where the running stats get gradients too).
  add("BatchNormTraining", [] {
    return Case{OpKind::kBatchNorm,
                {Randn({3, 2, 2, 2}, 10), Randn({2}, 11), Randn({2}, 12), Randn({2}, 13), Randn({2}, 14).exp()},
                {{"training", true}, {"momentum", 0.1}, {"eps", 1e-5}}};
  });
  add("BatchNormTrainingNoStatsNoAffine", [] {
    return Case{OpKind::kBatchNorm, {Randn({4, 3}, 15), Tensor(), Tensor(), Tensor(), Tensor()},
                {{"training", true}}};
  });
  add("BatchNormEval", [] {
    return Case{OpKind::kBatchNorm,
                {Randn({3, 2, 2, 2}, 16), Randn({2}, 17), Randn({2}, 18), Randn({2}, 19), Randn({2}, 20).exp()},
                {{"training", false}, {"eps", 1e-3}}};
  });
  add("BatchNormEvalNoAffine", [] {
    return Case{OpKind::kBatchNorm, {Randn({4, 3}, 21), Tensor(), Tensor(), Randn({3}, 22), Randn({3}, 23).exp()},
                {{"training", false}}};
  });
  add("Conv2dGroupsStridePadDilation", [] {
    return Case{OpKind::kConv2d, {Randn({2, 4, 5, 6}, 24), Randn({6, 2, 3, 2}, 25), Randn({6}, 26)},
                ConvAttrs({2, 1}, {1, 1}, {1, 2}, 2)};
  });
  add("Conv2dPlainNoBias", [] {
    return Case{OpKind::kConv2d, {Randn({1, 3, 4, 4}, 27), Randn({2, 3, 2, 2}, 28), Tensor()},
                ConvAttrs({1, 1}, {0, 0}, {1, 1}, 1)};
  });
  add("Conv2dStride2Pad1", [] {
    return Case{OpKind::kConv2d, {Randn({2, 2, 6, 6}, 29), Randn({3, 2, 3, 3}, 30), Randn({3}, 31)},
                ConvAttrs({2, 2}, {1, 1}, {1, 1}, 1)};
  });
  add("MaxPool2dCeilPad", [] {
    return Case{OpKind::kMaxPool2dWithIndices, {Distinct({2, 2, 5, 6}, 1)},
                MaxPoolAttrs({3, 2}, {2, 2}, {1, 1}, {1, 1}, /*ceil_mode=*/true)};
  });
  add("MaxPool2dDilation3d", [] {
    return Case{OpKind::kMaxPool2dWithIndices, {Distinct({2, 7, 7}, 2)},
                MaxPoolAttrs({2, 2}, {1, 2}, {0, 1}, {2, 1}, /*ceil_mode=*/false)};
  });
  add("MaxPool2dOverlapping", [] {
    return Case{OpKind::kMaxPool2dWithIndices, {Distinct({1, 2, 5, 5}, 3)},
                MaxPoolAttrs({3, 3}, {1, 1}, {1, 1}, {1, 1}, /*ceil_mode=*/false)};
  });
  add("AvgPool2dCeilPadExcludePad", [] {
    return Case{OpKind::kAvgPool2d, {Randn({2, 2, 5, 6}, 32)},
                AvgPoolAttrs({3, 2}, {2, 2}, {1, 1}, true, false, AttrValue::None())};
  });
  add("AvgPool2dIncludePad", [] {
    return Case{OpKind::kAvgPool2d, {Randn({2, 5, 6}, 33)},
                AvgPoolAttrs({3, 3}, {2, 1}, {1, 1}, true, true, AttrValue::None())};
  });
  add("AvgPool2dDivisorOverride", [] {
    return Case{OpKind::kAvgPool2d, {Randn({1, 2, 5, 5}, 34)},
                AvgPoolAttrs({2, 2}, {}, {0, 0}, false, true, AttrValue(int64_t{3}))};
  });
  add("AdaptiveAvgPool2d", [] {
    return Case{OpKind::kAdaptiveAvgPool2d, {Randn({2, 2, 5, 7}, 35)}, {{"output_size", std::vector<int64_t>{3, 4}}}};
  });
  add("AdaptiveAvgPool2d3d", [] {
    return Case{OpKind::kAdaptiveAvgPool2d, {Randn({3, 4, 4}, 36)}, {{"output_size", std::vector<int64_t>{3, 2}}}};
  });
  add("Embedding", [] {
    return Case{OpKind::kEmbedding, {Randn({5, 3}, 37), Longs({0, 2, 4, 2, 1, 0}, {2, 3})}, {}};
  });
  add("DropoutTrain", [] {
    return Case{OpKind::kDropout, {Randn({3, 4}, 38), Longs({7, 0}, {2})}, {{"p", 0.3}, {"train", true}}};
  });
  add("DropoutP0", [] {
    return Case{OpKind::kDropout, {Randn({3, 4}, 39), Longs({7, 0}, {2})}, {{"p", 0.0}, {"train", true}}};
  });
  add("DropoutP1", [] {
    return Case{OpKind::kDropout, {Randn({3, 4}, 40), Longs({7, 0}, {2})}, {{"p", 1.0}, {"train", true}}};
  });
  add("DropoutEval", [] {
    return Case{OpKind::kDropout, {Randn({3, 4}, 41), Tensor()}, {{"p", 0.5}, {"train", false}}};
  });
  for (int64_t reduction : {0, 1, 2}) {
    add(absl::StrCat("NllLoss", ReductionName(reduction)), [reduction] {
      return Case{OpKind::kNllLoss, {Randn({4, 5}, 42), Longs({1, 3, -100, 0}, {4}), Tensor()},
                  {{"reduction", reduction}}};
    });
    add(absl::StrCat("NllLossWeighted", ReductionName(reduction)), [reduction] {
      return Case{OpKind::kNllLoss,
                  {Randn({4, 5}, 43), Longs({1, 3, 2, 3}, {4}), Randn({5}, 44).exp()},
                  {{"reduction", reduction}, {"ignore_index", int64_t{2}}},
                  /*frozen=*/{2}};
    });
    add(absl::StrCat("MseLoss", ReductionName(reduction)), [reduction] {
      return Case{OpKind::kMseLoss, {Randn({3, 4}, 45), Randn({3, 4}, 46)}, {{"reduction", reduction}}};
    });
    for (bool weighted : {false, true}) {
      for (double smoothing : {0.0, 0.2}) {
        add(absl::StrCat("CrossEntropy", ReductionName(reduction), weighted ? "Weighted" : "",
                         smoothing > 0 ? "Smoothed" : ""),
            [reduction, weighted, smoothing] {
              return Case{OpKind::kCrossEntropy,
                          {Randn({4, 5}, 47), Longs({1, 4, 3, 1}, {4}), weighted ? Randn({5}, 48).exp() : Tensor()},
                          {{"reduction", reduction}, {"ignore_index", int64_t{3}}, {"label_smoothing", smoothing}},
                          /*frozen=*/{2}};
            });
      }
    }
  }
  add("CrossEntropyUnbatchedSmoothedWeighted", [] {
    return Case{OpKind::kCrossEntropy, {Randn({5}, 49), Longs({2}, {}), Randn({5}, 50).exp()},
                {{"reduction", int64_t{1}}, {"label_smoothing", 0.3}},
                /*frozen=*/{2}};
  });
  add("CrossEntropyUnbatchedNone", [] {
    return Case{OpKind::kCrossEntropy, {Randn({5}, 51), Longs({4}, {}), Tensor()},
                {{"reduction", int64_t{0}}, {"label_smoothing", 0.1}}};
  });
  add("CrossEntropyFullSmoothing", [] {
    return Case{OpKind::kCrossEntropy, {Randn({3, 4}, 52), Longs({0, 1, 3}, {3}), Tensor()},
                {{"reduction", int64_t{2}}, {"label_smoothing", 1.0}}};
  });
  return cases;
}

std::vector<NamedCase> BackwardCases() {
  std::vector<NamedCase> cases;
  auto add = [&cases](std::string name, std::function<Case()> make) {
    cases.push_back({std::move(name), std::move(make)});
  };
  add("ThresholdBackward", [] {
    return Case{OpKind::kThresholdBackward, {Randn({3, 4}, 60), Randn({3, 4}, 61)}, {{"threshold", 0.1}}};
  });
  add("SigmoidBackward", [] {
    return Case{OpKind::kSigmoidBackward, {Randn({3, 4}, 62), Randn({3, 4}, 63).sigmoid()}, {}};
  });
  add("TanhBackward", [] {
    return Case{OpKind::kTanhBackward, {Randn({3, 4}, 64), Randn({3, 4}, 65).tanh()}, {}};
  });
  for (const char* approximate : {"none", "tanh"}) {
    add(absl::StrCat("GeluBackward_", approximate), [approximate] {
      Tensor x = Randn({3, 4}, 67) * 2.0;
      return Case{OpKind::kGeluBackward, {Randn({3, 4}, 66), x}, {{"approximate", approximate}}};
    });
  }
  add("SiluBackward", [] {
    Tensor x = Randn({3, 4}, 69) * 2.0;
    return Case{OpKind::kSiluBackward, {Randn({3, 4}, 68), x}, {}};
  });
  for (int64_t dim : {1, 0}) {
    add(absl::StrCat("SoftmaxBackwardDim", dim), [dim] {
      Tensor y = softmax(Randn({3, 4}, 71), dim);
      return Case{OpKind::kSoftmaxBackward, {Randn({3, 4}, 70), y}, {{"dim", dim}}};
    });
    add(absl::StrCat("LogSoftmaxBackwardDim", dim), [dim] {
      Tensor y = log_softmax(Randn({3, 4}, 73), dim);
      return Case{OpKind::kLogSoftmaxBackward, {Randn({3, 4}, 72), y}, {{"dim", dim}}};
    });
  }
  struct ConvGeometry {
    const char* name;
    int64_t groups;
    std::vector<int64_t> stride, padding, dilation;
  };
  for (const ConvGeometry& geo : {ConvGeometry{"Groups2Dilated", 2, {2, 1}, {1, 1}, {1, 2}},
                                  ConvGeometry{"Stride2", 1, {2, 2}, {1, 0}, {1, 1}}}) {
    add(absl::StrCat("Conv2dBackwardInput", geo.name), [geo] {
      ConvSetup s = MakeConv(geo.groups, geo.stride, geo.padding, geo.dilation);
      AttrList attrs = s.attrs;
      attrs.emplace_back("input_size", SizesOf(s.x));
      return Case{OpKind::kConv2dBackwardInput, {Randn(SizesOf(s.y), 74), s.w}, attrs};
    });
    add(absl::StrCat("Conv2dBackwardWeight", geo.name), [geo] {
      ConvSetup s = MakeConv(geo.groups, geo.stride, geo.padding, geo.dilation);
      AttrList attrs = s.attrs;
      attrs.emplace_back("weight_size", SizesOf(s.w));
      return Case{OpKind::kConv2dBackwardWeight, {Randn(SizesOf(s.y), 75), s.x}, attrs};
    });
  }
  add("MaxPool2dWithIndicesBackward", [] {
    Tensor x = Distinct({2, 2, 5, 6}, 4);
    AttrList attrs = MaxPoolAttrs({3, 2}, {2, 2}, {1, 1}, {1, 1}, /*ceil_mode=*/true);
    std::vector<Tensor> r = CallOp(OpKind::kMaxPool2dWithIndices, {x}, attrs);
    return Case{OpKind::kMaxPool2dWithIndicesBackward, {Randn(SizesOf(r[0]), 76), x, r[1]}, attrs};
  });
  add("MaxPool2dWithIndicesBackwardOverlapping3d", [] {
    Tensor x = Distinct({2, 5, 5}, 5);
    AttrList attrs = MaxPoolAttrs({3, 3}, {1, 1}, {1, 1}, {1, 1}, /*ceil_mode=*/false);
    std::vector<Tensor> r = CallOp(OpKind::kMaxPool2dWithIndices, {x}, attrs);
    return Case{OpKind::kMaxPool2dWithIndicesBackward, {Randn(SizesOf(r[0]), 77), x, r[1]}, attrs};
  });
  add("AvgPool2dBackwardCeilExcludePad", [] {
    Tensor x = Randn({2, 2, 5, 6}, 78);
    AttrList attrs = AvgPoolAttrs({3, 2}, {2, 2}, {1, 1}, true, false, AttrValue::None());
    Tensor y = CallOp1(OpKind::kAvgPool2d, {x}, attrs);
    return Case{OpKind::kAvgPool2dBackward, {Randn(SizesOf(y), 79), x}, attrs};
  });
  add("AvgPool2dBackwardDivisorOverride", [] {
    Tensor x = Randn({2, 5, 5}, 80);
    AttrList attrs = AvgPoolAttrs({3, 3}, {2, 2}, {1, 1}, false, true, AttrValue(int64_t{4}));
    Tensor y = CallOp1(OpKind::kAvgPool2d, {x}, attrs);
    return Case{OpKind::kAvgPool2dBackward, {Randn(SizesOf(y), 81), x}, attrs};
  });
  add("AdaptiveAvgPool2dBackward", [] {
    return Case{OpKind::kAdaptiveAvgPool2dBackward, {Randn({2, 2, 3, 4}, 82), Randn({2, 2, 5, 7}, 83)}, {}};
  });
  for (int64_t padding_idx : {-1, 2}) {
    add(absl::StrCat("EmbeddingBackward", padding_idx < 0 ? "" : "PaddingIdx"), [padding_idx] {
      return Case{OpKind::kEmbeddingBackward,
                  {Randn({2, 3, 4}, 84), Longs({0, 2, 4, 2, 1, 0}, {2, 3})},
                  {{"num_weights", int64_t{5}}, {"padding_idx", padding_idx}}};
    });
  }
  for (int64_t reduction : {0, 1, 2}) {
    add(absl::StrCat("NllLossBackward", ReductionName(reduction)), [reduction] {
      Tensor g = reduction == 0 ? Randn({4}, 85) : Randn({}, 85);
      return Case{OpKind::kNllLossBackward,
                  {g, Randn({4, 5}, 86), Longs({1, 3, 2, 3}, {4}), Randn({5}, 87).exp()},
                  {{"reduction", reduction}, {"ignore_index", int64_t{2}}},
                  /*frozen=*/{3}};
    });
    add(absl::StrCat("MseLossBackward", ReductionName(reduction)), [reduction] {
      Tensor g = reduction == 0 ? Randn({3, 4}, 88) : Randn({}, 88);
      return Case{OpKind::kMseLossBackward, {g, Randn({3, 4}, 89), Randn({3, 4}, 90)}, {{"reduction", reduction}}};
    });
  }
  add("SelectBackward", [] {
    return Case{OpKind::kSelectBackward, {Randn({3, 5}, 91)},
                {{"input_sizes", std::vector<int64_t>{3, 4, 5}}, {"dim", int64_t{1}}, {"index", int64_t{-2}}}};
  });
  add("SliceBackward", [] {
    return Case{OpKind::kSliceBackward, {Randn({3, 3}, 92)},
                {{"input_sizes", std::vector<int64_t>{3, 8}},
                 {"dim", int64_t{1}},
                 {"start", int64_t{1}},
                 {"end", int64_t{7}},
                 {"step", int64_t{2}}}};
  });
  add("SliceBackwardNegativeBounds", [] {
    return Case{OpKind::kSliceBackward, {Randn({2, 4}, 93)},
                {{"input_sizes", std::vector<int64_t>{6, 4}},
                 {"dim", int64_t{0}},
                 {"start", int64_t{-5}},
                 {"end", int64_t{-1}},
                 {"step", int64_t{3}}}};
  });
  return cases;
}

std::string CaseName(const ::testing::TestParamInfo<NamedCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Forward, NnDerivativesTest, ::testing::ValuesIn(ForwardCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(Backward, NnDerivativesTest, ::testing::ValuesIn(BackwardCases()), CaseName);

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
