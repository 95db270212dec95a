// Exhaustive search over saved sets, written independently of the
// partitioners (from the definitions in partition.h, recompute_policy.h and
// Note [The cut model]) to check them on small graphs. Test-only.
#ifndef AOT_PARTITION_INTERNAL_BRUTE_FORCE_H_
#define AOT_PARTITION_INTERNAL_BRUTE_FORCE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "aot/ir/graph.h"
#include "aot/partition/cost_model.h"
#include "aot/partition/partition_types.h"
#include "aot/partition/recompute_policy.h"

namespace aot::partition::internal {

// One feasible partition.
struct BruteForceOption {
  std::set<std::string> saved;  // Names of the saved values the backward uses.
  int64_t saved_bytes = 0;
  double recompute_cost = 0;
  // Broken prefer_save / prefer_recompute annotations (per node computed by
  // the backward, per saved value).
  int violations = 0;
};

class BruteForce {
 public:
  // `preferences_are_rules`: prefer_* annotations act as must_*.
  BruteForce(const ir::Graph& joint, const JointInfo& info, const RecomputePolicy& policy,
             const CostModel& cost_model, bool preferences_are_rules);

  // The values a saved set may contain: tangent-independent values the
  // backward may use.
  const std::vector<const ir::Value*>& candidates() const { return candidates_; }

  // Evaluates saving `saved` (names); nullopt if infeasible.
  std::optional<BruteForceOption> Evaluate(const std::set<std::string>& saved) const;
  // Every feasible option over all subsets of candidates() (2^n of them).
  std::vector<BruteForceOption> EnumerateAll() const;

 private:
  std::optional<BruteForceOption> EvaluateSet(const std::set<const ir::Value*>& saved) const;

  const ir::Graph& joint_;
  JointInfo info_;
  RecomputePolicy policy_;
  CostModel cost_model_;
  bool preferences_are_rules_;
  std::set<const ir::Value*> tangent_dependent_;
  std::set<const ir::Node*> forward_nodes_;  // Tangent-independent ancestors of forward outputs.
  std::vector<const ir::Value*> needs_;
  std::vector<const ir::Value*> candidates_;
};

}  // namespace aot::partition::internal

#endif  // AOT_PARTITION_INTERNAL_BRUTE_FORCE_H_
