// The flow network whose minimum cut chooses what to save.
#ifndef AOT_PARTITION_INTERNAL_CUT_NETWORK_H_
#define AOT_PARTITION_INTERNAL_CUT_NETWORK_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "aot/partition/internal/joint_analysis.h"

namespace aot::partition::internal {

// Note [The cut model]
// For a saved set S, the backward computes B(S): every unit it needs that is
// not saved (walking up from what it uses directly, stopping at S), and the
// forward computes F(S): the kForward units and every unit S needs. A unit
// in both is recomputed. The partitioners minimise
//   sum of save[v] over v in S
//   + sum of recompute[u] over u in B(S) and F(S)
//   + sum of backward[u] over u in B(S)
// which is a minimum s-t cut of this network, with three nodes per unit u
// of the kForward and kUnclaimed regions and one per value v of such units:
//   in(u)  on the sink side  <=> u is in B(S)      (computed by the backward)
//   f(u)   on the source side <=> u is in F(S)     (computed by the forward)
//   out(v) on the sink side  <=> v is available to the backward
// and edges (inf = MaxFlow::kInfinity):
//   in(u) -> out(v)      save[v]      cut <=> v is saved
//   out(v) -> in(c)      inf          c computed by the backward needs v
//   out(v) -> sink       inf          the backward uses v directly
//   source -> in(p)      inf          p is a primal: the backward cannot make it
//   source -> in(u)      backward[u]  cut <=> u is computed by the backward
//   f(u) -> in(u)        recompute[u] cut <=> u is computed by both
//   in(u) -> f(u)        inf          a unit the backward does not compute, the
//                                     forward does (true of every unit that
//                                     matters, so it restricts nothing)
//   f(c) -> f(p)         inf          the forward computes what it needs
//   source -> f(u)       inf          u is a kForward unit
// For any finite cut, the saved set S = {v : in(unit(v)) on the source side,
// out(v) on the sink side} gives a partition whose cost is at most the
// cut's: every unit of B(S) has in(u) on the sink side (a path from in(u)
// to the sink crosses no saved value), and every unit of F(S) has f(u) on
// the source side. Conversely labelling the nodes by any partition as above
// gives a cut of exactly its cost. So the minimum cut is an optimal
// partition.
//
// Ties (equal cost) are common: saving x or relu(x) when the backward needs
// relu(x); saving w or its transpose. With CutCapacities::break_ties every
// finite capacity is multiplied by K and the cut also pays 2 per unit
// computed by both graphs (f(u) -> in(u)) and 1 per kUnclaimed unit the
// forward computes (f(u) -> sink), K exceeding all those together: of the
// optimal partitions it takes one that recomputes little and leaves to the
// backward what only the backward needs, as DefaultPartition does. Of the
// remaining ties the cut nearest the sink is taken.

// The capacities of one cut problem; MaxFlow::kInfinity forbids.
struct CutCapacities {
  std::vector<int64_t> save;       // Per value id.
  std::vector<int64_t> recompute;  // Per unit.
  std::vector<int64_t> backward;   // Per unit.
  // Break ties as Note [The cut model] says (skipped when the scaled
  // capacities would not fit in int64).
  bool break_ties = false;
};

// Solves the minimum cut of Note [The cut model] and returns the saved set
// (per value id) with the cut's value in `*cut_value` if given (without the
// tie-breaking terms).
// InvalidArgument if every cut is infinite (the constraints contradict).
absl::StatusOr<std::vector<bool>> SolveCut(const JointAnalysis& analysis, const CutCapacities& capacities,
                                           int64_t* cut_value = nullptr);

}  // namespace aot::partition::internal

#endif  // AOT_PARTITION_INTERNAL_CUT_NETWORK_H_
