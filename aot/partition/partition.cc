#include "aot/partition/partition.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "aot/base/status_macros.h"
#include "aot/partition/cost_model.h"
#include "aot/partition/internal/cut_network.h"
#include "aot/partition/internal/joint_analysis.h"
#include "aot/partition/max_flow.h"

namespace aot::partition {

absl::StatusOr<Partition> DefaultPartition(const ir::Graph& joint, const JointInfo& info) {
  AOT_ASSIGN_OR_RETURN(internal::JointAnalysis analysis, internal::JointAnalysis::Create(joint, info));
  AOT_ASSIGN_OR_RETURN(internal::Plan plan, internal::MakePlan(analysis, internal::DefaultSavedSet(analysis)));
  return internal::BuildPartition(analysis, plan, "default", CostModel());
}

absl::StatusOr<Partition> MinCutPartition(const ir::Graph& joint, const JointInfo& info,
                                          const RecomputePolicy& policy) {
  constexpr int64_t kInf = MaxFlow::kInfinity;
  AOT_ASSIGN_OR_RETURN(internal::JointAnalysis a, internal::JointAnalysis::Create(joint, info));

  // A broken preference weighs more than every byte together.
  int64_t total_bytes = 0;
  int num_preferences = 0;
  std::vector<RecomputeHint> hints(a.num_units(), RecomputeHint::kNone);
  // Read in the same pass as the hint: one visit to each node.
  std::vector<bool> can_recompute(a.num_units(), false);
  for (int unit = a.num_primals(); unit < a.num_units(); ++unit) {
    if (!a.decided_by_cut(unit)) continue;
    AOT_ASSIGN_OR_RETURN(hints[unit], GetRecomputeHint(*a.node(unit)));
    can_recompute[unit] = CanRecompute(*a.node(unit), policy, hints[unit]);
    if (hints[unit] == RecomputeHint::kPreferSave || hints[unit] == RecomputeHint::kPreferRecompute) {
      ++num_preferences;
    }
    for (int v = a.value_begin(unit); v < a.value_begin(unit + 1); ++v) total_bytes += a.bytes(v);
  }
  for (int v = 0; v < a.num_primals(); ++v) total_bytes += a.bytes(v);
  const int64_t preference = total_bytes + 1;
  if (total_bytes >= kInf / 8 || (num_preferences + 1) >= kInf / 8 / preference) {
    return absl::InvalidArgumentError("MinCutPartition: the graph's values are too large to weigh in bytes");
  }

  internal::CutCapacities caps;
  caps.break_ties = true;
  caps.save.assign(a.num_values(), 0);
  caps.recompute.assign(a.num_units(), 0);
  caps.backward.assign(a.num_units(), 0);
  for (int v = 0; v < a.num_values(); ++v) caps.save[v] = a.bytes(v);
  for (int unit = a.num_primals(); unit < a.num_units(); ++unit) {
    if (!a.decided_by_cut(unit)) continue;
    const RecomputeHint hint = hints[unit];
    caps.recompute[unit] = can_recompute[unit] ? 0 : kInf;
    if (hint == RecomputeHint::kMustSave) caps.backward[unit] = kInf;
    if (hint == RecomputeHint::kPreferSave) caps.backward[unit] = preference;
    for (int v = a.value_begin(unit); v < a.value_begin(unit + 1); ++v) {
      if (hint == RecomputeHint::kMustRecompute) caps.save[v] = kInf;
      if (hint == RecomputeHint::kPreferRecompute) caps.save[v] += preference;
    }
  }
  AOT_ASSIGN_OR_RETURN(std::vector<bool> saved, internal::SolveCut(a, caps));
  AOT_ASSIGN_OR_RETURN(internal::Plan plan, internal::MakePlan(a, saved));
  return internal::BuildPartition(a, plan, "min_cut", CostModel());
}

}  // namespace aot::partition
