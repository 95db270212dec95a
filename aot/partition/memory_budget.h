// The memory-budget partitioner: given a budget between 0 and 1 (a fraction
// of the bytes DefaultPartition saves), saves within it while minimising the
// estimated time of recomputation (CostModel). Budget 1 recomputes nothing;
// budget 0 recomputes all the policy allows, saving the fewest bytes
// possible (what MinCutPartition saves, when no prefer_* annotation differs);
// a budget below that gets that.
//
//   AOT_ASSIGN_OR_RETURN(Partition p, MemoryBudgetPartition(*joint, info, /*budget=*/0.5));
//   std::cout << p.summary.ToString();
//
//   // The whole trade-off, for a tool or a sweep:
//   AOT_ASSIGN_OR_RETURN(std::unique_ptr<MemoryBudgetPlanner> planner,
//                        MemoryBudgetPlanner::Create(*joint, info));
//   for (const TradeoffPoint& t : planner->frontier()) ...;
//   TradeoffPoint chosen = planner->Choose(0.3);
//   AOT_ASSIGN_OR_RETURN(Partition q, planner->MakePartition(0.3));
//
// Note [Memory budget]
// Every candidate partition is a minimum cut of Note [The cut model] with
// saved values weighing their bytes and recomputed nodes their estimated
// time (RecomputeCost), under the policy and the annotations (here
// prefer_save and prefer_recompute are rules, like must_save and
// must_recompute). The planner computes candidates once, independently of
// the budget:
//  - with at most MemoryBudgetOptions::max_exact_nodes recomputable nodes, an
//    exact search: one minimum-bytes cut per subset of those nodes allowed to
//    be recomputed. Each Pareto-optimal partition (no other saves fewer
//    bytes for no more time, or is faster for no more bytes) recomputes
//    some subset, and that subset's cut is at least as good: the candidates
//    hold the whole Pareto front;
//  - otherwise the lower convex hull of the front: cuts minimising
//    bytes + lambda * time, for the lambdas that separate hull points
//    (Eisner-Severance), at most max_cuts of them.
// Choose(budget) takes, among the candidates saving at most
// max(budget * default bytes, fewest bytes), the one of least time, then of
// fewest bytes. Because the candidates do not depend on the budget, a lower
// budget only removes choices: saved bytes never rise and recompute time
// never falls as the budget falls.
#ifndef AOT_PARTITION_MEMORY_BUDGET_H_
#define AOT_PARTITION_MEMORY_BUDGET_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "aot/ir/graph.h"
#include "aot/partition/cost_model.h"
#include "aot/partition/partition_types.h"
#include "aot/partition/recompute_policy.h"

namespace aot::partition {

namespace internal {
class JointAnalysis;
}  // namespace internal

struct MemoryBudgetOptions {
  // The exact search runs when at most this many nodes may be recomputed
  // (2^n minimum cuts).
  int max_exact_nodes = 10;
  // The most minimum cuts the hull search solves.
  int max_cuts = 48;
};

// One candidate partition: what it saves and what it recomputes.
struct TradeoffPoint {
  int64_t saved_bytes = 0;
  double recompute_cost = 0;  // Estimated ns.
  int num_saved = 0;
  int num_recomputed = 0;
};

// The candidates of Note [Memory budget] for one joint graph, to choose from
// for any budget. Refers to the joint graph, which must outlive it.
class MemoryBudgetPlanner {
 public:
  // Computes the candidates. Errors as MinCutPartition (partition.h).
  static absl::StatusOr<std::unique_ptr<MemoryBudgetPlanner>> Create(
      const ir::Graph& joint, const JointInfo& info, const RecomputePolicy& policy = DefaultRecomputePolicy(),
      const CostModel& cost_model = CostModel(), const MemoryBudgetOptions& options = MemoryBudgetOptions());
  ~MemoryBudgetPlanner();

  // What budget 1 stands for: the bytes DefaultPartition saves.
  int64_t default_saved_bytes() const { return default_saved_bytes_; }
  // The Pareto-optimal candidates, by increasing saved bytes (and so
  // decreasing recompute time). Never empty.
  const std::vector<TradeoffPoint>& frontier() const { return frontier_; }
  // True if the exact search made the candidates.
  bool exact() const { return exact_; }
  // The number of minimum cuts solved.
  int num_cuts() const { return num_cuts_; }

  // Returns the index in frontier() of the choice for `budget` (Note [Memory
  // budget]); a budget outside [0, 1] is clamped.
  int ChooseIndex(double budget) const;
  const TradeoffPoint& Choose(double budget) const { return frontier_[ChooseIndex(budget)]; }
  // Builds the chosen partition. InvalidArgument for a budget outside
  // [0, 1] (or NaN).
  absl::StatusOr<Partition> MakePartition(double budget) const;

 private:
  MemoryBudgetPlanner() = default;

  std::unique_ptr<internal::JointAnalysis> analysis_;
  CostModel cost_model_;
  int64_t default_saved_bytes_ = 0;
  bool exact_ = false;
  int num_cuts_ = 0;
  std::vector<TradeoffPoint> frontier_;
  std::vector<std::vector<bool>> saved_sets_;  // Per frontier point.
};

// Returns MemoryBudgetPlanner::Create(...)->MakePartition(budget).
absl::StatusOr<Partition> MemoryBudgetPartition(const ir::Graph& joint, const JointInfo& info, double budget,
                                                const RecomputePolicy& policy = DefaultRecomputePolicy(),
                                                const CostModel& cost_model = CostModel());

}  // namespace aot::partition

#endif  // AOT_PARTITION_MEMORY_BUDGET_H_
