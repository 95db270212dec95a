#include "aot/ir/verifier.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aot/base/check.h"
#include "aot/ir/graph.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot::ir {
namespace {

using ::testing::HasSubstr;

// Unwraps a node the test builds on purpose (a failure is a test bug).
Node* Must(absl::StatusOr<Node*> node) {
  AOT_CHECK(node.ok()) << node.status();
  return *node;
}

TensorMeta F32(Shape shape) { return TensorMeta(std::move(shape), DType::kFloat32); }

TEST(VerifierTest, AcceptsEmptyGraph) {
  Graph g;
  EXPECT_TRUE(VerifyGraph(g).ok());
}

TEST(VerifierTest, AcceptsGraphWithManyOps) {
  Graph g("forward");
  Value* x = g.AddInput("x", F32({4, 3}));
  Value* w = g.AddInput("w", F32({5, 3}));
  Value* seed = g.AddInput("seed", TensorMeta(Shape{2}, DType::kInt64));
  Value* unused = g.AddInput("unused", F32({7}));
  (void)unused;

  // Elementwise, with scalar attributes and a comparison.
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  Node* add = Must(g.Create(OpKind::kAdd, {cos->result(), x}, {{"alpha", 2}}));
  Node* mul = Must(g.Create(OpKind::kMulScalar, {add->result()}, {{"other", 0.5}}));
  Node* gt = Must(g.Create(OpKind::kGtScalar, {x}, {{"other", 0}}));
  Node* where = Must(g.Create(OpKind::kWhere, {gt->result(), x, mul->result()}));
  // Reductions, one with two results.
  Node* sum = Must(g.Create(OpKind::kSum, {where->result()},
                            {{"dim", std::vector<int64_t>{1}}, {"keepdim", true}}));
  Node* mean = Must(g.Create(OpKind::kMean, {x}));
  Node* amax = Must(g.Create(OpKind::kAmax, {x}, {{"dim", std::vector<int64_t>{0}}}));
  Node* var_mean = Must(g.Create(OpKind::kVarMean, {x}, {{"dim", std::vector<int64_t>{1}}}));
  // Views and shape ops.
  Node* view = Must(g.Create(OpKind::kView, {x}, {{"size", std::vector<int64_t>{12}}}));
  Node* reshape = Must(g.Create(OpKind::kReshape, {view->result()}, {{"shape", std::vector<int64_t>{3, 4}}}));
  Node* permute = Must(g.Create(OpKind::kPermute, {reshape->result()}, {{"dims", std::vector<int64_t>{1, 0}}}));
  Node* transpose = Must(g.Create(OpKind::kTranspose, {x}, {{"dim0", 0}, {"dim1", 1}}));
  Node* unsqueeze = Must(g.Create(OpKind::kUnsqueeze, {x}, {{"dim", 0}}));
  Node* slice = Must(g.Create(OpKind::kSlice, {x}, {{"dim", 0}, {"start", 1}, {"end", 3}}));
  Node* expand = Must(g.Create(OpKind::kExpand, {sum->result()}, {{"size", std::vector<int64_t>{4, 3}}}));
  // A list operand and variadic results.
  Node* cat = Must(g.CreateWithGroups(OpKind::kCat, {{x, slice->result(), expand->result()}}));
  Node* split = Must(g.Create(OpKind::kSplit, {cat->result()}, {{"split_size", 4}}));
  // An absent optional operand, three results, a seeded random op.
  Node* linear = Must(g.Create(OpKind::kLinear, {x, w, nullptr}));
  Node* layer_norm = Must(g.Create(OpKind::kLayerNorm, {linear->result(), nullptr, nullptr},
                                   {{"normalized_shape", std::vector<int64_t>{5}}}));
  Node* softmax = Must(g.Create(OpKind::kSoftmax, {layer_norm->result(0)}, {{"dim", -1}}));
  Node* dropout = Must(g.Create(OpKind::kDropout, {x, seed}, {{"p", 0.25}}));
  // Creation and an in-place write.
  Node* zeros = Must(g.Create(OpKind::kZeros, {}, {{"size", std::vector<int64_t>{4, 3}}}));
  Node* add_ = Must(g.Create(OpKind::kAdd_, {zeros->result(), dropout->result(0)}));

  ASSERT_EQ(layer_norm->num_results(), 3);
  ASSERT_EQ(split->num_results(), 3);  // 10 rows in pieces of 4.
  g.SetOutputs({softmax->result(), layer_norm->result(1), layer_norm->result(2), split->result(2),
                permute->result(), transpose->result(), unsqueeze->result(), mean->result(), amax->result(),
                var_mean->result(0), var_mean->result(1), add_->result(), x});

  absl::Status status = VerifyGraph(g);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(VerifyGraph(g, {.check_metadata = false}).ok());
}

TEST(VerifierTest, ReportsResultShapeThatDisagreesWithShapeRule) {
  Graph g;
  Value* x = g.AddInput("x", F32({4, 3}));
  Value* y = g.AddInput("y", F32({4, 3}));
  Must(g.CreateUnchecked(OpKind::kMul, {{x}, {y}}, {}, {F32({4, 5})}, {"mul"}));

  absl::Status status = VerifyGraph(g);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("node mul (mul): result 0 is f32[4,5] but the shape rule gives f32[4,3]"));
}

TEST(VerifierTest, ReportsResultDTypeAndDeviceThatDisagreeWithShapeRule) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Must(g.CreateUnchecked(OpKind::kCos, {{x}}, {}, {F32({4})}, {"ok"}));
  Must(g.CreateUnchecked(OpKind::kSin, {{x}}, {}, {TensorMeta(Shape{4}, DType::kFloat64)}, {"bad_dtype"}));
  absl::Status status = VerifyGraph(g);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("node bad_dtype (sin): result 0 is f64[4] but the shape rule gives f32[4]"));

  Graph h;
  Value* z = h.AddInput("z", F32({2}));
  Must(h.CreateUnchecked(OpKind::kNeg, {{z}}, {}, {TensorMeta(Shape{2}, DType::kFloat32, Device::Cuda(0))},
                         {"neg"}));
  status = VerifyGraph(h);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("node neg (neg): result 0 is f32[2]@cuda:0 but the shape rule gives f32[2]"));
}

TEST(VerifierTest, IgnoresStridesAndRequiresGrad) {
  Graph g;
  Value* x = g.AddInput("x", F32({4, 3}));
  TensorMeta meta = F32({4, 3});
  meta.strides = {1, 4};
  meta.requires_grad = true;
  Must(g.CreateUnchecked(OpKind::kCos, {{x}}, {}, {meta}, {"cos"}));
  EXPECT_TRUE(VerifyGraph(g).ok());
}

TEST(VerifierTest, SkipsMetadataWhenDisabled) {
  Graph g;
  Value* x = g.AddInput("x", F32({4, 3}));
  Must(g.CreateUnchecked(OpKind::kCos, {{x}}, {}, {F32({9})}, {"cos"}));
  EXPECT_FALSE(VerifyGraph(g).ok());
  EXPECT_TRUE(VerifyGraph(g, {.check_metadata = false}).ok());
}

TEST(VerifierTest, ReportsShapeRuleError) {
  Graph g;
  Value* x = g.AddInput("x", F32({4, 3}));
  Value* y = g.AddInput("y", F32({5}));
  Must(g.CreateUnchecked(OpKind::kMul, {{x}, {y}}, {}, {F32({4, 3})}, {"mul"}));

  absl::Status status = VerifyGraph(g);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("node mul (mul): shape rule failed: mul: "));
  // The rule's own message names both shapes.
  EXPECT_THAT(status.message(), HasSubstr("[5]"));
}

TEST(VerifierTest, ReportsResultCountThatDisagreesWithSchema) {
  Graph g;
  Value* x = g.AddInput("x", F32({4, 3}));
  Must(g.CreateUnchecked(OpKind::kLayerNorm, {{x}, {}, {}}, {{"normalized_shape", std::vector<int64_t>{3}}},
                         {F32({4, 3}), F32({4, 1})}, {"ln", "ln_mean"}));

  absl::Status status = VerifyGraph(g, {.check_metadata = false});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("node ln (layer_norm): has 2 results but the schema declares 3"));
}

TEST(VerifierTest, ReportsVariadicResultCountThatDisagreesWithShapeRule) {
  Graph g;
  Value* x = g.AddInput("x", F32({6, 3}));
  // split(x, 3) gives two pieces.
  Must(g.CreateUnchecked(OpKind::kSplit, {{x}}, {{"split_size", 3}}, {F32({3, 3}), F32({3, 3}), F32({0, 3})},
                         {"s0", "s1", "s2"}));

  // The count is structural: checked even without metadata.
  absl::Status status = VerifyGraph(g, {.check_metadata = false});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("node s0 (split): has 3 results but the shape rule gives 2"));
}

TEST(VerifierTest, ReportsNodeWithoutResultsByPosition) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Must(g.Create(OpKind::kCos, {x}));
  Must(g.CreateUnchecked(OpKind::kSin, {{x}}, {}, {}, {}));

  absl::Status status = VerifyGraph(g);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("node #1 (sin): has 0 results but the schema declares 1"));
}

TEST(VerifierTest, ReportsOperandUsedBeforeDefinition) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  Node* sin = Must(g.Create(OpKind::kSin, {cos->result()}));
  g.SetOutputs({sin->result()});
  ASSERT_TRUE(VerifyGraph(g).ok());

  g.MoveBefore(sin, cos);
  absl::Status status = VerifyGraph(g);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("node sin (sin): operand 0 (cos) is used before its definition"));

  // Sorting repairs it.
  ASSERT_TRUE(g.SortTopologically().ok());
  EXPECT_TRUE(VerifyGraph(g).ok());
}

TEST(VerifierTest, ReportsNodeUsingItsOwnResult) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  cos->set_operand(0, cos->result());

  absl::Status status = VerifyGraph(g);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("node cos (cos): operand 0 (cos) is used before its definition"));
  cos->set_operand(0, x);  // Unlink the self-use before the graph goes away.
}

TEST(VerifierTest, ReportsNullOperand) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* add = Must(g.Create(OpKind::kAdd, {x, x}));
  add->set_operand(1, nullptr);

  absl::Status status = VerifyGraph(g);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("node add (add): operand 1 is null"));
}

TEST(VerifierTest, ReportsOperandFromAnotherGraph) {
  Graph other("other");  // Outlives `g`, whose node refers to it.
  Value* y = other.AddInput("y", F32({4}));
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  cos->set_operand(0, y);

  absl::Status status = VerifyGraph(g);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("node cos (cos): operand 0 (y) belongs to another graph"));

  // The other graph sees a user it does not own.
  status = VerifyGraph(other);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("value y is used by node cos (cos) of another graph"));
}

TEST(VerifierTest, ReportsOutputFromAnotherGraph) {
  Graph other("other");
  Value* y = other.AddInput("y", F32({4}));
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  g.SetOutputs({x});
  g.set_output(0, y);

  absl::Status status = VerifyGraph(g);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("output 0 (y) belongs to another graph"));

  status = VerifyGraph(other);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("value y is used as output 0, which is not an output of this graph"));
}

TEST(VerifierTest, ReportsNullOutput) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  g.SetOutputs({x, x});
  g.set_output(1, nullptr);

  absl::Status status = VerifyGraph(g);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("output 1 is null"));
}

TEST(VerifierTest, ReportsNegativeInputDimension) {
  Graph g;
  g.AddInput("x", F32({4, -1}));

  absl::Status status = VerifyGraph(g);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("input 0 (x): value x has a negative dimension: f32[4,-1]"));
}

TEST(VerifierTest, ReportsFirstBrokenNodeInProgramOrder) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Must(g.CreateUnchecked(OpKind::kCos, {{x}}, {}, {F32({1})}, {"first"}));
  Must(g.CreateUnchecked(OpKind::kSin, {{x}}, {}, {F32({2})}, {"second"}));

  absl::Status status = VerifyGraph(g);
  EXPECT_THAT(status.message(), HasSubstr("node first (cos)"));
}

TEST(VerifierTest, AcceptsGraphAfterEdits) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  Node* sin = Must(g.Create(OpKind::kSin, {cos->result()}));
  CreateOptions before_cos;
  before_cos.insert_before = cos;
  Node* exp = Must(g.Create(OpKind::kExp, {x}, {}, before_cos));
  g.SetOutputs({sin->result()});
  sin->set_operand(0, exp->result());
  ASSERT_TRUE(g.EraseNode(cos).ok());

  absl::Status status = VerifyGraph(g);
  EXPECT_TRUE(status.ok()) << status;
}

}  // namespace
}  // namespace aot::ir
