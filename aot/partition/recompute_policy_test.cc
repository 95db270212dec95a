#include "aot/partition/recompute_policy.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/base/check.h"
#include "aot/ir/graph.h"
#include "aot/ir/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot::partition {
namespace {

using ir::OpKind;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::unique_ptr<ir::Graph> Parse(absl::string_view text) {
  absl::StatusOr<std::unique_ptr<ir::Graph>> g = ir::ParseGraph(text);
  AOT_CHECK(g.ok()) << g.status();
  return *std::move(g);
}

const ir::Node& NodeOf(const ir::Graph& g, absl::string_view name) {
  const ir::Value* v = g.FindValue(name);
  AOT_CHECK(v != nullptr && v->producer() != nullptr) << name;
  return *v->producer();
}

TEST(RecomputePolicyTest, DefaultAllowsMemoryBoundOps) {
  RecomputePolicy p = DefaultRecomputePolicy();
  for (OpKind k : {OpKind::kNeg, OpKind::kCos, OpKind::kAdd, OpKind::kMulScalar, OpKind::kWhere, OpKind::kSum,
                   OpKind::kAmax, OpKind::kReshape, OpKind::kTranspose, OpKind::kCat, OpKind::kExpand,
                   OpKind::kSoftmax, OpKind::kLayerNorm, OpKind::kZeros, OpKind::kRandn, OpKind::kDropout,
                   OpKind::kThresholdBackward, OpKind::kToCopy}) {
    EXPECT_TRUE(p.allows(k)) << ir::GetOpDef(k).name();
  }
  for (OpKind k : {OpKind::kMm, OpKind::kMatmul, OpKind::kBmm, OpKind::kAddmm, OpKind::kLinear, OpKind::kConv2d,
                   OpKind::kConv2dBackwardInput, OpKind::kAdd_, OpKind::kRelu_, OpKind::kMaxPool2dWithIndices,
                   OpKind::kScatterAdd}) {
    EXPECT_FALSE(p.allows(k)) << ir::GetOpDef(k).name();
  }
}

TEST(RecomputePolicyTest, IsAValue) {
  RecomputePolicy p;
  EXPECT_TRUE(p.allowed_kinds().empty());
  p.Allow(OpKind::kMm).Allow(OpKind::kCos);
  EXPECT_TRUE(p.allows(OpKind::kMm));
  EXPECT_EQ(p.ToString(), "recompute policy: 2 ops (cos, mm)");
  RecomputePolicy q = p;
  q.Disallow(OpKind::kMm);
  EXPECT_TRUE(p.allows(OpKind::kMm));
  EXPECT_FALSE(q.allows(OpKind::kMm));
  EXPECT_FALSE(p == q);
  EXPECT_THAT(DefaultRecomputePolicy().ToString(), StartsWith("recompute policy: "));
}

TEST(RecomputePolicyTest, ParsesHints) {
  std::unique_ptr<ir::Graph> g = Parse(R"(graph g(x: f32[4,4]) {
  plain: f32[4,4] = cos(x)
  a: f32[4,4] = cos(x) {recompute="must_save"}
  b: f32[4,4] = cos(x) {recompute="PREFER_SAVE"}
  c: f32[4,4] = cos(x) {recompute="Must_Recompute"}
  d: f32[4,4] = mm(x, x) {recompute="prefer_recompute"}
  e: f32[4,4] = cos(x) {recompute="sometimes"}
  return (plain, a, b, c, d, e)
})");
  EXPECT_EQ(*GetRecomputeHint(NodeOf(*g, "plain")), RecomputeHint::kNone);
  EXPECT_EQ(*GetRecomputeHint(NodeOf(*g, "a")), RecomputeHint::kMustSave);
  EXPECT_EQ(*GetRecomputeHint(NodeOf(*g, "b")), RecomputeHint::kPreferSave);
  EXPECT_EQ(*GetRecomputeHint(NodeOf(*g, "c")), RecomputeHint::kMustRecompute);
  EXPECT_EQ(*GetRecomputeHint(NodeOf(*g, "d")), RecomputeHint::kPreferRecompute);
  absl::StatusOr<RecomputeHint> bad = GetRecomputeHint(NodeOf(*g, "e"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(),
              HasSubstr("node e (cos): unknown recompute annotation \"sometimes\"; expected must_save"));
  EXPECT_EQ(RecomputeHintName(RecomputeHint::kPreferRecompute), "prefer_recompute");
  EXPECT_EQ(RecomputeHintName(RecomputeHint::kNone), "");

  // A hint to recompute overrides the policy; must_save does not enable it.
  RecomputePolicy none;
  EXPECT_FALSE(CanRecompute(NodeOf(*g, "plain"), none, RecomputeHint::kNone));
  EXPECT_TRUE(CanRecompute(NodeOf(*g, "plain"), DefaultRecomputePolicy(), RecomputeHint::kNone));
  EXPECT_TRUE(CanRecompute(NodeOf(*g, "d"), none, RecomputeHint::kPreferRecompute));
  EXPECT_FALSE(CanRecompute(NodeOf(*g, "d"), DefaultRecomputePolicy(), RecomputeHint::kNone));
}

TEST(RecomputePolicyTest, RandomOpsNeedTheirSeed) {
  std::unique_ptr<ir::Graph> g = Parse(R"(graph g(x: f32[4], s: i64[2]) {
  seeded: f32[4], seeded_1: bool[4] = dropout(x, s)
  unseeded: f32[4], unseeded_1: bool[4] = dropout(x, None)
  r: f32[4] = rand(None, size=[4])
  r_seeded: f32[4] = randn(s, size=[4]) {recompute="must_recompute"}
  r_bad: f32[4] = randn(None, size=[4]) {recompute="prefer_recompute"}
  return (seeded, unseeded, r, r_seeded, r_bad)
})");
  RecomputePolicy policy = DefaultRecomputePolicy();
  EXPECT_FALSE(IsUnseededRandom(NodeOf(*g, "seeded")));
  EXPECT_TRUE(IsUnseededRandom(NodeOf(*g, "unseeded")));
  EXPECT_TRUE(IsUnseededRandom(NodeOf(*g, "r")));
  EXPECT_TRUE(CanRecompute(NodeOf(*g, "seeded"), policy, RecomputeHint::kNone));
  EXPECT_FALSE(CanRecompute(NodeOf(*g, "unseeded"), policy, RecomputeHint::kNone));
  EXPECT_FALSE(CanRecompute(NodeOf(*g, "r"), policy, RecomputeHint::kMustRecompute));
  EXPECT_EQ(*GetRecomputeHint(NodeOf(*g, "r_seeded")), RecomputeHint::kMustRecompute);
  absl::StatusOr<RecomputeHint> bad = GetRecomputeHint(NodeOf(*g, "r_bad"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("node r_bad (randn): annotated prefer_recompute but a random op "
                                                "without its seed operand would draw different numbers"));
}

}  // namespace
}  // namespace aot::partition
