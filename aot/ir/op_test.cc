// Tests of the op set (op_list.h): the registry, and one shape/dtype case per
// op run through Graph::Create, plus the errors bad inputs produce.
#include "aot/ir/op.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "aot/ir/attr.h"
#include "aot/ir/device.h"
#include "aot/ir/dtype.h"
#include "aot/ir/graph.h"
#include "aot/ir/op_schema.h"
#include "aot/ir/shape.h"
#include "gtest/gtest.h"

namespace aot::ir {
namespace {

using Ints = std::vector<int64_t>;

// --- Helpers ------------------------------------------------------------------

// Parses metadata as TensorMeta::ToString prints it: "f32[4,3]", "i64[]",
// "f32[B,3]" (a symbolic dimension), "f32[2]@cuda:0".
TensorMeta T(absl::string_view text) {
  absl::string_view rest = text;
  Device device = Device::Cpu();
  if (size_t at = rest.find('@'); at != absl::string_view::npos) {
    std::optional<Device> d = Device::Parse(rest.substr(at + 1));
    if (!d) ADD_FAILURE() << "bad device in " << text;
    device = d.value_or(Device::Cpu());
    rest = rest.substr(0, at);
  }
  size_t open = rest.find('[');
  std::optional<DType> dtype = ParseDType(rest.substr(0, open));
  if (open == absl::string_view::npos || rest.back() != ']' || !dtype) {
    ADD_FAILURE() << "bad tensor meta " << text;
    return TensorMeta();
  }
  Shape shape;
  for (absl::string_view d : absl::StrSplit(rest.substr(open + 1, rest.size() - open - 2), ',', absl::SkipEmpty())) {
    int64_t size;
    shape.push_back(absl::SimpleAtoi(d, &size) ? Dim(size) : Dim::Symbol(d));
  }
  return TensorMeta(std::move(shape), *dtype, device);
}

// Builds a node of `kind` in `g` from fresh graph inputs.
using BuildFn = std::function<absl::StatusOr<Node*>(Graph& g, OpKind kind)>;

// One operand per tensor argument through Graph::Create; "" is an absent
// optional tensor.
BuildFn Args(std::vector<std::string> metas, AttrList attrs = {}) {
  return [metas = std::move(metas), attrs = std::move(attrs)](Graph& g, OpKind kind) -> absl::StatusOr<Node*> {
    std::vector<Value*> operands;
    for (const std::string& m : metas) operands.push_back(m.empty() ? nullptr : g.AddInput("x", T(m)));
    return g.Create(kind, operands, attrs);
  };
}

// Explicit operand groups through Graph::CreateWithGroups (for Tensor[]).
BuildFn Groups(std::vector<std::vector<std::string>> groups, AttrList attrs = {}) {
  return [groups = std::move(groups), attrs = std::move(attrs)](Graph& g, OpKind kind) -> absl::StatusOr<Node*> {
    std::vector<std::vector<Value*>> values;
    for (const std::vector<std::string>& group : groups) {
      values.emplace_back();
      for (const std::string& m : group) values.back().push_back(g.AddInput("x", T(m)));
    }
    return g.CreateWithGroups(kind, std::move(values), attrs);
  };
}

// The result metas of `node`, joined by ", ".
std::string ResultMetas(const Node& node) {
  std::vector<std::string> parts;
  for (int i = 0; i < node.num_results(); ++i) parts.push_back(node.result(i)->meta().ToString());
  return absl::StrJoin(parts, ", ");
}

const OpDef& Def(int kind) { return GetOpDef(static_cast<OpKind>(kind)); }

// --- Registry -----------------------------------------------------------------

TEST(OpRegistryTest, AllOpsAreInKindOrder) {
  absl::Span<const OpDef* const> all = AllOps();
  ASSERT_EQ(all.size(), static_cast<size_t>(kNumOps));
  for (int k = 0; k < kNumOps; ++k) {
    EXPECT_EQ(static_cast<int>(all[k]->kind()), k);
    EXPECT_EQ(&GetOpDef(static_cast<OpKind>(k)), all[k]);
  }
}

TEST(OpRegistryTest, EverySchemaParsesBackAndItsNameFindsTheOp) {
  absl::flat_hash_set<std::string> names;
  for (const OpDef* op : AllOps()) {
    SCOPED_TRACE(op->name());
    std::string text = op->schema().ToString();
    absl::StatusOr<OpSchema> again = OpSchema::Parse(text);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->ToString(), text);
    EXPECT_EQ(again->full_name(), op->name());
    EXPECT_EQ(FindOp(op->name()), op);
    EXPECT_TRUE(names.insert(op->name()).second) << "duplicate name";
    EXPECT_NE(op->shape_fn(), nullptr);
  }
}

TEST(OpRegistryTest, FindsOverloadsByFullName) {
  ASSERT_NE(FindOp("add"), nullptr);
  EXPECT_EQ(FindOp("add")->kind(), OpKind::kAdd);
  ASSERT_NE(FindOp("mul.Scalar"), nullptr);
  EXPECT_EQ(FindOp("mul.Scalar")->kind(), OpKind::kMulScalar);
  ASSERT_NE(FindOp("add_.Scalar"), nullptr);
  EXPECT_EQ(FindOp("add_.Scalar")->kind(), OpKind::kAddScalar_);
  EXPECT_EQ(GetOpDef(OpKind::kMaxPool2dWithIndices).name(), "max_pool2d_with_indices");
  EXPECT_EQ(FindOp("mul.Tensor"), nullptr);
  EXPECT_EQ(FindOp("Add"), nullptr);
  EXPECT_EQ(FindOp(""), nullptr);
}

TEST(OpRegistryTest, InplaceAndViewFlagsFollowTheSchema) {
  for (const OpDef* op : AllOps()) {
    SCOPED_TRACE(op->name());
    const OpSchema& s = op->schema();
    EXPECT_EQ(op->is_inplace(), s.mutates());
    EXPECT_EQ(op->is_view(), s.is_alias() && !s.mutates());
    // Only in-place ops end in '_', and every in-place op does.
    EXPECT_EQ(op->is_inplace(), absl::EndsWith(s.name(), "_"));
    if (op->is_inplace()) {
      // `self` is written and returned.
      ASSERT_FALSE(s.tensor_args().empty());
      const SchemaArg& self = s.args()[s.tensor_args()[0]];
      EXPECT_EQ(self.name, "self");
      EXPECT_TRUE(self.mutated);
      ASSERT_EQ(s.num_results(), 1);
      EXPECT_TRUE(s.results()[0].mutated);
      EXPECT_EQ(s.results()[0].alias_set, self.alias_set);
    }
  }
}

TEST(OpRegistryTest, InplaceOpsPairWithTheirFunctionalForms) {
  std::vector<std::string> unpaired;
  for (const OpDef* op : AllOps()) {
    SCOPED_TRACE(op->name());
    if (!op->is_inplace()) {
      if (const OpDef* inplace = op->inplace_form()) {
        EXPECT_EQ(inplace->functional_form(), op);
      }
      EXPECT_EQ(op->functional_form(), nullptr);
      continue;
    }
    EXPECT_EQ(op->inplace_form(), nullptr);
    const OpDef* f = op->functional_form();
    if (f == nullptr) {
      unpaired.push_back(op->name());
      continue;
    }
    const OpSchema& s = op->schema();
    EXPECT_EQ(f->schema().name(), s.name().substr(0, s.name().size() - 1));
    EXPECT_EQ(f->schema().overload(), s.overload());
    EXPECT_EQ(f->inplace_form(), op);
    EXPECT_FALSE(f->is_inplace());
    EXPECT_FALSE(f->is_view());
    // Both forms compute the same thing: same arguments, same properties.
    ASSERT_EQ(f->schema().args().size(), s.args().size());
    for (size_t i = 0; i < s.args().size(); ++i) {
      EXPECT_EQ(f->schema().args()[i].name, s.args()[i].name);
      EXPECT_EQ(f->schema().args()[i].kind, s.args()[i].kind);
    }
    for (OpFlag flag : {kElementwise, kReduction, kRandom, kComputeIntensive, kCreation, kBackward}) {
      EXPECT_EQ(op->has(flag), f->has(flag)) << "flag " << flag;
    }
  }
  // fill_ and zero_ have no functional form in the op set.
  EXPECT_EQ(unpaired, (std::vector<std::string>{"fill_", "zero_"}));

  EXPECT_EQ(GetOpDef(OpKind::kAdd).inplace_form(), &GetOpDef(OpKind::kAdd_));
  EXPECT_EQ(GetOpDef(OpKind::kAdd_).functional_form(), &GetOpDef(OpKind::kAdd));
  EXPECT_EQ(GetOpDef(OpKind::kAddScalar).inplace_form(), &GetOpDef(OpKind::kAddScalar_));
  EXPECT_EQ(GetOpDef(OpKind::kDivScalar_).functional_form(), &GetOpDef(OpKind::kDivScalar));
  EXPECT_EQ(GetOpDef(OpKind::kMaskedFill_).functional_form(), &GetOpDef(OpKind::kMaskedFill));
  EXPECT_EQ(GetOpDef(OpKind::kIndexAdd_).functional_form(), &GetOpDef(OpKind::kIndexAdd));
  EXPECT_EQ(GetOpDef(OpKind::kCopy_).functional_form(), &GetOpDef(OpKind::kCopy));
  EXPECT_EQ(GetOpDef(OpKind::kRsubScalar).inplace_form(), nullptr);
  EXPECT_EQ(GetOpDef(OpKind::kFill_).functional_form(), nullptr);
}

TEST(OpRegistryTest, ViewOpsAreExactlyTheAliasingShapeOps) {
  std::vector<std::string> views;
  for (const OpDef* op : AllOps()) {
    if (!op->is_view()) continue;
    views.push_back(op->name());
    EXPECT_TRUE(op->has(kShapeOnly)) << op->name();
    EXPECT_FALSE(op->is_inplace()) << op->name();
  }
  EXPECT_EQ(views, (std::vector<std::string>{"view", "permute", "transpose", "expand", "squeeze", "unsqueeze", "slice",
                                             "select", "split", "chunk"}));
  // The copying forms are not views.
  EXPECT_FALSE(GetOpDef(OpKind::kReshape).is_view());
  EXPECT_FALSE(GetOpDef(OpKind::kCat).is_view());
  EXPECT_TRUE(GetOpDef(OpKind::kSplit).schema().variadic_results());
  EXPECT_TRUE(GetOpDef(OpKind::kChunk).schema().variadic_results());
}

TEST(OpRegistryTest, FlagSpotChecks) {
  const OpDef& add = GetOpDef(OpKind::kAdd);
  EXPECT_TRUE(add.is_elementwise());
  EXPECT_FALSE(add.is_reduction());
  EXPECT_FALSE(add.is_view());
  EXPECT_FALSE(add.is_inplace());
  EXPECT_FALSE(add.has(kNonDifferentiable));
  EXPECT_TRUE(GetOpDef(OpKind::kAdd_).is_elementwise());
  EXPECT_TRUE(GetOpDef(OpKind::kAdd_).is_inplace());
  EXPECT_EQ(GetOpDef(OpKind::kNeg).flags(), static_cast<uint32_t>(kElementwise));
  EXPECT_TRUE(GetOpDef(OpKind::kSum).is_reduction());
  EXPECT_TRUE(GetOpDef(OpKind::kVarMean).is_reduction());
  EXPECT_TRUE(GetOpDef(OpKind::kArgmax).has(kNonDifferentiable));
  EXPECT_TRUE(GetOpDef(OpKind::kMatmul).is_compute_intensive());
  EXPECT_TRUE(GetOpDef(OpKind::kConv2d).is_compute_intensive());
  EXPECT_TRUE(GetOpDef(OpKind::kConv2dBackwardWeight).is_compute_intensive());
  EXPECT_FALSE(GetOpDef(OpKind::kSoftmax).is_compute_intensive());
  EXPECT_TRUE(GetOpDef(OpKind::kDropout).is_random());
  EXPECT_FALSE(GetOpDef(OpKind::kDropout).has(kCreation));
  EXPECT_TRUE(GetOpDef(OpKind::kRandn).is_random());
  EXPECT_TRUE(GetOpDef(OpKind::kRandn).has(kCreation));
  EXPECT_FALSE(GetOpDef(OpKind::kZeros).is_random());
  EXPECT_TRUE(GetOpDef(OpKind::kZerosLike).has(kNonDifferentiable));
  EXPECT_TRUE(GetOpDef(OpKind::kEq).has(kNonDifferentiable));
  EXPECT_TRUE(GetOpDef(OpKind::kGtScalar).has(kNonDifferentiable));
  EXPECT_TRUE(GetOpDef(OpKind::kDetach).has(kShapeOnly));
  EXPECT_TRUE(GetOpDef(OpKind::kReshape).has(kShapeOnly));
  EXPECT_TRUE(GetOpDef(OpKind::kThresholdBackward).has(kBackward));
  EXPECT_EQ(GetOpDef(OpKind::kSliceBackward).flags(), static_cast<uint32_t>(kBackward | kShapeOnly));
  EXPECT_EQ(GetOpDef(OpKind::kLayerNorm).flags(), static_cast<uint32_t>(kNoFlags));
  // Only creation ops have no tensor operand, and random ops take an
  // optional seed.
  for (const OpDef* op : AllOps()) {
    if (op->schema().tensor_args().empty()) {
      EXPECT_TRUE(op->has(kCreation)) << op->name();
    }
    if (op->is_random()) {
      EXPECT_GE(op->schema().TensorArgIndex("seed"), 0) << op->name();
    }
  }
}

TEST(OpRegistryTest, MultiResultSchemas) {
  EXPECT_EQ(GetOpDef(OpKind::kLayerNorm).schema().num_results(), 3);
  EXPECT_EQ(GetOpDef(OpKind::kBatchNorm).schema().num_results(), 5);
  EXPECT_EQ(GetOpDef(OpKind::kMaxPool2dWithIndices).schema().num_results(), 2);
  EXPECT_EQ(GetOpDef(OpKind::kVarMean).schema().results()[1].name, "mean");
  EXPECT_EQ(GetOpDef(OpKind::kCat).schema().args()[0].kind, SchemaArg::Kind::kTensorList);
  EXPECT_EQ(GetOpDef(OpKind::kLinear).schema().args()[2].kind, SchemaArg::Kind::kOptionalTensor);
}

// --- Shape rules: one case (at least) per op --------------------------------

struct ShapeCase {
  OpKind kind;
  BuildFn build;
  std::string want;  // The result metas, joined by ", ".
};

std::vector<ShapeCase> ElementwiseCases() {
  using K = OpKind;
  return {
      // Unary.
      {K::kNeg, Args({"f32[4,3]"}), "f32[4,3]"},
      {K::kNeg, Args({"i64[2]"}), "i64[2]"},
      {K::kAbs, Args({"i32[5]"}), "i32[5]"},
      {K::kExp, Args({"i64[2,2]"}), "f32[2,2]"},  // Integers compute in the default float.
      {K::kExp, Args({"f64[3]"}), "f64[3]"},
      {K::kLog, Args({"f16[3]"}), "f16[3]"},
      {K::kLog1p, Args({"bf16[2]"}), "bf16[2]"},
      {K::kExpm1, Args({"f32[]"}), "f32[]"},
      {K::kSqrt, Args({"bool[3]"}), "f32[3]"},
      {K::kRsqrt, Args({"f32[2,3]@cuda:0"}), "f32[2,3]@cuda:0"},
      {K::kReciprocal, Args({"i32[4]"}), "f32[4]"},
      {K::kSin, Args({"f32[B,3]"}), "f32[B,3]"},
      {K::kCos, Args({"f32[B,3]"}), "f32[B,3]"},
      {K::kTanh, Args({"f64[2]"}), "f64[2]"},
      {K::kSigmoid, Args({"u8[2]"}), "f32[2]"},
      {K::kRelu, Args({"i64[3]"}), "i64[3]"},
      {K::kErf, Args({"f32[1]"}), "f32[1]"},
      {K::kSign, Args({"f32[3]"}), "f32[3]"},
      {K::kGelu, Args({"f32[3]"}), "f32[3]"},
      {K::kGelu, Args({"bf16[3]"}, {{"approximate", "tanh"}}), "bf16[3]"},
      {K::kSilu, Args({"f16[2]"}), "f16[2]"},
      {K::kClamp, Args({"f32[4]"}, {{"min", 0}, {"max", 1.0}}), "f32[4]"},
      {K::kClamp, Args({"i64[4]"}, {{"min", 0}}), "i64[4]"},
      {K::kClamp, Args({"i64[4]"}, {{"min", 0.5}}), "f32[4]"},  // A float bound promotes.
      {K::kClamp, Args({"bool[4]"}, {{"max", 1}}), "i64[4]"},
      {K::kDetach, Args({"f32[2,2]"}), "f32[2,2]"},
      // Binary: broadcasting.
      {K::kAdd, Args({"f32[4,1]", "f32[3]"}), "f32[4,3]"},
      {K::kAdd, Args({"f32[2,1,3]", "f32[4,1]"}), "f32[2,4,3]"},
      {K::kAdd, Args({"f32[]", "f32[3]"}), "f32[3]"},
      {K::kAdd, Args({"f32[B,1]", "f32[3]"}), "f32[B,3]"},
      {K::kAdd, Args({"f32[0,1]", "f32[3]"}), "f32[0,3]"},
      // Binary: type promotion.
      {K::kAdd, Args({"i64[2]", "f32[2]"}, {{"alpha", 2}}), "f32[2]"},
      {K::kAdd, Args({"f16[2]", "bf16[2]"}), "f32[2]"},
      {K::kAdd, Args({"f64[2]", "f32[2]"}), "f64[2]"},
      {K::kAdd, Args({"bool[2]", "i32[2]"}), "i32[2]"},
      {K::kAdd, Args({"u8[3]", "i32[3]"}), "i32[3]"},
      {K::kAdd, Args({"u8[3]", "bool[3]"}), "u8[3]"},
      {K::kAdd, Args({"i32[3]", "i64[3]"}), "i64[3]"},
      {K::kAdd, Args({"f16[3]@cuda:0", "f16[3]@cuda:0"}), "f16[3]@cuda:0"},
      {K::kAddScalar, Args({"i64[3]"}, {{"other", 2}}), "i64[3]"},
      {K::kAddScalar, Args({"i64[3]"}, {{"other", 2.5}}), "f32[3]"},
      {K::kAddScalar, Args({"bool[3]"}, {{"other", 1}}), "i64[3]"},
      {K::kAddScalar, Args({"bool[2]"}, {{"other", true}}), "bool[2]"},
      {K::kAddScalar, Args({"f16[2]"}, {{"other", 2.5}}), "f16[2]"},  // Scalars don't widen.
      {K::kSub, Args({"i32[3]", "i32[3]"}), "i32[3]"},
      {K::kSubScalar, Args({"i32[2]"}, {{"other", 1.5}}), "f32[2]"},
      {K::kRsubScalar, Args({"f32[2]"}, {{"other", 1}}), "f32[2]"},
      {K::kMul, Args({"bool[3]", "bool[3]"}), "bool[3]"},
      {K::kMul, Args({"f32[2,3]@cuda:0", "f32[3]@cuda:0"}), "f32[2,3]@cuda:0"},
      {K::kMulScalar, Args({"u8[2]"}, {{"other", 3}}), "u8[2]"},
      {K::kDiv, Args({"i64[4]", "i64[4]"}), "f32[4]"},  // True division.
      {K::kDiv, Args({"f64[2]", "i32[2]"}), "f64[2]"},
      {K::kDivScalar, Args({"i32[3]"}, {{"other", 2}}), "f32[3]"},
      {K::kPow, Args({"i64[3]", "i64[3]"}), "i64[3]"},
      {K::kPow, Args({"f32[3]", "i64[1]"}), "f32[3]"},
      {K::kPowScalar, Args({"i64[3]"}, {{"exponent", 2}}), "i64[3]"},
      {K::kPowScalar, Args({"i64[3]"}, {{"exponent", 0.5}}), "f32[3]"},
      {K::kMaximum, Args({"i32[3]", "f16[3]"}), "f16[3]"},
      {K::kMinimum, Args({"i32[2,1]", "i64[3]"}), "i64[2,3]"},
      // Comparisons give bool.
      {K::kEq, Args({"f32[4,1]", "i64[3]"}), "bool[4,3]"},
      {K::kNe, Args({"i32[2]", "i32[2]"}), "bool[2]"},
      {K::kLt, Args({"f32[2]", "f32[]"}), "bool[2]"},
      {K::kLe, Args({"f16[1,2]", "f32[2,1]"}), "bool[2,2]"},
      {K::kGt, Args({"bool[2]", "bool[2]"}), "bool[2]"},
      {K::kGe, Args({"f32[2]@cuda:0", "f32[2]@cuda:0"}), "bool[2]@cuda:0"},
      {K::kEqScalar, Args({"f32[2]"}, {{"other", 1}}), "bool[2]"},
      {K::kNeScalar, Args({"i64[2]"}, {{"other", 0.5}}), "bool[2]"},
      {K::kLtScalar, Args({"f32[2,3]"}, {{"other", 0}}), "bool[2,3]"},
      {K::kLeScalar, Args({"f32[]"}, {{"other", 0}}), "bool[]"},
      {K::kGtScalar, Args({"u8[4]"}, {{"other", 1}}), "bool[4]"},
      {K::kGeScalar, Args({"f64[1]"}, {{"other", true}}), "bool[1]"},
      {K::kWhere, Args({"bool[4,1]", "f32[3]", "i64[1]"}), "f32[4,3]"},
      {K::kWhere, Args({"bool[2]", "i32[2]", "i64[]"}), "i64[2]"},
      {K::kMaskedFill, Args({"f32[2,3]", "bool[3]"}, {{"value", 0}}), "f32[2,3]"},
      {K::kMaskedFill, Args({"i64[2,3]", "bool[2,1]"}, {{"value", 1}}), "i64[2,3]"},
  };
}

std::vector<ShapeCase> ReductionCases() {
  using K = OpKind;
  return {
      {K::kSum, Args({"f32[2,3,4]"}), "f32[]"},
      {K::kSum, Args({"f32[2,3,4]"}, {{"dim", Ints{-1}}, {"keepdim", true}}), "f32[2,3,1]"},
      {K::kSum, Args({"f32[2,3,4]"}, {{"dim", Ints{0, 2}}}), "f32[3]"},
      {K::kSum, Args({"f32[2,3,4]"}, {{"dim", Ints{}}, {"keepdim", true}}), "f32[1,1,1]"},
      {K::kSum, Args({"i32[3]"}), "i64[]"},
      {K::kSum, Args({"bool[2,2]"}, {{"dim", Ints{1}}}), "i64[2]"},
      {K::kSum, Args({"f16[2,2]"}, {{"dtype", DType::kFloat64}}), "f64[]"},
      {K::kSum, Args({"f32[]"}, {{"dim", Ints{0}}}), "f32[]"},
      {K::kSum, Args({"f32[]"}, {{"dim", Ints{-1}}, {"keepdim", true}}), "f32[]"},
      {K::kSum, Args({"f32[B,3]"}, {{"dim", Ints{1}}}), "f32[B]"},
      {K::kMean, Args({"f32[2,3]"}, {{"dim", Ints{-1}}, {"keepdim", true}}), "f32[2,1]"},
      {K::kMean, Args({"i64[4]"}, {{"dtype", DType::kFloat32}}), "f32[]"},
      {K::kMean, Args({"bf16[4,5]@cuda:0"}, {{"dim", Ints{-2}}}), "bf16[5]@cuda:0"},
      {K::kAmax, Args({"f32[2,3]"}, {{"dim", Ints{1}}}), "f32[2]"},
      {K::kAmax, Args({"i64[2,3]"}), "i64[]"},  // dim=[] reduces every dimension.
      {K::kAmin, Args({"i32[2,3]"}, {{"dim", Ints{-2}}, {"keepdim", true}}), "i32[1,3]"},
      {K::kArgmax, Args({"f32[2,3]"}), "i64[]"},
      {K::kArgmax, Args({"f32[2,3]"}, {{"dim", -1}}), "i64[2]"},
      {K::kArgmax, Args({"f32[2,3]"}, {{"dim", 1}, {"keepdim", true}}), "i64[2,1]"},
      {K::kArgmax, Args({"f32[2,3]"}, {{"keepdim", true}}), "i64[1,1]"},
      {K::kVar, Args({"f32[4,5]"}, {{"dim", Ints{1}}}), "f32[4]"},
      {K::kVar, Args({"f32[4,5]"}, {{"dim", Ints{1}}, {"correction", 0}, {"keepdim", true}}), "f32[4,1]"},
      {K::kStd, Args({"f64[3,2]"}), "f64[]"},
      {K::kVarMean, Args({"f32[4,5]"}, {{"dim", Ints{0}}}), "f32[5], f32[5]"},
      {K::kVarMean, Args({"f16[4,5]"}, {{"keepdim", true}}), "f16[1,1], f16[1,1]"},
      {K::kLogsumexp, Args({"f32[2,3]"}, {{"dim", Ints{1}}}), "f32[2]"},
      {K::kLogsumexp, Args({"f32[2,3]"}, {{"dim", Ints{-1}}, {"keepdim", true}}), "f32[2,1]"},
  };
}

std::vector<ShapeCase> ShapeAndViewCases() {
  using K = OpKind;
  return {
      {K::kReshape, Args({"f32[3,4]"}, {{"shape", Ints{-1}}}), "f32[12]"},
      {K::kReshape, Args({"i64[3,4]"}, {{"shape", Ints{2, -1, 3}}}), "i64[2,2,3]"},
      {K::kReshape, Args({"f32[]"}, {{"shape", Ints{1, 1}}}), "f32[1,1]"},
      {K::kReshape, Args({"f32[1,1]"}, {{"shape", Ints{}}}), "f32[]"},
      {K::kReshape, Args({"f32[0,3]"}, {{"shape", Ints{-1, 3}}}), "f32[0,3]"},
      {K::kView, Args({"f32[2,6]@cuda:0"}, {{"size", Ints{3, -1}}}), "f32[3,4]@cuda:0"},
      {K::kPermute, Args({"f32[2,3,4]"}, {{"dims", Ints{2, 0, 1}}}), "f32[4,2,3]"},
      {K::kPermute, Args({"f32[2,3,4]"}, {{"dims", Ints{-1, -3, -2}}}), "f32[4,2,3]"},
      {K::kTranspose, Args({"f32[2,3,4]"}, {{"dim0", 0}, {"dim1", -1}}), "f32[4,3,2]"},
      {K::kTranspose, Args({"f32[]"}, {{"dim0", 0}, {"dim1", -1}}), "f32[]"},
      {K::kExpand, Args({"f32[3,1]"}, {{"size", Ints{2, 3, 4}}}), "f32[2,3,4]"},
      {K::kExpand, Args({"f32[3,1]"}, {{"size", Ints{-1, 5}}}), "f32[3,5]"},
      {K::kSqueeze, Args({"f32[1,3,1]"}), "f32[3]"},
      {K::kSqueeze, Args({"f32[1,3,1]"}, {{"dim", Ints{0}}}), "f32[3,1]"},
      {K::kSqueeze, Args({"f32[1,3,1]"}, {{"dim", Ints{1}}}), "f32[1,3,1]"},  // Not 1: kept.
      {K::kSqueeze, Args({"f32[1,3,1]"}, {{"dim", Ints{-1, 0}}}), "f32[3]"},
      {K::kUnsqueeze, Args({"f32[2,3]"}, {{"dim", -1}}), "f32[2,3,1]"},
      {K::kUnsqueeze, Args({"f32[2,3]"}, {{"dim", 0}}), "f32[1,2,3]"},
      {K::kUnsqueeze, Args({"f32[]"}, {{"dim", 0}}), "f32[1]"},
      {K::kSlice, Args({"f32[10,4]"}, {{"start", 2}, {"end", 8}, {"step", 3}}), "f32[2,4]"},
      {K::kSlice, Args({"f32[10,4]"}, {{"dim", 1}, {"start", -3}}), "f32[10,3]"},
      {K::kSlice, Args({"f32[10,4]"}, {{"end", 100}}), "f32[10,4]"},
      {K::kSlice, Args({"f32[10,4]"}, {{"start", 5}, {"end", 2}}), "f32[0,4]"},
      {K::kSelect, Args({"f32[3,4]"}, {{"dim", 1}, {"index", -1}}), "f32[3]"},
      {K::kSelect, Args({"f32[3]"}, {{"dim", 0}, {"index", 2}}), "f32[]"},
      {K::kSplit, Args({"f32[10,2]"}, {{"split_size", 4}}), "f32[4,2], f32[4,2], f32[2,2]"},
      {K::kSplit, Args({"f32[2,2]"}, {{"split_size", 1}, {"dim", -1}}), "f32[2,1], f32[2,1]"},
      {K::kSplit, Args({"f32[3]"}, {{"split_size", 5}}), "f32[3]"},
      {K::kChunk, Args({"f32[5,2]"}, {{"chunks", 3}}), "f32[2,2], f32[2,2], f32[1,2]"},
      {K::kChunk, Args({"f32[5,2]"}, {{"chunks", 4}}), "f32[2,2], f32[2,2], f32[1,2]"},
      {K::kChunk, Args({"f32[2,6]"}, {{"chunks", 2}, {"dim", 1}}), "f32[2,3], f32[2,3]"},
      {K::kChunk, Args({"f32[0]"}, {{"chunks", 2}}), "f32[0], f32[0]"},
      {K::kCat, Groups({{"f32[2,3]", "f32[4,3]"}}), "f32[6,3]"},
      {K::kCat, Groups({{"f32[2,3]", "i64[2,1]"}}, {{"dim", -1}}), "f32[2,4]"},
      {K::kCat, Groups({{"i32[5]"}}), "i32[5]"},
      {K::kStack, Groups({{"f32[2,3]", "f32[2,3]"}}), "f32[2,2,3]"},
      {K::kStack, Groups({{"f32[2,3]", "f32[2,3]", "f32[2,3]"}}, {{"dim", -1}}), "f32[2,3,3]"},
      {K::kStack, Groups({{"f32[]", "f32[]"}}), "f32[2]"},
      {K::kTriu, Args({"f32[3,3]"}, {{"diagonal", 1}}), "f32[3,3]"},
      {K::kTril, Args({"i64[2,4,4]"}), "i64[2,4,4]"},
      {K::kIndexSelect, Args({"f32[5,3]", "i64[2]"}, {{"dim", 0}}), "f32[2,3]"},
      {K::kIndexSelect, Args({"f32[5,3]", "i32[]"}, {{"dim", -1}}), "f32[5,1]"},
      {K::kGather, Args({"f32[3,4]", "i64[3,2]"}, {{"dim", 1}}), "f32[3,2]"},
      {K::kScatterAdd, Args({"f32[3,4]", "i64[2,4]", "f32[2,4]"}, {{"dim", 0}}), "f32[3,4]"},
      {K::kIndexAdd, Args({"f32[5,3]", "i64[2]", "f32[2,3]"}, {{"dim", 0}, {"alpha", 2}}), "f32[5,3]"},
  };
}

std::vector<ShapeCase> LinearAlgebraCases() {
  using K = OpKind;
  return {
      {K::kMatmul, Args({"f32[3]", "f32[3]"}), "f32[]"},
      {K::kMatmul, Args({"f32[3]", "f32[3,4]"}), "f32[4]"},
      {K::kMatmul, Args({"f32[2,3]", "f32[3]"}), "f32[2]"},
      {K::kMatmul, Args({"f32[2,3]", "f32[3,4]"}), "f32[2,4]"},
      {K::kMatmul, Args({"f32[5,1,2,3]", "f32[4,3,6]"}), "f32[5,4,2,6]"},
      {K::kMatmul, Args({"f32[3]", "f32[7,3,2]"}), "f32[7,2]"},
      {K::kMatmul, Args({"f32[7,2,3]", "f32[3]"}), "f32[7,2]"},
      {K::kMatmul, Args({"bf16[B,2,3]", "bf16[3,4]"}), "bf16[B,2,4]"},
      {K::kMm, Args({"f32[2,3]", "f32[3,4]"}), "f32[2,4]"},
      {K::kBmm, Args({"f16[5,2,3]@cuda:0", "f16[5,3,4]@cuda:0"}), "f16[5,2,4]@cuda:0"},
      {K::kAddmm, Args({"f32[4]", "f32[2,3]", "f32[3,4]"}, {{"beta", 0.5}}), "f32[2,4]"},
      {K::kAddmm, Args({"f32[2,4]", "f32[2,3]", "f32[3,4]"}), "f32[2,4]"},
      {K::kLinear, Args({"f32[8,5,3]", "f32[4,3]", "f32[4]"}), "f32[8,5,4]"},
      {K::kLinear, Args({"f32[3]", "f32[4,3]", ""}), "f32[4]"},
  };
}

std::vector<ShapeCase> NeuralNetworkCases() {
  using K = OpKind;
  return {
      {K::kSoftmax, Args({"f32[2,3]"}, {{"dim", -1}}), "f32[2,3]"},
      {K::kLogSoftmax, Args({"f16[4]"}, {{"dim", 0}}), "f16[4]"},
      {K::kLayerNorm, Args({"f32[2,3,4]", "f32[4]", "f32[4]"}, {{"normalized_shape", Ints{4}}}),
       "f32[2,3,4], f32[2,3,1], f32[2,3,1]"},
      {K::kLayerNorm, Args({"f32[2,3,4]", "", ""}, {{"normalized_shape", Ints{3, 4}}, {"eps", 1e-6}}),
       "f32[2,3,4], f32[2,1,1], f32[2,1,1]"},
      {K::kBatchNorm, Args({"f32[8,3,5,5]", "f32[3]", "f32[3]", "f32[3]", "f32[3]"}, {{"training", true}}),
       "f32[8,3,5,5], f32[3], f32[3], f32[3], f32[3]"},
      {K::kBatchNorm, Args({"f32[8,3]", "", "", "", ""}, {{"training", true}, {"momentum", 0.01}}),
       "f32[8,3], f32[3], f32[3], f32[3], f32[3]"},
      {K::kBatchNorm, Args({"f32[8,3,5]", "", "", "f32[3]", "f32[3]"}, {{"training", false}}),
       "f32[8,3,5], f32[3], f32[3], f32[3], f32[3]"},
      // (32 + 2*1 - 3) / 2 + 1 = 16.
      {K::kConv2d,
       Args({"f32[2,3,32,32]", "f32[8,3,3,3]", "f32[8]"}, {{"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}}),
       "f32[2,8,16,16]"},
      {K::kConv2d, Args({"f32[1,4,10,10]", "f32[6,2,3,3]", ""}, {{"groups", 2}}), "f32[1,6,8,8]"},
      // Depthwise, one-element stride and dilation: (9 - 2*2 - 1) / 2 + 1 = 3.
      {K::kConv2d,
       Args({"f32[1,4,9,9]", "f32[4,1,3,3]", ""}, {{"stride", Ints{2}}, {"dilation", Ints{2}}, {"groups", 4}}),
       "f32[1,4,3,3]"},
      {K::kConv2d, Args({"f32[N,3,7,5]", "f32[2,3,3,1]", ""}, {{"padding", Ints{1, 0}}}), "f32[N,2,7,5]"},
      // stride defaults to kernel_size: (5 - 2) / 2 + 1 = 2, ceil: 3.
      {K::kMaxPool2dWithIndices, Args({"f32[1,1,5,5]"}, {{"kernel_size", Ints{2, 2}}}), "f32[1,1,2,2], i64[1,1,2,2]"},
      {K::kMaxPool2dWithIndices, Args({"f32[1,1,5,5]"}, {{"kernel_size", Ints{2, 2}}, {"ceil_mode", true}}),
       "f32[1,1,3,3], i64[1,1,3,3]"},
      // ceil_mode drops a last window that would start in the right padding.
      {K::kMaxPool2dWithIndices,
       Args({"f32[1,1,5,5]"}, {{"kernel_size", Ints{2}}, {"padding", Ints{1}}, {"ceil_mode", true}}),
       "f32[1,1,3,3], i64[1,1,3,3]"},
      {K::kMaxPool2dWithIndices, Args({"f32[3,8,8]"}, {{"kernel_size", Ints{3}}, {"stride", Ints{2}}}),
       "f32[3,3,3], i64[3,3,3]"},
      {K::kAvgPool2d, Args({"f32[1,2,6,6]"}, {{"kernel_size", Ints{3, 3}}, {"stride", Ints{2, 2}}}), "f32[1,2,2,2]"},
      {K::kAvgPool2d,
       Args({"f32[1,2,6,6]"}, {{"kernel_size", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"ceil_mode", true}}),
       "f32[1,2,3,3]"},
      {K::kAvgPool2d, Args({"f32[1,2,7,7]"}, {{"kernel_size", Ints{3}}, {"padding", Ints{1}}, {"divisor_override", 4}}),
       "f32[1,2,3,3]"},
      {K::kAdaptiveAvgPool2d, Args({"f32[2,3,7,9]"}, {{"output_size", Ints{1}}}), "f32[2,3,1,1]"},
      {K::kAdaptiveAvgPool2d, Args({"f32[3,7,9]"}, {{"output_size", Ints{2, 3}}}), "f32[3,2,3]"},
      {K::kEmbedding, Args({"f32[10,4]", "i64[2,5]"}), "f32[2,5,4]"},
      {K::kEmbedding, Args({"bf16[10,4]", "i32[]"}, {{"padding_idx", 0}}), "bf16[4]"},
      {K::kDropout, Args({"f32[3,4]", ""}, {{"p", 0.1}}), "f32[3,4], bool[3,4]"},
      {K::kDropout, Args({"f16[3]@cuda:0", "i64[2]"}, {{"train", false}}), "f16[3]@cuda:0, bool[3]@cuda:0"},
      {K::kNllLoss, Args({"f32[8,5]", "i64[8]", ""}), "f32[]"},
      {K::kNllLoss, Args({"f32[8,5]", "i64[8]", "f32[5]"}, {{"reduction", 0}}), "f32[8]"},
      {K::kNllLoss, Args({"f32[5]", "i64[]", ""}, {{"reduction", 2}}), "f32[]"},
      {K::kCrossEntropy, Args({"f32[8,5]", "i64[8]", ""}, {{"label_smoothing", 0.1}}), "f32[]"},
      {K::kCrossEntropy, Args({"f64[8,5]", "i64[8]", ""}, {{"reduction", 0}}), "f64[8]"},
      {K::kMseLoss, Args({"f32[2,3]", "f32[2,3]"}), "f32[]"},
      {K::kMseLoss, Args({"f32[2,3]", "f32[2,3]"}, {{"reduction", 0}}), "f32[2,3]"},
  };
}

std::vector<ShapeCase> CreationCases() {
  using K = OpKind;
  return {
      {K::kFull, Args({}, {{"size", Ints{2, 3}}, {"fill_value", 1.5}}), "f32[2,3]"},
      {K::kFull, Args({}, {{"size", Ints{2}}, {"fill_value", 7}}), "i64[2]"},
      {K::kFull, Args({}, {{"size", Ints{}}, {"fill_value", true}}), "bool[]"},
      {K::kFull,
       Args({}, {{"size", Ints{2, 3}}, {"fill_value", 1}, {"dtype", DType::kFloat16}, {"device", Device::Cuda(0)}}),
       "f16[2,3]@cuda:0"},
      {K::kZeros, Args({}, {{"size", Ints{4}}}), "f32[4]"},
      {K::kZeros, Args({}, {{"size", Ints{4, 0}}, {"dtype", DType::kInt32}, {"device", Device::Cuda(1)}}),
       "i32[4,0]@cuda:1"},
      {K::kOnes, Args({}, {{"size", Ints{}}}), "f32[]"},
      {K::kOnes, Args({}, {{"size", Ints{2}}, {"dtype", DType::kBool}}), "bool[2]"},
      {K::kArange, Args({}, {{"start", 0}, {"end", 10}, {"step", 3}}), "i64[4]"},
      {K::kArange, Args({}, {{"start", 0}, {"end", 1}, {"step", 0.25}}), "f32[4]"},
      {K::kArange, Args({}, {{"start", 5}, {"end", 0}, {"step", -2}}), "i64[3]"},
      {K::kArange, Args({}, {{"start", 0}, {"end", 3}, {"dtype", DType::kFloat64}}), "f64[3]"},
      {K::kArange, Args({}, {{"start", 2}, {"end", 2}}), "i64[0]"},
      {K::kConstant, Args({}, {{"values", std::vector<double>{1, 2, 3, 4, 5, 6}}, {"shape", Ints{2, 3}}}),
       "f32[2,3]"},
      {K::kConstant,
       Args({}, {{"values", std::vector<double>{7}}, {"shape", Ints{}}, {"dtype", DType::kInt64}}), "i64[]"},
      {K::kRand, Args({""}, {{"size", Ints{2, 2}}}), "f32[2,2]"},
      {K::kRand, Args({"i64[2]"}, {{"size", Ints{2, 2}}, {"dtype", DType::kFloat16}}), "f16[2,2]"},
      {K::kRandn, Args({""}, {{"size", Ints{3}}, {"device", Device::Cuda(0)}}), "f32[3]@cuda:0"},
      {K::kZerosLike, Args({"i64[2,3]"}), "i64[2,3]"},
      {K::kZerosLike, Args({"i64[2,3]"}, {{"dtype", DType::kFloat32}}), "f32[2,3]"},
      {K::kOnesLike, Args({"f32[2]@cuda:0"}, {{"dtype", DType::kBool}}), "bool[2]@cuda:0"},
      {K::kFullLike, Args({"i64[3]"}, {{"fill_value", 2.5}}), "i64[3]"},  // Keeps self's dtype.
      {K::kToCopy, Args({"f32[2]"}, {{"dtype", DType::kFloat16}, {"device", Device::Cuda(0)}}), "f16[2]@cuda:0"},
      {K::kToCopy, Args({"i32[2]@cuda:0"}), "i32[2]@cuda:0"},
      {K::kToCopy, Args({"f32[2]@cuda:0"}, {{"device", Device::Cpu()}}), "f32[2]"},
      {K::kClone, Args({"i64[3]"}), "i64[3]"},
      {K::kCopy, Args({"f32[2,3]", "f64[3]"}), "f32[2,3]"},
  };
}

std::vector<ShapeCase> InplaceCases() {
  using K = OpKind;
  return {
      // The result is `self`: its shape, dtype and device.
      {K::kAdd_, Args({"f32[4,3]", "f32[3]"}), "f32[4,3]"},
      {K::kAdd_, Args({"f32[3]", "i64[3]"}), "f32[3]"},
      {K::kAdd_, Args({"f32[3]", "f64[3]"}), "f32[3]"},  // Same category: cast back.
      {K::kAdd_, Args({"i32[3]", "i64[]"}), "i32[3]"},
      {K::kAdd_, Args({"f16[2]@cuda:0", "f32[2]@cuda:0"}), "f16[2]@cuda:0"},
      {K::kAddScalar_, Args({"f32[3]"}, {{"other", 1}}), "f32[3]"},
      {K::kSub_, Args({"i64[3]", "i32[3]"}), "i64[3]"},
      {K::kSubScalar_, Args({"f16[2]"}, {{"other", 0.5}}), "f16[2]"},
      {K::kMul_, Args({"f32[2,3]", "bool[1]"}), "f32[2,3]"},
      {K::kMulScalar_, Args({"i32[2]"}, {{"other", 3}}), "i32[2]"},
      {K::kDiv_, Args({"f32[4]", "i64[4]"}), "f32[4]"},
      {K::kDivScalar_, Args({"f64[2]"}, {{"other", 2}}), "f64[2]"},
      {K::kNeg_, Args({"f32[3]"}), "f32[3]"},
      {K::kExp_, Args({"f32[3]"}), "f32[3]"},
      {K::kSqrt_, Args({"f64[3]"}), "f64[3]"},
      {K::kRelu_, Args({"i64[3]"}), "i64[3]"},
      {K::kSigmoid_, Args({"f16[3]"}), "f16[3]"},
      {K::kTanh_, Args({"bf16[3]"}), "bf16[3]"},
      {K::kClamp_, Args({"f32[3]"}, {{"min", 0}}), "f32[3]"},
      {K::kClamp_, Args({"i64[3]"}, {{"min", 0}, {"max", 5}}), "i64[3]"},
      {K::kCopy_, Args({"f32[2,3]", "i64[3]"}), "f32[2,3]"},
      {K::kCopy_, Args({"f32[2,3]", "f16[2,3]@cuda:0"}), "f32[2,3]"},  // Copies across devices.
      {K::kFill_, Args({"i64[3]"}, {{"value", 2.5}}), "i64[3]"},
      {K::kZero_, Args({"bool[2]"}), "bool[2]"},
      {K::kMaskedFill_, Args({"f32[2,3]", "bool[2,1]"}, {{"value", 0}}), "f32[2,3]"},
      {K::kIndexAdd_, Args({"f32[5,3]", "i64[2]", "f32[5,2]"}, {{"dim", 1}}), "f32[5,3]"},
  };
}

std::vector<ShapeCase> BackwardCases() {
  using K = OpKind;
  return {
      {K::kThresholdBackward, Args({"f32[4,3]", "f32[4,3]"}, {{"threshold", 0}}), "f32[4,3]"},
      {K::kSigmoidBackward, Args({"f32[2]", "f32[2]"}), "f32[2]"},
      {K::kTanhBackward, Args({"f16[2]", "f16[2]"}), "f16[2]"},
      {K::kGeluBackward, Args({"f32[2]", "f32[2]"}, {{"approximate", "tanh"}}), "f32[2]"},
      {K::kSiluBackward, Args({"f32[2]@cuda:0", "f32[2]@cuda:0"}), "f32[2]@cuda:0"},
      {K::kSoftmaxBackward, Args({"f32[2,3]", "f32[2,3]"}, {{"dim", -1}}), "f32[2,3]"},
      {K::kLogSoftmaxBackward, Args({"f32[2,3]", "f32[2,3]"}, {{"dim", 1}}), "f32[2,3]"},
      {K::kLayerNormBackward,
       Args({"f32[2,3,4]", "f32[2,3,4]", "f32[2,3,1]", "f32[2,3,1]", "f32[4]", "f32[4]"},
            {{"normalized_shape", Ints{4}}}),
       "f32[2,3,4], f32[4], f32[4]"},
      {K::kBatchNormBackward,
       Args({"f32[8,3,5,5]", "f32[8,3,5,5]", "f32[3]", "", "", "f32[3]", "f32[3]"},
            {{"training", true}, {"eps", 1e-5}}),
       "f32[8,3,5,5], f32[3], f32[3]"},
      {K::kConv2dBackwardInput,
       Args({"f32[2,8,16,16]", "f32[8,3,3,3]"},
            {{"input_size", Ints{2, 3, 32, 32}}, {"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}}),
       "f32[2,3,32,32]"},
      {K::kConv2dBackwardWeight,
       Args({"f32[2,8,16,16]", "f32[2,3,32,32]"},
            {{"weight_size", Ints{8, 3, 3, 3}}, {"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}}),
       "f32[8,3,3,3]"},
      {K::kMaxPool2dWithIndicesBackward,
       Args({"f32[1,1,2,2]", "f32[1,1,5,5]", "i64[1,1,2,2]"}, {{"kernel_size", Ints{2, 2}}}), "f32[1,1,5,5]"},
      {K::kAvgPool2dBackward,
       Args({"f32[1,2,3,3]", "f32[1,2,6,6]"},
            {{"kernel_size", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"ceil_mode", true}}),
       "f32[1,2,6,6]"},
      {K::kAdaptiveAvgPool2dBackward, Args({"f32[2,3,1,1]", "f32[2,3,7,9]"}), "f32[2,3,7,9]"},
      {K::kEmbeddingBackward, Args({"f32[2,5,4]", "i64[2,5]"}, {{"num_weights", 10}}), "f32[10,4]"},
      {K::kNllLossBackward, Args({"f32[]", "f32[8,5]", "i64[8]", ""}), "f32[8,5]"},
      {K::kMseLossBackward, Args({"f32[]", "f32[2,3]", "f32[2,3]"}), "f32[2,3]"},
      {K::kSelectBackward, Args({"f32[3]"}, {{"input_sizes", Ints{3, 4}}, {"dim", 1}, {"index", 2}}), "f32[3,4]"},
      {K::kSliceBackward,
       Args({"f32[2,4]"}, {{"input_sizes", Ints{10, 4}}, {"dim", 0}, {"start", 2}, {"end", 8}, {"step", 3}}),
       "f32[10,4]"},
  };
}

std::vector<ShapeCase> AllCases() {
  std::vector<ShapeCase> all;
  for (auto cases : {ElementwiseCases(), ReductionCases(), ShapeAndViewCases(), LinearAlgebraCases(),
                     NeuralNetworkCases(), CreationCases(), InplaceCases(), BackwardCases()}) {
    all.insert(all.end(), cases.begin(), cases.end());
  }
  return all;
}

// Runs every case; checks the result metas and that the number of results
// matches the schema.
void ExpectCases(const std::vector<ShapeCase>& cases) {
  for (size_t i = 0; i < cases.size(); ++i) {
    const ShapeCase& c = cases[i];
    const OpDef& op = GetOpDef(c.kind);
    SCOPED_TRACE(absl::StrCat(op.name(), ", case ", i, ", want ", c.want));
    Graph g;
    absl::StatusOr<Node*> node = c.build(g, c.kind);
    if (!node.ok()) {
      ADD_FAILURE() << node.status();
      continue;
    }
    EXPECT_EQ((*node)->kind(), c.kind);
    EXPECT_EQ(ResultMetas(**node), c.want);
    if (!op.schema().variadic_results()) {
      EXPECT_EQ((*node)->num_results(), op.schema().num_results());
    }
  }
}

TEST(ShapeRuleTest, EveryOpHasACase) {
  std::vector<int> count(kNumOps, 0);
  for (const ShapeCase& c : AllCases()) ++count[static_cast<int>(c.kind)];
  for (int k = 0; k < kNumOps; ++k) {
    EXPECT_GT(count[k], 0) << "no shape-rule case for '" << Def(k).name() << "': add one to the tables in op_test.cc";
  }
}

TEST(ShapeRuleTest, Elementwise) { ExpectCases(ElementwiseCases()); }
TEST(ShapeRuleTest, Reductions) { ExpectCases(ReductionCases()); }
TEST(ShapeRuleTest, ShapesAndViews) { ExpectCases(ShapeAndViewCases()); }
TEST(ShapeRuleTest, LinearAlgebra) { ExpectCases(LinearAlgebraCases()); }
TEST(ShapeRuleTest, NeuralNetworkOps) { ExpectCases(NeuralNetworkCases()); }
TEST(ShapeRuleTest, Creation) { ExpectCases(CreationCases()); }
TEST(ShapeRuleTest, Inplace) { ExpectCases(InplaceCases()); }
TEST(ShapeRuleTest, Backward) { ExpectCases(BackwardCases()); }

TEST(ShapeRuleTest, ResultsAreNamedAfterTheOp) {
  Graph g;
  Value* x = g.AddInput("x", T("f32[6,2]"));
  absl::StatusOr<Node*> split = g.Create(OpKind::kSplit, {x}, {{"split_size", 2}});
  ASSERT_TRUE(split.ok()) << split.status();
  ASSERT_EQ((*split)->num_results(), 3);
  EXPECT_EQ((*split)->result(0)->name(), "split");
  EXPECT_EQ((*split)->result(2)->name(), "split_2");
  EXPECT_EQ((*split)->result(2)->index(), 2);
  // Absent attributes take the schema's defaults.
  EXPECT_EQ((*split)->attr("dim"), AttrValue(0));
}

// --- Shape rules: bad inputs ----------------------------------------------------

struct ErrorCase {
  OpKind kind;
  BuildFn build;
  std::string fragment;  // Part of the message after "<op name>: ".
};

std::vector<ErrorCase> ErrorCases() {
  using K = OpKind;
  return {
      // Elementwise.
      {K::kAdd, Args({"f32[4,3]", "f32[5]"}),
       "'self' is f32[4,3], 'other' is f32[5]: cannot broadcast [4,3] with [5] (dimension 1: 3 vs 5)"},
      {K::kAdd, Args({"f32[3]", "f32[3]@cuda:0"}),
       "expected all tensors on one device, but 'other' is on cuda:0 and an earlier operand on cpu"},
      {K::kMul, Args({"f32[3]@cuda:0", "f32[3]@cuda:1"}), "'other' is on cuda:1 and an earlier operand on cuda:0"},
      {K::kEq, Args({"f32[2,3]", "f32[3,2]"}), "'self' is f32[2,3], 'other' is f32[3,2]: cannot broadcast"},
      {K::kWhere, Args({"f32[3]", "f32[3]", "f32[3]"}), "condition must be bool, got f32[3]"},
      {K::kWhere, Args({"bool[2]", "f32[3]", "f32[3]"}),
       "condition bool[2], self f32[3], other f32[3]: cannot broadcast [2] with [3]"},
      {K::kMaskedFill, Args({"f32[3]", "bool[2,3]"}, {{"value", 0}}),
       "mask bool[2,3] does not broadcast to self f32[3]"},
      {K::kGelu, Args({"f32[3]"}, {{"approximate", "fast"}}), "approximate must be \"none\" or \"tanh\", got \"fast\""},
      // Reductions.
      {K::kMean, Args({"i64[3]"}), "cannot infer the result dtype of an integer input i64[3]; pass dtype"},
      {K::kSum, Args({"f32[2,3]"}, {{"dim", Ints{2}}}),
       "dim 2 is out of range for a tensor of rank 2 (expected -2 to 1)"},
      {K::kAmax, Args({"f32[2,3]"}, {{"dim", Ints{-3}}}), "dim -3 is out of range for a tensor of rank 2"},
      {K::kSum, Args({"f32[]"}, {{"dim", Ints{1}}}), "dim 1 is out of range for a tensor of rank 0 (expected -1 to 0)"},
      {K::kSum, Args({"f32[2,3]"}, {{"dim", Ints{1, -1}}}), "dim -1 appears twice in [1,-1]"},
      {K::kArgmax, Args({"f32[2,3]"}, {{"dim", 2}}), "dim 2 is out of range for a tensor of rank 2"},
      {K::kVar, Args({"i64[3]"}), "'self' must be a floating tensor, got i64[3]"},
      // Shapes and views.
      {K::kReshape, Args({"f32[3,4]"}, {{"shape", Ints{5, 2}}}),
       "shape [5,2] is invalid for input f32[3,4] of 12 elements"},
      {K::kView, Args({"f32[3,4]"}, {{"size", Ints{-1, 5}}}), "shape [-1,5] is invalid for input f32[3,4]"},
      {K::kReshape, Args({"f32[3,4]"}, {{"shape", Ints{-1, -1}}}), "only one dimension can be -1"},
      {K::kPermute, Args({"f32[2,3,4]"}, {{"dims", Ints{0, 1}}}), "dims [0,1] do not match rank 3 of f32[2,3,4]"},
      {K::kPermute, Args({"f32[2,3]"}, {{"dims", Ints{0, -2}}}), "dim -2 repeats in [0,-2]"},
      {K::kTranspose, Args({"f32[2,3]"}, {{"dim0", 0}, {"dim1", 2}}), "dim 2 is out of range for a tensor of rank 2"},
      {K::kExpand, Args({"f32[3,2]"}, {{"size", Ints{3, 4}}}),
       "cannot expand f32[3,2] to [3,4]: dimension 1 is 2, not 1"},
      {K::kUnsqueeze, Args({"f32[2,3]"}, {{"dim", 3}}),
       "dim 3 is out of range for a tensor of rank 3 (expected -3 to 2)"},
      {K::kSelect, Args({"f32[3,4]"}, {{"dim", 0}, {"index", 3}}), "index 3 is out of range for dimension 0 of size 3"},
      {K::kSlice, Args({"f32[3,4]"}, {{"step", 0}}), "step must be positive, got 0"},
      {K::kCat, Groups({{"f32[2,3]", "f32[2,4]"}}),
       "tensor 1 is f32[2,4] but tensor 0 is f32[2,3]; sizes must match except in dimension 0"},
      {K::kCat, Groups({{"f32[2,3]", "f32[3]"}}, {{"dim", 0}}), "tensor 1 is f32[3] but tensor 0 is f32[2,3]"},
      {K::kCat, Groups({{"f32[2]", "f32[2]@cuda:0"}}), "'tensors' is on cuda:0 and an earlier operand on cpu"},
      {K::kCat, Groups({{}}), "needs at least one tensor"},
      {K::kStack, Groups({{"f32[2,3]", "f32[3,2]"}}), "tensor 1 is f32[3,2] but tensor 0 is f32[2,3]"},
      {K::kGather, Args({"f32[3,4]", "i64[3]"}, {{"dim", 0}}), "index i64[3] must have the rank of self f32[3,4]"},
      {K::kIndexSelect, Args({"f32[5,3]", "f32[2]"}, {{"dim", 0}}), "'index' must be an i64 or i32 tensor, got f32[2]"},
      {K::kTriu, Args({"f32[3]"}), "'self' must have rank 2 to 64, got f32[3]"},
      // Linear algebra.
      {K::kMatmul, Args({"f32[2,3]", "f32[4,5]"}),
       "cannot multiply f32[2,3] by f32[4,5]: inner dimensions 3 and 4 differ"},
      {K::kMatmul, Args({"f32[2,3,4]", "f32[5,4,6]"}),
       "batch dimensions of f32[2,3,4] and f32[5,4,6] do not broadcast"},
      {K::kMatmul, Args({"f32[2,3]", "f64[3,4]"}), "expected one dtype, got f32[2,3] and f64[3,4]"},
      {K::kMatmul, Args({"f32[]", "f32[3]"}), "both arguments need at least one dimension, got f32[] and f32[3]"},
      {K::kMm, Args({"f32[3]", "f32[3,4]"}), "'self' must have rank 2, got f32[3]"},
      {K::kBmm, Args({"f32[2,2,3]", "f32[3,3,4]"}), "batch sizes differ: f32[2,2,3] and f32[3,3,4]"},
      {K::kAddmm, Args({"f32[3]", "f32[2,3]", "f32[3,4]"}), "self f32[3] does not broadcast to [2,4]"},
      {K::kLinear, Args({"f32[8,5]", "f32[4,3]", ""}), "input f32[8,5] has 5 features but weight f32[4,3] expects 3"},
      {K::kLinear, Args({"f32[8,3]", "f32[4,3]", "f32[3]"}), "bias f32[3] must be f32[4]"},
      // Neural-network ops.
      {K::kConv2d, Args({"f32[1,3,8,8]", "f32[8,4,3,3]", ""}),
       "input f32[1,3,8,8] has 3 channels; weight f32[8,4,3,3] with groups=1 expects 4"},
      {K::kConv2d, Args({"f32[1,4,8,8]", "f32[6,2,3,3]", ""}, {{"groups", 3}}),
       "input f32[1,4,8,8] has 4 channels; weight f32[6,2,3,3] with groups=3 expects 6"},
      {K::kConv2d, Args({"f32[1,3,8,8]", "f32[8,3,3,3]", "f32[4]"}), "bias f32[4] must have shape [8]"},
      // The kernel does not fit even once; a stride > 1 must not hide that.
      {K::kConv2d, Args({"f32[1,1,2,2]", "f32[1,1,3,3]", ""}, {{"stride", Ints{2, 2}}}),
       "kernel f32[1,1,3,3] is larger than the padded input f32[1,1,2,2]"},
      {K::kMaxPool2dWithIndices, Args({"f32[1,1,2,2]"}, {{"kernel_size", Ints{3}}, {"stride", Ints{2}}}),
       "input f32[1,1,2,2] is smaller than the kernel"},
      {K::kMaxPool2dWithIndices, Args({"f32[1,1,8,8]"}, {{"kernel_size", Ints{2}}, {"padding", Ints{2}}}),
       "padding must be non-negative and at most half the kernel size"},
      {K::kAvgPool2d, Args({"f32[4,4]"}, {{"kernel_size", Ints{2}}}), "'self' must have rank 3 to 4, got f32[4,4]"},
      {K::kLayerNorm, Args({"f32[2,3,4]", "", ""}, {{"normalized_shape", Ints{3}}}),
       "input f32[2,3,4] does not end in normalized_shape [3]"},
      {K::kLayerNorm, Args({"f32[2,3,4]", "f32[3]", ""}, {{"normalized_shape", Ints{4}}}),
       "'weight' f32[3] must have shape [4]"},
      {K::kBatchNorm, Args({"f32[8,3,5,5]", "f32[4]", "", "", ""}, {{"training", true}}),
       "'weight' f32[4] must have shape [3] (the channels of input f32[8,3,5,5])"},
      {K::kBatchNorm, Args({"f32[8,3]", "", "", "", ""}, {{"training", false}}),
       "inference (training=false) needs running statistics"},
      {K::kEmbedding, Args({"f32[10,4]", "f32[3]"}), "'indices' must be an i64 or i32 tensor, got f32[3]"},
      {K::kDropout, Args({"f32[3]", ""}, {{"p", 1.5}}), "p must be in [0, 1], got 1.5"},
      {K::kDropout, Args({"f32[3]", "i32[2]"}), "seed must be i64[2] (seed, offset), got i32[2]"},
      {K::kNllLoss, Args({"f32[8,5]", "i64[4]", ""}), "target i64[4] must have shape [8] for input f32[8,5]"},
      {K::kMseLoss, Args({"f32[2,3]", "f32[3]"}), "self f32[2,3] and target f32[3] differ in shape"},
      {K::kMseLoss, Args({"f32[2]", "f32[2]"}, {{"reduction", 3}}),
       "reduction must be 0 (none), 1 (mean) or 2 (sum), got 3"},
      // Creation.
      {K::kZeros, Args({}, {{"size", Ints{2, -1}}}), "negative size in [2,-1]"},
      {K::kRand, Args({""}, {{"size", Ints{2}}, {"dtype", DType::kInt64}}),
       "random values need a floating dtype, got i64"},
      {K::kRandn, Args({"f32[2]"}, {{"size", Ints{2}}}), "seed must be i64[2] (seed, offset), got f32[2]"},
      {K::kArange, Args({}, {{"start", 0}, {"end", 3}, {"step", 0}}), "step must be nonzero"},
      {K::kArange, Args({}, {{"start", 5}, {"end", 0}}), "range [5, 0) with step 1 is empty in the wrong direction"},
      {K::kArange, Args({}, {{"start", 0}, {"end", -0.5}}),
       "range [0, -0.5) with step 1 is empty in the wrong direction"},
      {K::kCopy, Args({"f32[3]", "f32[2,3]"}), "src f32[2,3] does not broadcast to self f32[3]"},
      // In-place.
      {K::kAdd_, Args({"i64[3]", "f32[3]"}), "result type f32 cannot be written in place into i64[3]"},
      {K::kAdd_, Args({"bool[3]", "i64[3]"}), "result type i64 cannot be written in place into bool[3]"},
      {K::kAdd_, Args({"f32[3]", "f32[2,3]"}), "'other' f32[2,3] does not broadcast to the in-place target f32[3]"},
      {K::kAdd_, Args({"f32[3]", "f32[3]@cuda:0"}), "'other' is on cuda:0 and an earlier operand on cpu"},
      {K::kDiv_, Args({"i64[4]", "i64[4]"}), "result type f32 cannot be written in place into i64[4]"},
      {K::kAddScalar_, Args({"i64[3]"}, {{"other", 1.5}}), "result type f32 cannot be written in place into i64[3]"},
      {K::kDivScalar_, Args({"i32[3]"}, {{"other", 2}}), "result type f32 cannot be written in place into i32[3]"},
      {K::kClamp_, Args({"i64[3]"}, {{"min", 0.5}}), "result type f32 cannot be written in place into i64[3]"},
      {K::kExp_, Args({"i64[3]"}), "'self' must be a floating tensor, got i64[3]"},
      {K::kMaskedFill_, Args({"f32[3]", "bool[2,3]"}, {{"value", 0}}),
       "mask bool[2,3] does not broadcast to self f32[3]"},
      {K::kIndexAdd_, Args({"f32[5,3]", "i64[2]", "f32[2,2]"}, {{"dim", 0}}), "source f32[2,2] must have shape [2,3]"},
      // Backward.
      {K::kThresholdBackward, Args({"f32[3]", "f32[4]"}, {{"threshold", 0}}),
       "'grad_output' is f32[3] but 'self' is f32[4]; expected equal shapes"},
      {K::kLayerNormBackward,
       Args({"f32[2,4]", "f32[2,3]", "f32[2,1]", "f32[2,1]", "", ""}, {{"normalized_shape", Ints{3}}}),
       "grad_out f32[2,4] and input f32[2,3] differ in shape"},
      {K::kConv2dBackwardInput, Args({"f32[2,8,4,4]", "f32[8,3,3,3]"}, {{"input_size", Ints{2, 3, 6}}}),
       "input_size must have 4 elements, got [2,3,6]"},
      {K::kEmbeddingBackward, Args({"f32[2,4]", "i64[2,5]"}, {{"num_weights", 10}}),
       "grad_output f32[2,4] must be indices i64[2,5] plus one embedding dimension"},
      {K::kSelectBackward, Args({"f32[3]"}, {{"input_sizes", Ints{3, -4}}, {"dim", 1}, {"index", 0}}),
       "negative size in input_sizes [3,-4]"},
  };
}

// Runs every case; checks that Graph::Create fails with InvalidArgument
// "<op name>: ..." containing the fragment and leaves the graph empty.
void ExpectErrors(const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& c : cases) {
    const OpDef& op = GetOpDef(c.kind);
    SCOPED_TRACE(absl::StrCat(op.name(), ": ", c.fragment));
    Graph g;
    absl::StatusOr<Node*> node = c.build(g, c.kind);
    if (node.ok()) {
      ADD_FAILURE() << "accepted, giving " << ResultMetas(**node);
      continue;
    }
    EXPECT_EQ(node.status().code(), absl::StatusCode::kInvalidArgument) << node.status();
    EXPECT_TRUE(absl::StartsWith(node.status().message(), absl::StrCat(op.name(), ": "))) << node.status();
    EXPECT_TRUE(absl::StrContains(node.status().message(), c.fragment)) << node.status();
    EXPECT_EQ(g.num_nodes(), 0);
  }
}

TEST(ShapeRuleTest, RejectsBadInputsNamingTheOpAndBothSides) { ExpectErrors(ErrorCases()); }

TEST(ShapeRuleTest, SymbolicSizesSomeRulesCannotComputeAreUnimplemented) {
  Graph g;
  Value* x = g.AddInput("x", T("f32[B,3]"));
  absl::StatusOr<Node*> reshape = g.Create(OpKind::kReshape, {x}, {{"shape", Ints{-1}}});
  EXPECT_EQ(reshape.status().code(), absl::StatusCode::kUnimplemented) << reshape.status();
  EXPECT_TRUE(absl::StrContains(reshape.status().message(), "reshape: reshaping symbolic shape [B,3]"))
      << reshape.status();
  absl::StatusOr<Node*> split = g.Create(OpKind::kSplit, {x}, {{"split_size", 2}});
  EXPECT_EQ(split.status().code(), absl::StatusCode::kUnimplemented) << split.status();
  EXPECT_TRUE(absl::StrContains(split.status().message(), "split: symbolic dimension 'B'")) << split.status();
}

// Attribute and operand errors come from Graph::Create, before the rule.
TEST(ShapeRuleTest, RejectsBadAttributesAndOperandCounts) {
  using K = OpKind;
  ExpectErrors({
      {K::kTranspose, Args({"f32[2,3]"}, {{"dim0", 0}}), "missing required attribute 'dim1'"},
      {K::kZeros, Args({}), "missing required attribute 'size'"},
      {K::kAdd, Args({"f32[3]", "f32[3]"}, {{"beta", 2}}), "no attribute named 'beta' (schema: add(Tensor self"},
      {K::kSum, Args({"f32[3]"}, {{"keepdim", 1}}), "attribute 'keepdim' expects bool, got 1"},
      {K::kSoftmax, Args({"f32[3]"}, {{"dim", 0.5}}), "attribute 'dim' expects int, got 0.5"},
      {K::kSum, Args({"f32[3]"}, {{"dim", 0}}), "attribute 'dim' expects int[]?, got 0"},
      {K::kSum, Args({"f32[3]"}, {{"keepdim", AttrValue::None()}}), "attribute 'keepdim' expects bool, got None"},
      {K::kZeros, Args({}, {{"size", Ints{2}}, {"dtype", "f32"}}), "attribute 'dtype' expects ScalarType, got \"f32\""},
      {K::kToCopy, Args({"f32[3]"}, {{"device", "cuda"}}), "attribute 'device' expects Device?, got \"cuda\""},
      {K::kAddScalar, Args({"f32[3]"}, {{"other", "one"}}), "attribute 'other' expects Scalar, got \"one\""},
      {K::kSum, Args({"f32[3]"}, {{"keepdim", true}, {"keepdim", false}}), "attribute 'keepdim' given twice"},
      {K::kAdd, Args({"f32[3]"}), "expected 2 operands, got 1"},
      {K::kNeg, Args({"f32[3]", "f32[3]"}), "expected 1 operands, got 2"},
      {K::kAdd, Args({"f32[3]", ""}), "argument 'other' takes one tensor, got 0"},
      {K::kAdd, Groups({{"f32[3]", "f32[3]"}, {"f32[3]"}}), "argument 'self' takes one tensor, got 2"},
      {K::kLinear, Groups({{"f32[3]"}, {"f32[4,3]"}, {"f32[4]", "f32[4]"}}),
       "argument 'bias' takes at most one tensor, got 2"},
      {K::kCat, Groups({}), "expected 1 tensor arguments, got 0"},
  });
}

}  // namespace
}  // namespace aot::ir
