#include "aot/partition/internal/joint_analysis.h"

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aot/base/check.h"
#include "aot/partition/internal/cut_network.h"
#include "aot/partition/internal/test_graphs.h"
#include "aot/partition/max_flow.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot::partition::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

JointAnalysis Analyse(const JointGraph& j) {
  absl::StatusOr<JointAnalysis> a = JointAnalysis::Create(*j.graph, j.info);
  AOT_CHECK(a.ok()) << a.status();
  return *std::move(a);
}

std::vector<std::string> Names(const JointAnalysis& a, const std::vector<int>& values) {
  std::vector<std::string> out;
  for (int v : values) out.push_back(a.value(v)->name());
  return out;
}

// Units of the cos(cos(x)) joint graph: primals_1, cos, cos_1, sin, neg,
// mul, sin_1, neg_1, mul_1.
TEST(JointAnalysisTest, ClassifiesCosCos) {
  JointGraph j = CosCosJoint();
  JointAnalysis a = Analyse(j);
  ASSERT_EQ(a.num_units(), 9);
  EXPECT_EQ(a.num_values(), 9);
  EXPECT_TRUE(a.is_primal(0));
  EXPECT_EQ(a.node(0), nullptr);
  std::vector<Region> regions;
  for (int u = 0; u < a.num_units(); ++u) regions.push_back(a.region(u));
  EXPECT_THAT(regions, ElementsAre(Region::kForward, Region::kForward, Region::kForward, Region::kUnclaimed,
                                   Region::kUnclaimed, Region::kBackward, Region::kUnclaimed, Region::kUnclaimed,
                                   Region::kBackward));
  std::vector<std::string> needed;
  for (int v = 0; v < a.num_values(); ++v) {
    if (a.needed(v)) needed.push_back(a.value(v)->name());
  }
  EXPECT_THAT(needed, ElementsAre("neg", "neg_1"));
  EXPECT_THAT(a.operands(5), ElementsAre(-1, 4));  // mul(tangents_1, neg)
  EXPECT_EQ(a.bytes(0), 48);
}

TEST(JointAnalysisTest, PlansForSavedSets) {
  JointGraph j = CosCosJoint();
  JointAnalysis a = Analyse(j);
  absl::StatusOr<Plan> def = MakePlan(a, DefaultSavedSet(a));
  ASSERT_TRUE(def.ok()) << def.status();
  EXPECT_THAT(Names(a, def->saved), ElementsAre("cos", "primals_1"));
  EXPECT_EQ(def->saved_bytes, 96);
  EXPECT_THAT(def->recomputed, IsEmpty());

  // Saving the primal alone: the backward recomputes cos.
  std::vector<bool> saved(a.num_values(), false);
  saved[0] = true;
  absl::StatusOr<Plan> p = MakePlan(a, saved);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->recomputed, ElementsAre(1));
  EXPECT_THAT(p->in_backward, ElementsAre(false, true, false, true, true, true, true, true, true));
  EXPECT_THAT(p->in_forward, ElementsAre(true, true, true, false, false, false, false, false, false));

  // Saving neg and neg_1 (unclaimed units): the forward computes them.
  saved.assign(a.num_values(), false);
  saved[4] = saved[7] = true;
  p = MakePlan(a, saved);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(Names(a, p->saved), ElementsAre("neg", "neg_1"));
  EXPECT_THAT(p->in_forward, ElementsAre(true, true, true, true, true, false, true, true, false));
  EXPECT_THAT(p->recomputed, IsEmpty());

  // Saving nothing leaves the primal unavailable.
  saved.assign(a.num_values(), false);
  EXPECT_EQ(MakePlan(a, saved).status().code(), absl::StatusCode::kInternal);
}

TEST(CutNetworkTest, SolvesCosCos) {
  JointGraph j = CosCosJoint();
  JointAnalysis a = Analyse(j);
  CutCapacities caps;
  for (int v = 0; v < a.num_values(); ++v) caps.save.push_back(a.bytes(v));
  caps.recompute.assign(a.num_units(), 0);
  caps.backward.assign(a.num_units(), 0);
  int64_t value = 0;
  absl::StatusOr<std::vector<bool>> saved = SolveCut(a, caps, &value);
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(value, 48);
  EXPECT_THAT(*saved, ElementsAre(true, false, false, false, false, false, false, false, false));

  // Forbid recomputing cos: the cut pays for the backward's use of it.
  caps.recompute[1] = MaxFlow::kInfinity;
  saved = SolveCut(a, caps, &value);
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(value, 96);
  // Charge 7 for recomputing cos instead: 48 + 7 beats 96.
  caps.recompute[1] = 7;
  saved = SolveCut(a, caps, &value);
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(value, 55);
}

}  // namespace
}  // namespace aot::partition::internal
