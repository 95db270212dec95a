#include "aot/partition/partition.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "aot/base/check.h"
#include "aot/ir/graph.h"
#include "aot/ir/parser.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"
#include "aot/partition/internal/test_graphs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot::partition {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<ir::Graph> Parse(absl::string_view text) {
  absl::StatusOr<std::unique_ptr<ir::Graph>> g = ir::ParseGraph(text);
  AOT_CHECK(g.ok()) << g.status();
  AOT_CHECK(ir::VerifyGraph(**g).ok());
  return *std::move(g);
}

// Returns the node defining `name` in `g`, nullptr for an input; fails the
// test if there is no such value.
const ir::Node* Producer(const ir::Graph& g, absl::string_view name) {
  const ir::Value* v = g.FindValue(name);
  EXPECT_NE(v, nullptr) << name << " not in " << g.name();
  return v == nullptr ? nullptr : v->producer();
}

// Unwraps a partition the test expects to succeed and verifies both graphs.
Partition Must(absl::StatusOr<Partition> p) {
  AOT_CHECK(p.ok()) << p.status();
  absl::Status fwd = ir::VerifyGraph(*p->forward);
  absl::Status bwd = ir::VerifyGraph(*p->backward);
  EXPECT_TRUE(fwd.ok()) << fwd;
  EXPECT_TRUE(bwd.ok()) << bwd;
  return *std::move(p);
}

constexpr JointInfo kOneInOneOut{1, 1};

TEST(DefaultPartitionTest, CosCosSavesCosAndPrimalLikePyTorch) {
  std::unique_ptr<ir::Graph> joint = Parse(internal::CosCosJointText());
  Partition p = Must(DefaultPartition(*joint, kOneInOneOut));
  EXPECT_EQ(ir::PrintGraph(*p.forward), R"(graph forward(primals_1: f32[4,3]) {
  cos: f32[4,3] = cos(primals_1)
  cos_1: f32[4,3] = cos(cos)
  return (cos_1, cos, primals_1)
}
)");
  EXPECT_EQ(ir::PrintGraph(*p.backward), R"(graph backward(cos: f32[4,3], primals_1: f32[4,3], tangents_1: f32[4,3]) {
  sin: f32[4,3] = sin(cos)
  neg: f32[4,3] = neg(sin)
  mul: f32[4,3] = mul(tangents_1, neg)
  sin_1: f32[4,3] = sin(primals_1)
  neg_1: f32[4,3] = neg(sin_1)
  mul_1: f32[4,3] = mul(mul, neg_1)
  return (mul_1)
}
)");
  EXPECT_EQ(p.summary.partitioner, "default");
  EXPECT_THAT(p.summary.saved, ElementsAre("cos", "primals_1"));
  EXPECT_EQ(p.summary.saved_bytes, 96);
  EXPECT_THAT(p.summary.recomputed, IsEmpty());
  EXPECT_EQ(p.summary.recompute_cost, 0);
  EXPECT_EQ(p.summary.num_forward_nodes, 2);
  EXPECT_EQ(p.summary.num_backward_nodes, 6);
}

TEST(MinCutPartitionTest, CosCosSavesOnlyThePrimal) {
  std::unique_ptr<ir::Graph> joint = Parse(internal::CosCosJointText());
  Partition p = Must(MinCutPartition(*joint, kOneInOneOut));
  EXPECT_EQ(ir::PrintGraph(*p.forward), R"(graph forward(primals_1: f32[4,3]) {
  cos: f32[4,3] = cos(primals_1)
  cos_1: f32[4,3] = cos(cos)
  return (cos_1, primals_1)
}
)");
  EXPECT_EQ(ir::PrintGraph(*p.backward), R"(graph backward(primals_1: f32[4,3], tangents_1: f32[4,3]) {
  cos: f32[4,3] = cos(primals_1)
  sin: f32[4,3] = sin(cos)
  neg: f32[4,3] = neg(sin)
  mul: f32[4,3] = mul(tangents_1, neg)
  sin_1: f32[4,3] = sin(primals_1)
  neg_1: f32[4,3] = neg(sin_1)
  mul_1: f32[4,3] = mul(mul, neg_1)
  return (mul_1)
}
)");
  EXPECT_THAT(p.summary.saved, ElementsAre("primals_1"));
  EXPECT_EQ(p.summary.saved_bytes, 48);
  EXPECT_THAT(p.summary.recomputed, ElementsAre("cos"));
  EXPECT_GT(p.summary.recompute_cost, 0);
}

TEST(MinCutPartitionTest, SummaryPrints) {
  std::unique_ptr<ir::Graph> joint = Parse(internal::CosCosJointText());
  Partition p = Must(MinCutPartition(*joint, kOneInOneOut));
  EXPECT_EQ(p.summary.ToString(),
            "min_cut: forward 2 nodes, backward 7 nodes\n"
            "  saved 1 value, 48 bytes: primals_1\n"
            "  recomputed 1 node, est. 4.8 ns: cos\n");
  Partition d = Must(DefaultPartition(*joint, kOneInOneOut));
  EXPECT_EQ(d.summary.ToString(),
            "default: forward 2 nodes, backward 6 nodes\n"
            "  saved 2 values, 96 bytes: cos, primals_1\n"
            "  recomputed 0 nodes, est. 0 ns\n");
}

TEST(MinCutPartitionTest, ElementwiseChainAfterInputsSavesOnlyTheInputs) {
  std::unique_ptr<ir::Graph> joint = Parse(R"(graph joint(primals_1: f32[8], primals_2: f32[8], tangents_1: f32[8]) {
  mul: f32[8] = mul(primals_1, primals_2)
  sin: f32[8] = sin(mul)
  exp: f32[8] = exp(sin)
  tanh: f32[8] = tanh(exp)
  tanh_backward: f32[8] = tanh_backward(tangents_1, tanh)
  mul_1: f32[8] = mul(tanh_backward, exp)
  cos: f32[8] = cos(mul)
  mul_2: f32[8] = mul(mul_1, cos)
  mul_3: f32[8] = mul(mul_2, primals_2)
  mul_4: f32[8] = mul(mul_2, primals_1)
  return (tanh, mul_3, mul_4)
})");
  Partition p = Must(MinCutPartition(*joint, {2, 1}));
  EXPECT_THAT(p.summary.saved, ElementsAre("primals_1", "primals_2"));
  EXPECT_THAT(p.summary.recomputed, ElementsAre("mul", "sin", "exp", "tanh"));
  // The default partition saves the four intermediates and both inputs.
  Partition d = Must(DefaultPartition(*joint, {2, 1}));
  EXPECT_THAT(d.summary.saved, ElementsAre("mul", "exp", "tanh", "primals_1", "primals_2"));
}

TEST(MinCutPartitionTest, ModelChainSavesOnlyInputs) {
  internal::JointGraph chain;
  for (internal::JointGraph& j : internal::ModelJoints()) {
    if (j.name == "elementwise_chain") chain = std::move(j);
  }
  ASSERT_NE(chain.graph, nullptr);
  Partition p = Must(MinCutPartition(*chain.graph, chain.info));
  EXPECT_THAT(p.summary.saved, ElementsAre("primals_1", "primals_2"));
}

TEST(MinCutPartitionTest, PrefersSavingAResultOverRecomputingIt) {
  // relu's backward uses its result: saving relu and saving x cost the same,
  // and saving relu recomputes nothing.
  std::unique_ptr<ir::Graph> joint = Parse(R"(graph joint(primals_1: f32[6], tangents_1: f32[6]) {
  relu: f32[6] = relu(primals_1)
  threshold_backward: f32[6] = threshold_backward(tangents_1, relu, threshold=0)
  return (relu, threshold_backward)
})");
  Partition p = Must(MinCutPartition(*joint, kOneInOneOut));
  EXPECT_THAT(p.summary.saved, ElementsAre("relu"));
  EXPECT_THAT(p.summary.recomputed, IsEmpty());
}

TEST(MinCutPartitionTest, SavesASmallReductionInsteadOfItsLargeInput) {
  // The backward needs only the [4,1] sum: cheaper to save than x [4,256].
  std::unique_ptr<ir::Graph> joint = Parse(R"(graph joint(primals_1: f32[4,256], tangents_1: f32[4,256]) {
  sum: f32[4,1] = sum(primals_1, dim=[1], keepdim=true)
  exp: f32[4,1] = exp(sum)
  expand: f32[4,256] = expand(exp, size=[4,256])
  mul: f32[4,256] = mul(tangents_1, expand)
  return (expand, mul)
})");
  Partition p = Must(MinCutPartition(*joint, kOneInOneOut));
  EXPECT_THAT(p.summary.saved, ElementsAre("exp"));
  EXPECT_EQ(p.summary.saved_bytes, 16);
}

TEST(MinCutPartitionTest, NeverRecomputesMatmul) {
  // The backward needs relu(mm(x, w)): mm may not be recomputed, so it saves
  // mm's result (or relu's), not x and w.
  std::unique_ptr<ir::Graph> joint = Parse(R"(graph joint(primals_1: f32[4,4], primals_2: f32[4,4], tangents_1: f32[4,4]) {
  mm: f32[4,4] = mm(primals_1, primals_2)
  relu: f32[4,4] = relu(mm)
  threshold_backward: f32[4,4] = threshold_backward(tangents_1, relu, threshold=0)
  return (relu, threshold_backward, threshold_backward)
})");
  Partition p = Must(MinCutPartition(*joint, {2, 1}));
  EXPECT_THAT(p.summary.saved, ElementsAre("relu"));
  EXPECT_THAT(p.summary.recomputed, IsEmpty());
  // With matmuls allowed, saving both inputs is not cheaper (128 > 64 bytes).
  Partition q = Must(MinCutPartition(*joint, {2, 1}, DefaultRecomputePolicy().Allow(ir::OpKind::kMm)));
  EXPECT_EQ(q.summary.saved_bytes, 64);
}

TEST(MinCutPartitionTest, PolicyIsAValueUsersChange) {
  std::unique_ptr<ir::Graph> joint = Parse(internal::CosCosJointText());
  // cos may not be recomputed: it is saved (or what the backward derives
  // from it), 96 bytes, as in the default partition.
  RecomputePolicy policy = DefaultRecomputePolicy();
  policy.Disallow(ir::OpKind::kCos);
  EXPECT_FALSE(policy.allows(ir::OpKind::kCos));
  Partition p = Must(MinCutPartition(*joint, kOneInOneOut, policy));
  EXPECT_EQ(p.summary.saved_bytes, 96);
  EXPECT_THAT(p.summary.recomputed, IsEmpty());
  // The empty policy recomputes nothing.
  Partition q = Must(MinCutPartition(*joint, kOneInOneOut, RecomputePolicy()));
  EXPECT_THAT(q.summary.recomputed, IsEmpty());
}

TEST(MinCutPartitionTest, RandomOpsAreRecomputedOnlyWithTheirSeed) {
  // The backward needs exp and sin of the dropout result and its mask (288
  // bytes), or the dropout results (160); with the seed it recomputes all
  // from x and the seed (144).
  constexpr absl::string_view kBody = R"(
  exp: f32[32] = exp(dropout)
  sin: f32[32] = sin(dropout)
  add: f32[32] = add(exp, sin)
  mul: f32[32] = mul(tangents_1, exp)
  mul_1: f32[32] = mul(mul, sin)
  mul_2: f32[32] = mul(mul_1, dropout_1)
  return (add, mul_2)
})";
  std::unique_ptr<ir::Graph> seeded =
      Parse(absl::StrCat("graph joint(primals_1: f32[32], primals_2: i64[2], tangents_1: f32[32]) {\n",
                         "  dropout: f32[32], dropout_1: bool[32] = dropout(primals_1, primals_2)", kBody));
  Partition p = Must(MinCutPartition(*seeded, {2, 1}));
  EXPECT_THAT(p.summary.saved, ElementsAre("primals_1", "primals_2"));
  EXPECT_THAT(p.summary.recomputed, ElementsAre("dropout", "exp", "sin"));

  // Without a seed a second dropout would draw another mask: it runs once,
  // in the forward, and its results are saved.
  std::unique_ptr<ir::Graph> unseeded =
      Parse(absl::StrCat("graph joint(primals_1: f32[32], tangents_1: f32[32]) {\n",
                         "  dropout: f32[32], dropout_1: bool[32] = dropout(primals_1, None)", kBody));
  Partition q = Must(MinCutPartition(*unseeded, kOneInOneOut));
  EXPECT_THAT(q.summary.saved, ElementsAre("dropout", "dropout_1"));
  EXPECT_THAT(q.summary.recomputed, ElementsAre("exp", "sin"));
  EXPECT_EQ(Producer(*q.backward, "dropout"), nullptr);  // An input.
}

TEST(MinCutPartitionTest, AnnotationsSteerTheCut) {
  // must_save on cos: the backward never computes cos.
  std::unique_ptr<ir::Graph> joint = Parse(internal::CosCosJointText());
  ir::Node* cos = joint->FindValue("cos")->producer();
  cos->set_annotation(kRecomputeAnnotation, "must_save");
  Partition p = Must(MinCutPartition(*joint, kOneInOneOut));
  EXPECT_THAT(p.summary.recomputed, IsEmpty());
  EXPECT_THAT(p.summary.saved, ElementsAre("cos", "primals_1"));
  EXPECT_EQ(Producer(*p.backward, "cos"), nullptr);  // An input of the backward.

  // prefer_save: the same, as nothing forces the recomputation.
  cos->set_annotation(kRecomputeAnnotation, "PREFER_SAVE");
  Partition q = Must(MinCutPartition(*joint, kOneInOneOut));
  EXPECT_THAT(q.summary.recomputed, IsEmpty());

  // must_recompute on a matmul overrides the policy.
  std::unique_ptr<ir::Graph> mm = Parse(R"(graph joint(primals_1: f32[4,4], primals_2: f32[4,4], tangents_1: f32[4,4]) {
  mm: f32[4,4] = mm(primals_1, primals_2) {recompute="must_recompute"}
  relu: f32[4,4] = relu(mm) {recompute="must_recompute"}
  threshold_backward: f32[4,4] = threshold_backward(tangents_1, relu, threshold=0)
  return (relu, threshold_backward, threshold_backward)
})");
  Partition r = Must(MinCutPartition(*mm, {2, 1}));
  EXPECT_THAT(r.summary.saved, ElementsAre("primals_1", "primals_2"));
  EXPECT_THAT(r.summary.recomputed, ElementsAre("mm", "relu"));
  // The annotation is kept on the copies.
  ASSERT_NE(Producer(*r.backward, "mm"), nullptr);
  EXPECT_EQ(Producer(*r.backward, "mm")->annotation("recompute"), "must_recompute");

  // prefer_recompute yields when saving is the only way: relu is saved.
  mm->FindValue("relu")->producer()->set_annotation(kRecomputeAnnotation, "prefer_recompute");
  mm->FindValue("mm")->producer()->set_annotation(kRecomputeAnnotation, "must_save");
  Partition s = Must(MinCutPartition(*mm, {2, 1}));
  EXPECT_THAT(s.summary.saved, ElementsAre("mm"));
  EXPECT_THAT(s.summary.recomputed, ElementsAre("relu"));
}

TEST(MinCutPartitionTest, UnclaimedNodesMayMoveToTheForward) {
  // sum(exp(x)) is needed only by the backward; computing it in the forward
  // and saving the f32[] result beats saving x (f32[64]) or the expand.
  std::unique_ptr<ir::Graph> joint = Parse(R"(graph joint(primals_1: f32[64], tangents_1: f32[64]) {
  neg: f32[64] = neg(primals_1)
  exp: f32[64] = exp(primals_1)
  sum: f32[] = sum(exp)
  mul: f32[64] = mul.Scalar(tangents_1, other=2.0)
  expand: f32[64] = expand(sum, size=[64])
  add: f32[64] = add(mul, expand)
  return (neg, add)
})");
  Partition p = Must(MinCutPartition(*joint, kOneInOneOut));
  EXPECT_THAT(p.summary.saved, ElementsAre("sum"));
  EXPECT_EQ(p.summary.saved_bytes, 4);
  EXPECT_THAT(p.summary.recomputed, IsEmpty());
  Partition d = Must(DefaultPartition(*joint, kOneInOneOut));
  EXPECT_THAT(d.summary.saved, ElementsAre("primals_1"));
}

TEST(PartitionTest, DropsDeadNodesAndKeepsGradientsThatAreTangentsOrConstants) {
  std::unique_ptr<ir::Graph> joint = Parse(R"(graph joint(primals_1: f32[3], primals_2: f32[3], tangents_1: f32[3]) {
  add: f32[3] = add(primals_1, primals_2)
  dead: f32[3] = exp(primals_1)
  dead_bwd: f32[3] = neg(tangents_1)
  zeros: f32[3] = zeros(size=[3])
  return (add, tangents_1, zeros)
})");
  for (auto partition : {DefaultPartition, +[](const ir::Graph& g, const JointInfo& i) {
                           return MinCutPartition(g, i);
                         }}) {
    Partition p = Must(partition(*joint, {2, 1}));
    EXPECT_EQ(ir::PrintGraph(*p.forward), R"(graph forward(primals_1: f32[3], primals_2: f32[3]) {
  add: f32[3] = add(primals_1, primals_2)
  return (add)
}
)");
    EXPECT_EQ(ir::PrintGraph(*p.backward), R"(graph backward(tangents_1: f32[3]) {
  zeros: f32[3] = zeros(size=[3])
  return (tangents_1, zeros)
}
)");
  }
}

TEST(PartitionTest, MultiResultNodesSaveOnlyTheResultsTheBackwardUses) {
  std::unique_ptr<ir::Graph> joint = Parse(R"(graph joint(primals_1: f32[2,8], tangents_1: f32[2,8]) {
  layer_norm: f32[2,8], layer_norm_1: f32[2,1], layer_norm_2: f32[2,1] = layer_norm(primals_1, None, None, normalized_shape=[8])
  layer_norm_backward: f32[2,8], layer_norm_backward_1: f32[8], layer_norm_backward_2: f32[8] = layer_norm_backward(tangents_1, primals_1, layer_norm_1, layer_norm_2, None, None, normalized_shape=[8])
  return (layer_norm, layer_norm_backward)
})");
  // The backward uses the statistics, not the normalised output.
  Partition d = Must(DefaultPartition(*joint, kOneInOneOut));
  EXPECT_THAT(d.summary.saved, ElementsAre("layer_norm_1", "layer_norm_2", "primals_1"));
  EXPECT_EQ(d.summary.saved_bytes, 80);
  // layer_norm may be recomputed: saving the input alone is cheaper.
  Partition p = Must(MinCutPartition(*joint, kOneInOneOut));
  EXPECT_THAT(p.summary.saved, ElementsAre("primals_1"));
  EXPECT_THAT(p.summary.recomputed, ElementsAre("layer_norm"));
  // Not when it may not.
  Partition q =
      Must(MinCutPartition(*joint, kOneInOneOut, DefaultRecomputePolicy().Disallow(ir::OpKind::kLayerNorm)));
  EXPECT_THAT(q.summary.saved, ElementsAre("layer_norm_1", "layer_norm_2", "primals_1"));
}

TEST(PartitionTest, RejectsJointInfoThatDoesNotFit) {
  std::unique_ptr<ir::Graph> joint = Parse(internal::CosCosJointText());
  absl::StatusOr<Partition> p = DefaultPartition(*joint, {3, 1});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("num_primals is 3 but joint graph joint has 2 inputs"));
  p = MinCutPartition(*joint, {1, 5});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("num_fwd_outputs is 5"));
  // Two forward outputs: mul_1 depends on tangents_1.
  p = DefaultPartition(*joint, {1, 2});
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("forward output 1 (mul_1) depends on a tangent"));
  // Treating the tangent as a primal makes every node forward: no backward.
  Partition all_forward = Must(DefaultPartition(*joint, {2, 2}));
  EXPECT_EQ(all_forward.backward->num_nodes(), 0);
}

TEST(PartitionTest, RejectsInplaceNodes) {
  std::unique_ptr<ir::Graph> joint = Parse(R"(graph joint(primals_1: f32[3], tangents_1: f32[3]) {
  relu_: f32[3] = relu_(primals_1)
  mul: f32[3] = mul(tangents_1, relu_)
  return (relu_, mul)
})");
  absl::StatusOr<Partition> p = MinCutPartition(*joint, kOneInOneOut);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("node relu_ (relu_): in-place ops cannot be partitioned"));
}

TEST(PartitionTest, RejectsBadAnnotations) {
  std::unique_ptr<ir::Graph> joint = Parse(internal::CosCosJointText());
  joint->FindValue("cos")->producer()->set_annotation(kRecomputeAnnotation, "sometimes");
  absl::StatusOr<Partition> p = MinCutPartition(*joint, kOneInOneOut);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("node cos (cos): unknown recompute annotation \"sometimes\""));
  // The default partitioner ignores annotations.
  EXPECT_TRUE(DefaultPartition(*joint, kOneInOneOut).ok());

  std::unique_ptr<ir::Graph> random = Parse(R"(graph joint(primals_1: f32[16], tangents_1: f32[16]) {
  dropout: f32[16], dropout_1: bool[16] = dropout(primals_1, None) {recompute="must_recompute"}
  mul: f32[16] = mul(tangents_1, dropout_1)
  return (dropout, mul)
})");
  p = MinCutPartition(*random, kOneInOneOut);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("node dropout (dropout): annotated must_recompute but a random op "
                                              "without its seed operand"));
}

}  // namespace
}  // namespace aot::partition
