#include "aot/partition/memory_budget.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "aot/base/check.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"
#include "aot/partition/internal/brute_force.h"
#include "aot/partition/internal/test_graphs.h"
#include "aot/partition/partition.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot::partition {
namespace {

using internal::JointGraph;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<MemoryBudgetPlanner> MustPlan(const JointGraph& j, const MemoryBudgetOptions& options = {},
                                              const CostModel& cost_model = CostModel()) {
  absl::StatusOr<std::unique_ptr<MemoryBudgetPlanner>> p =
      MemoryBudgetPlanner::Create(*j.graph, j.info, DefaultRecomputePolicy(), cost_model, options);
  AOT_CHECK(p.ok()) << j.name << ": " << p.status();
  return *std::move(p);
}

// A cost model whose estimates are integers, so that sums compare exactly.
CostModel IntegerCostModel() {
  CostModel m;
  m.flops_per_ns = 1;
  m.bytes_per_ns = 1;
  return m;
}

TEST(MemoryBudgetTest, CosCosEndpoints) {
  JointGraph j = internal::CosCosJoint();
  std::unique_ptr<MemoryBudgetPlanner> planner = MustPlan(j);
  EXPECT_TRUE(planner->exact());
  EXPECT_EQ(planner->default_saved_bytes(), 96);
  ASSERT_EQ(planner->frontier().size(), 2u);
  EXPECT_EQ(planner->frontier()[0].saved_bytes, 48);
  EXPECT_EQ(planner->frontier()[1].saved_bytes, 96);
  EXPECT_EQ(planner->frontier()[1].recompute_cost, 0);

  absl::StatusOr<Partition> all = planner->MakePartition(1);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(all->summary.recomputed, IsEmpty());
  EXPECT_EQ(all->summary.saved_bytes, 96);
  EXPECT_EQ(all->summary.budget_bytes, 96);
  EXPECT_EQ(all->summary.partitioner, "memory_budget");

  absl::StatusOr<Partition> none = planner->MakePartition(0);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_THAT(none->summary.saved, ElementsAre("primals_1"));
  EXPECT_THAT(none->summary.recomputed, ElementsAre("cos"));
  EXPECT_EQ(none->summary.budget_bytes, 0);

  // 0.5 of 96 bytes fits the 48-byte partition; 0.49 does not, and gets the
  // fewest bytes possible.
  EXPECT_EQ(planner->Choose(0.5).saved_bytes, 48);
  EXPECT_EQ(planner->Choose(0.49).saved_bytes, 48);
  EXPECT_EQ(planner->Choose(0.99).saved_bytes, 48);
  EXPECT_EQ(planner->Choose(1).saved_bytes, 96);

  absl::StatusOr<Partition> direct = MemoryBudgetPartition(*j.graph, j.info, 0.25);
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_EQ(direct->summary.saved_bytes, 48);
  EXPECT_THAT(direct->summary.ToString(), HasSubstr("memory_budget: forward 2 nodes, backward 7 nodes, budget 24 "
                                                    "bytes\n  saved 1 value, 48 bytes: primals_1\n"));
}

TEST(MemoryBudgetTest, RejectsBudgetsOutsideZeroToOne) {
  JointGraph j = internal::CosCosJoint();
  for (double b : {-0.1, 1.5, std::nan("")}) {
    absl::StatusOr<Partition> p = MemoryBudgetPartition(*j.graph, j.info, b);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(p.status().message(), HasSubstr("memory budget must be in [0, 1]"));
  }
}

// Sweeps the budget from 1 down to 0 and checks that saved bytes never rise
// and recompute time never falls, that budget 1 recomputes nothing and
// budget 0 saves what MinCutPartition saves.
void ExpectMonotone(const JointGraph& j, const MemoryBudgetOptions& options) {
  SCOPED_TRACE(j.name);
  std::unique_ptr<MemoryBudgetPlanner> planner = MustPlan(j, options);
  const std::vector<TradeoffPoint>& front = planner->frontier();
  for (size_t i = 1; i < front.size(); ++i) {
    EXPECT_GT(front[i].saved_bytes, front[i - 1].saved_bytes);
    EXPECT_LT(front[i].recompute_cost, front[i - 1].recompute_cost);
  }
  int64_t last_bytes = INT64_MAX;
  double last_cost = -1;
  for (int step = 100; step >= 0; --step) {
    double budget = step / 100.0;
    absl::StatusOr<Partition> p = planner->MakePartition(budget);
    ASSERT_TRUE(p.ok()) << p.status();
    const PartitionSummary& s = p->summary;
    EXPECT_LE(s.saved_bytes, last_bytes) << "budget " << budget;
    EXPECT_GE(s.recompute_cost, last_cost) << "budget " << budget;
    EXPECT_EQ(s.saved_bytes, planner->Choose(budget).saved_bytes);
    EXPECT_DOUBLE_EQ(s.recompute_cost, planner->Choose(budget).recompute_cost);
    if (s.saved_bytes > front[0].saved_bytes) {
      EXPECT_LE(static_cast<double>(s.saved_bytes), budget * static_cast<double>(planner->default_saved_bytes()));
    }
    last_bytes = s.saved_bytes;
    last_cost = s.recompute_cost;
  }
  EXPECT_EQ(planner->Choose(1).recompute_cost, 0);
  EXPECT_LE(planner->Choose(1).saved_bytes, planner->default_saved_bytes());
  absl::StatusOr<Partition> min_cut = MinCutPartition(*j.graph, j.info);
  ASSERT_TRUE(min_cut.ok());
  EXPECT_EQ(planner->Choose(0).saved_bytes, min_cut->summary.saved_bytes);
}

TEST(MemoryBudgetTest, MonotoneOnEveryModelGraph) {
  for (const JointGraph& j : internal::ModelJoints()) {
    ExpectMonotone(j, {});
    ExpectMonotone(j, {.max_exact_nodes = 0, .max_cuts = 48});  // The hull search.
  }
  ExpectMonotone(internal::BlockStackJoint(400), {});
}

TEST(MemoryBudgetTest, MonotoneOnRandomGraphs) {
  for (uint32_t seed = 0; seed < 60; ++seed) {
    JointGraph j = internal::RandomJoint(seed, 4 + static_cast<int>(seed % 10));
    ExpectMonotone(j, {});
    ExpectMonotone(j, {.max_exact_nodes = 0, .max_cuts = 48});
  }
}

TEST(MemoryBudgetTest, HullSearchFindsMoreThanTheEndpointsOnModels) {
  JointGraph j = internal::BlockStackJoint(2000, 16, 32);
  std::unique_ptr<MemoryBudgetPlanner> planner = MustPlan(j);
  EXPECT_FALSE(planner->exact());
  EXPECT_GT(planner->frontier().size(), 2u);
  EXPECT_LE(planner->num_cuts(), MemoryBudgetOptions().max_cuts);
}

// The exhaustive search's answer for `budget`: least time among the options
// saving at most max(budget * default, fewest) bytes, then fewest bytes.
internal::BruteForceOption BestFor(const std::vector<internal::BruteForceOption>& all, double budget,
                                   int64_t default_bytes) {
  int64_t fewest = INT64_MAX;
  for (const auto& o : all) fewest = std::min(fewest, o.saved_bytes);
  const double limit = std::max(budget * static_cast<double>(default_bytes), static_cast<double>(fewest));
  const internal::BruteForceOption* best = nullptr;
  for (const auto& o : all) {
    if (static_cast<double>(o.saved_bytes) > limit) continue;
    if (best == nullptr || o.recompute_cost < best->recompute_cost ||
        (o.recompute_cost == best->recompute_cost && o.saved_bytes < best->saved_bytes)) {
      best = &o;
    }
  }
  AOT_CHECK(best != nullptr);
  return *best;
}

TEST(MemoryBudgetTest, ExactSearchMatchesExhaustiveSearch) {
  const CostModel cost = IntegerCostModel();
  int checked = 0;
  for (uint32_t seed = 0; seed < 300; ++seed) {
    JointGraph j = internal::RandomJoint(seed, 2 + static_cast<int>(seed % 6));
    if (seed % 4 == 1) {
      // A few annotations, which the budget partitioner takes as rules.
      int k = 0;
      for (ir::Node* n : j.graph->nodes()) {
        if (++k % 3 == 0 && !IsUnseededRandom(*n)) n->set_annotation(kRecomputeAnnotation, "prefer_recompute");
        if (k % 5 == 0) n->set_annotation(kRecomputeAnnotation, "must_save");
      }
    }
    internal::BruteForce brute(*j.graph, j.info, DefaultRecomputePolicy(), cost, /*preferences_are_rules=*/true);
    if (brute.candidates().size() > 15) continue;
    std::unique_ptr<MemoryBudgetPlanner> planner = MustPlan(j, {.max_exact_nodes = 12, .max_cuts = 48}, cost);
    if (!planner->exact()) continue;
    ++checked;
    SCOPED_TRACE(absl::StrCat("seed ", seed, "\n", ir::PrintGraph(*j.graph)));
    std::vector<internal::BruteForceOption> all = brute.EnumerateAll();
    ASSERT_FALSE(all.empty());
    for (int step = 0; step <= 20; ++step) {
      double budget = step / 20.0;
      internal::BruteForceOption want = BestFor(all, budget, planner->default_saved_bytes());
      const TradeoffPoint& got = planner->Choose(budget);
      EXPECT_EQ(got.saved_bytes, want.saved_bytes) << "budget " << budget;
      EXPECT_EQ(got.recompute_cost, want.recompute_cost) << "budget " << budget;
      absl::StatusOr<Partition> p = planner->MakePartition(budget);
      ASSERT_TRUE(p.ok()) << p.status();
      std::optional<internal::BruteForceOption> mine =
          brute.Evaluate(std::set<std::string>(p->summary.saved.begin(), p->summary.saved.end()));
      ASSERT_TRUE(mine.has_value()) << "infeasible: " << p->summary.ToString();
      EXPECT_EQ(mine->saved_bytes, got.saved_bytes);
      EXPECT_EQ(mine->recompute_cost, got.recompute_cost);
    }
  }
  EXPECT_GT(checked, 150);
}

TEST(MemoryBudgetTest, HullPointsArePareto) {
  const CostModel cost = IntegerCostModel();
  for (uint32_t seed = 0; seed < 150; ++seed) {
    JointGraph j = internal::RandomJoint(seed, 3 + static_cast<int>(seed % 5));
    internal::BruteForce brute(*j.graph, j.info, DefaultRecomputePolicy(), cost, true);
    if (brute.candidates().size() > 15) continue;
    std::unique_ptr<MemoryBudgetPlanner> planner = MustPlan(j, {.max_exact_nodes = 0, .max_cuts = 48}, cost);
    std::vector<internal::BruteForceOption> all = brute.EnumerateAll();
    for (const TradeoffPoint& t : planner->frontier()) {
      for (const auto& o : all) {
        bool dominates = o.saved_bytes <= t.saved_bytes && o.recompute_cost <= t.recompute_cost &&
                         (o.saved_bytes < t.saved_bytes || o.recompute_cost < t.recompute_cost);
        EXPECT_FALSE(dominates) << "seed " << seed << ": (" << o.saved_bytes << ", " << o.recompute_cost
                                << ") dominates (" << t.saved_bytes << ", " << t.recompute_cost << ")";
      }
    }
  }
}

TEST(MemoryBudgetTest, AnnotationsAreRules) {
  JointGraph j = internal::CosCosJoint();
  // prefer_save on cos: even budget 0 does not recompute it.
  j.graph->FindValue("cos")->producer()->set_annotation(kRecomputeAnnotation, "prefer_save");
  std::unique_ptr<MemoryBudgetPlanner> planner = MustPlan(j);
  absl::StatusOr<Partition> p = planner->MakePartition(0);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->summary.recomputed, IsEmpty());
  EXPECT_EQ(p->summary.saved_bytes, 96);
}

}  // namespace
}  // namespace aot::partition
