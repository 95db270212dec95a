#include "aot/ir/passes/cse.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/base/check.h"
#include "aot/ir/graph.h"
#include "aot/ir/verifier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot::ir {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Unwraps a node the test builds on purpose (a failure is a test bug).
Node* Must(absl::StatusOr<Node*> node) {
  AOT_CHECK(node.ok()) << node.status();
  return *node;
}

TensorMeta F32(Shape shape) { return TensorMeta(std::move(shape), DType::kFloat32); }

// The nodes as "name = op(operand, ...)", in program order.
std::vector<std::string> Nodes(const Graph& g) {
  std::vector<std::string> out;
  for (const Node* n : g.node_range()) {
    std::vector<std::string> operands;
    for (int i = 0; i < n->num_operands(); ++i) operands.push_back(n->operand(i)->name());
    out.push_back(absl::StrCat(n->name(), " = ", n->op().name(), "(", absl::StrJoin(operands, ", "), ")"));
  }
  return out;
}

std::vector<std::string> Outputs(const Graph& g) {
  std::vector<std::string> out;
  for (const Value* v : g.outputs()) out.push_back(v->name());
  return out;
}

// Runs CSE and checks that the graph still verifies.
bool RunCse(Graph& g) {
  absl::StatusOr<bool> changed = CommonSubexpressionElimination().Run(&g);
  AOT_CHECK(changed.ok()) << changed.status();
  absl::Status verified = VerifyGraph(g);
  EXPECT_TRUE(verified.ok()) << verified;
  return *changed;
}

TEST(CseTest, HasName) { EXPECT_EQ(CommonSubexpressionElimination().name(), "cse"); }

TEST(CseTest, EmptyGraphIsUnchanged) {
  Graph g;
  EXPECT_FALSE(RunCse(g));
  EXPECT_THAT(Nodes(g), IsEmpty());
}

TEST(CseTest, GraphWithoutDuplicatesIsUnchanged) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Value* y = g.AddInput("y", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  Node* sin = Must(g.Create(OpKind::kSin, {x}));
  Node* cos_y = Must(g.Create(OpKind::kCos, {y}));
  Node* sub = Must(g.Create(OpKind::kSub, {x, y}));
  Node* rsub = Must(g.Create(OpKind::kSub, {y, x}));  // Operand order matters.
  g.SetOutputs({cos->result(), sin->result(), cos_y->result(), sub->result(), rsub->result()});

  EXPECT_FALSE(RunCse(g));
  EXPECT_EQ(g.num_nodes(), 5);
}

TEST(CseTest, MergesIdenticalNodes) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* a = Must(g.Create(OpKind::kCos, {x}));
  Node* b = Must(g.Create(OpKind::kCos, {x}));
  Node* add = Must(g.Create(OpKind::kAdd, {a->result(), b->result()}));
  g.SetOutputs({add->result()});

  EXPECT_TRUE(RunCse(g));
  EXPECT_THAT(Nodes(g), ElementsAre("cos = cos(x)", "add = add(cos, cos)"));
  EXPECT_FALSE(RunCse(g));
}

TEST(CseTest, MergesChainsInOnePass) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  Node* sin = Must(g.Create(OpKind::kSin, {cos->result()}));
  Node* cos_1 = Must(g.Create(OpKind::kCos, {x}));
  Node* sin_1 = Must(g.Create(OpKind::kSin, {cos_1->result()}));
  Node* mul = Must(g.Create(OpKind::kMul, {sin->result(), sin_1->result()}));
  g.SetOutputs({mul->result()});

  EXPECT_TRUE(RunCse(g));
  EXPECT_THAT(Nodes(g), ElementsAre("cos = cos(x)", "sin = sin(cos)", "mul = mul(sin, sin)"));
}

TEST(CseTest, RedirectsGraphOutputs) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* a = Must(g.Create(OpKind::kExp, {x}));
  Node* b = Must(g.Create(OpKind::kExp, {x}));
  g.SetOutputs({b->result(), a->result(), b->result()});

  EXPECT_TRUE(RunCse(g));
  EXPECT_THAT(Nodes(g), ElementsAre("exp = exp(x)"));
  EXPECT_THAT(Outputs(g), ElementsAre("exp", "exp", "exp"));
}

TEST(CseTest, ComparesAttributes) {
  Graph g;
  Value* x = g.AddInput("x", F32({4, 3}));
  Node* s0 = Must(g.Create(OpKind::kSum, {x}, {{"dim", std::vector<int64_t>{0}}}));
  Node* s1 = Must(g.Create(OpKind::kSum, {x}, {{"dim", std::vector<int64_t>{1}}}));
  Node* s0_again = Must(g.Create(OpKind::kSum, {x}, {{"dim", std::vector<int64_t>{0}}}));
  Node* m2 = Must(g.Create(OpKind::kMulScalar, {x}, {{"other", 2.0}}));
  Node* m3 = Must(g.Create(OpKind::kMulScalar, {x}, {{"other", 3.0}}));
  Node* m2_again = Must(g.Create(OpKind::kMulScalar, {x}, {{"other", 2.0}}));
  // Defaults are filled in: an explicit default equals an omitted one.
  Node* add = Must(g.Create(OpKind::kAdd, {x, x}));
  Node* add_alpha = Must(g.Create(OpKind::kAdd, {x, x}, {{"alpha", 1}}));
  g.SetOutputs({s0->result(), s1->result(), s0_again->result(), m2->result(), m3->result(), m2_again->result(),
                add->result(), add_alpha->result()});

  EXPECT_TRUE(RunCse(g));
  EXPECT_THAT(Nodes(g), ElementsAre("sum = sum(x)", "sum_1 = sum(x)", "mul = mul.Scalar(x)",
                                    "mul_1 = mul.Scalar(x)", "add = add(x, x)"));
  EXPECT_THAT(Outputs(g), ElementsAre("sum", "sum_1", "sum", "mul", "mul_1", "mul", "add", "add"));
}

TEST(CseTest, TellsOptionalOperandsApart) {
  Graph g;
  Value* x = g.AddInput("x", F32({2, 3}));
  Value* p = g.AddInput("p", F32({3}));
  AttrList attrs = {{"normalized_shape", std::vector<int64_t>{3}}};
  // Same flattened operands (x, p), but p is the weight in one and the bias
  // in the other.
  Node* weighted = Must(g.Create(OpKind::kLayerNorm, {x, p, nullptr}, attrs));
  Node* biased = Must(g.Create(OpKind::kLayerNorm, {x, nullptr, p}, attrs));
  g.SetOutputs({weighted->result(), biased->result()});

  EXPECT_FALSE(RunCse(g));
  EXPECT_EQ(g.num_nodes(), 2);
}

TEST(CseTest, MergesMultiResultNodes) {
  Graph g;
  Value* x = g.AddInput("x", F32({2, 3}));
  AttrList attrs = {{"normalized_shape", std::vector<int64_t>{3}}};
  Node* ln = Must(g.Create(OpKind::kLayerNorm, {x, nullptr, nullptr}, attrs));
  Node* ln_again = Must(g.Create(OpKind::kLayerNorm, {x, nullptr, nullptr}, attrs));
  Node* split = Must(g.Create(OpKind::kSplit, {x}, {{"split_size", 1}}));
  Node* split_again = Must(g.Create(OpKind::kSplit, {x}, {{"split_size", 1}}));
  Node* neg = Must(g.Create(OpKind::kNeg, {ln_again->result(0)}));
  g.SetOutputs({neg->result(), ln_again->result(1), ln->result(2), ln_again->result(2), split_again->result(1),
                split->result(0)});

  EXPECT_TRUE(RunCse(g));
  EXPECT_THAT(Nodes(g), ElementsAre("layer_norm = layer_norm(x)", "split = split(x)", "neg = neg(layer_norm)"));
  EXPECT_THAT(Outputs(g), ElementsAre("neg", "layer_norm_1", "layer_norm_2", "layer_norm_2", "split_1", "split"));
}

TEST(CseTest, MergesListOperandsInOrder) {
  Graph g;
  Value* x = g.AddInput("x", F32({2}));
  Value* y = g.AddInput("y", F32({2}));
  Node* xy = Must(g.CreateWithGroups(OpKind::kCat, {{x, y}}));
  Node* yx = Must(g.CreateWithGroups(OpKind::kCat, {{y, x}}));
  Node* xy_again = Must(g.CreateWithGroups(OpKind::kCat, {{x, y}}));
  Node* xyx = Must(g.CreateWithGroups(OpKind::kCat, {{x, y, x}}));
  g.SetOutputs({xy->result(), yx->result(), xy_again->result(), xyx->result()});

  EXPECT_TRUE(RunCse(g));
  EXPECT_THAT(Nodes(g), ElementsAre("cat = cat(x, y)", "cat_1 = cat(y, x)", "cat_3 = cat(x, y, x)"));
  EXPECT_THAT(Outputs(g), ElementsAre("cat", "cat_1", "cat", "cat_3"));
}

TEST(CseTest, KeepsInplaceOps) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Value* y = g.AddInput("y", F32({4}));
  Must(g.Create(OpKind::kAdd_, {x, y}));
  Must(g.Create(OpKind::kAdd_, {x, y}));  // Adds y twice.
  g.SetOutputs({x});

  EXPECT_FALSE(RunCse(g));
  EXPECT_THAT(Nodes(g), ElementsAre("add_ = add_(x, y)", "add__1 = add_(x, y)"));
}

TEST(CseTest, DoesNotMergeAcrossAnInplaceWrite) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Value* y = g.AddInput("y", F32({4}));
  Node* before = Must(g.Create(OpKind::kCos, {x}));
  Must(g.Create(OpKind::kAdd_, {x, y}));
  Node* after = Must(g.Create(OpKind::kCos, {x}));  // Reads the new x.
  Node* after_again = Must(g.Create(OpKind::kCos, {x}));
  g.SetOutputs({before->result(), after->result(), after_again->result()});

  EXPECT_TRUE(RunCse(g));
  EXPECT_THAT(Nodes(g), ElementsAre("cos = cos(x)", "add_ = add_(x, y)", "cos_1 = cos(x)"));
  EXPECT_THAT(Outputs(g), ElementsAre("cos", "cos_1", "cos_1"));
}

TEST(CseTest, KeepsUnseededRandomOps) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* d0 = Must(g.Create(OpKind::kDropout, {x, nullptr}));
  Node* d1 = Must(g.Create(OpKind::kDropout, {x, nullptr}));
  AttrList size = {{"size", std::vector<int64_t>{3}}};
  Node* r0 = Must(g.Create(OpKind::kRand, {nullptr}, size));
  Node* r1 = Must(g.Create(OpKind::kRand, {nullptr}, size));
  g.SetOutputs({d0->result(), d1->result(), r0->result(), r1->result()});

  EXPECT_FALSE(RunCse(g));
  EXPECT_EQ(g.num_nodes(), 4);
}

TEST(CseTest, MergesSeededRandomOps) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Value* seed = g.AddInput("seed", TensorMeta(Shape{2}, DType::kInt64));
  Value* seed2 = g.AddInput("seed2", TensorMeta(Shape{2}, DType::kInt64));
  Node* d0 = Must(g.Create(OpKind::kDropout, {x, seed}));
  Node* d1 = Must(g.Create(OpKind::kDropout, {x, seed}));
  Node* d2 = Must(g.Create(OpKind::kDropout, {x, seed2}));
  AttrList size = {{"size", std::vector<int64_t>{3}}};
  Node* r0 = Must(g.Create(OpKind::kRandn, {seed}, size));
  Node* r1 = Must(g.Create(OpKind::kRandn, {seed}, size));
  g.SetOutputs({d0->result(1), d1->result(1), d2->result(1), r0->result(), r1->result()});

  EXPECT_TRUE(RunCse(g));
  EXPECT_THAT(Nodes(g), ElementsAre("dropout = dropout(x, seed)", "dropout_4 = dropout(x, seed2)",
                                    "randn = randn(seed)"));
  EXPECT_THAT(Outputs(g), ElementsAre("dropout_1", "dropout_1", "dropout_5", "randn", "randn"));
}

}  // namespace
}  // namespace aot::ir
