#include "aot/ir/passes/dce.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
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

// The nodes as "name = op", in program order.
std::vector<std::string> Nodes(const Graph& g) {
  std::vector<std::string> out;
  for (const Node* n : g.node_range()) out.push_back(absl::StrCat(n->name(), " = ", n->op().name()));
  return out;
}

// Runs DCE and checks that the graph still verifies.
bool RunDce(Graph& g) {
  absl::StatusOr<bool> changed = DeadCodeElimination().Run(&g);
  AOT_CHECK(changed.ok()) << changed.status();
  absl::Status verified = VerifyGraph(g);
  EXPECT_TRUE(verified.ok()) << verified;
  return *changed;
}

TEST(DceTest, HasName) { EXPECT_EQ(DeadCodeElimination().name(), "dce"); }

TEST(DceTest, EmptyGraphIsUnchanged) {
  Graph g;
  EXPECT_FALSE(RunDce(g));
  EXPECT_THAT(Nodes(g), IsEmpty());
}

TEST(DceTest, GraphWithoutDeadNodesIsUnchanged) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  Node* sin = Must(g.Create(OpKind::kSin, {cos->result()}));
  Node* add = Must(g.Create(OpKind::kAdd, {sin->result(), cos->result()}));
  g.SetOutputs({add->result(), cos->result()});

  EXPECT_FALSE(RunDce(g));
  EXPECT_THAT(Nodes(g), ElementsAre("cos = cos", "sin = sin", "add = add"));
}

TEST(DceTest, RemovesUnusedChainTransitively) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  Node* neg = Must(g.Create(OpKind::kNeg, {x}));
  Node* sin = Must(g.Create(OpKind::kSin, {cos->result()}));
  Must(g.Create(OpKind::kExp, {sin->result()}));
  g.SetOutputs({neg->result()});

  EXPECT_TRUE(RunDce(g));
  EXPECT_THAT(Nodes(g), ElementsAre("neg = neg"));
  // Nothing left to do.
  EXPECT_FALSE(RunDce(g));
}

TEST(DceTest, RemovesDeadDiamondButKeepsSharedLiveProducer) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));    // Live: used by the output.
  Node* sin = Must(g.Create(OpKind::kSin, {cos->result()}));  // Dead diamond.
  Node* exp = Must(g.Create(OpKind::kExp, {cos->result()}));
  Node* mul = Must(g.Create(OpKind::kMul, {sin->result(), exp->result()}));
  Must(g.Create(OpKind::kNeg, {mul->result()}));
  Node* relu = Must(g.Create(OpKind::kRelu, {cos->result()}));
  g.SetOutputs({relu->result()});

  EXPECT_TRUE(RunDce(g));
  EXPECT_THAT(Nodes(g), ElementsAre("cos = cos", "relu = relu"));
}

TEST(DceTest, KeepsUnusedGraphInputs) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  g.AddInput("unused", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  Must(g.Create(OpKind::kSin, {x}));
  g.SetOutputs({cos->result()});

  EXPECT_TRUE(RunDce(g));
  EXPECT_THAT(Nodes(g), ElementsAre("cos = cos"));
  ASSERT_EQ(g.num_inputs(), 2);
  EXPECT_EQ(g.input(0)->name(), "x");
  EXPECT_EQ(g.input(1)->name(), "unused");
}

TEST(DceTest, RemovesEverythingWhenNothingIsOutput) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  Must(g.Create(OpKind::kSin, {cos->result()}));

  EXPECT_TRUE(RunDce(g));
  EXPECT_THAT(Nodes(g), IsEmpty());
  EXPECT_EQ(g.num_inputs(), 1);
}

TEST(DceTest, KeepsInplaceNodesAndWhatTheyUse) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* buf = Must(g.Create(OpKind::kClone, {x}));
  Node* sin = Must(g.Create(OpKind::kSin, {x}));
  // add_ writes `buf`; its result is unused but the write must stay, and so
  // must `sin`, which it reads.
  Must(g.Create(OpKind::kAdd_, {buf->result(), sin->result()}));
  Must(g.Create(OpKind::kRelu_, {x}));
  Must(g.Create(OpKind::kExp, {x}));  // Dead.
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  g.SetOutputs({cos->result()});

  EXPECT_TRUE(RunDce(g));
  EXPECT_THAT(Nodes(g), ElementsAre("clone = clone", "sin = sin", "add_ = add_", "relu_ = relu_", "cos = cos"));
}

TEST(DceTest, KeepsMultiResultNodeWithOneUsedResult) {
  Graph g;
  Value* x = g.AddInput("x", F32({2, 3}));
  Node* ln = Must(g.Create(OpKind::kLayerNorm, {x, nullptr, nullptr},
                           {{"normalized_shape", std::vector<int64_t>{3}}}));
  Node* vm = Must(g.Create(OpKind::kVarMean, {x}, {{"dim", std::vector<int64_t>{1}}}));
  Node* split = Must(g.Create(OpKind::kSplit, {x}, {{"split_size", 1}}));
  Node* neg = Must(g.Create(OpKind::kNeg, {vm->result(1)}));
  ASSERT_EQ(split->num_results(), 2);
  g.SetOutputs({ln->result(2), neg->result()});

  EXPECT_TRUE(RunDce(g));
  EXPECT_THAT(Nodes(g), ElementsAre("layer_norm = layer_norm", "var_mean = var_mean", "neg = neg"));
}

TEST(DceTest, KeepsNodesThatAreOnlyGraphOutputs) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* cos = Must(g.Create(OpKind::kCos, {x}));
  Node* cat = Must(g.CreateWithGroups(OpKind::kCat, {{x, cos->result(), x}}));
  Must(g.CreateWithGroups(OpKind::kCat, {{cos->result(), cos->result()}}));  // Dead.
  g.SetOutputs({cat->result(), x});

  EXPECT_TRUE(RunDce(g));
  EXPECT_THAT(Nodes(g), ElementsAre("cos = cos", "cat = cat"));
}

}  // namespace
}  // namespace aot::ir
