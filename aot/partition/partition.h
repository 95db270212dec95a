// Partitioning a joint forward+backward graph into a forward graph and a
// backward graph: the forward returns the user outputs and the values the
// backward needs (the saved values); the backward takes the saved values and
// the tangents and returns the gradients.
//
// Three partitioners:
//  - DefaultPartition (this file): the forward computes what the forward
//    outputs need, the backward everything else, and every forward value
//    the backward uses is saved. No recomputation (PyTorch's
//    default_partition).
//  - MinCutPartition (this file): saves the set of fewest bytes from which
//    the backward can recompute what it needs with cheap ops (a minimum cut;
//    Note [The cut model] in internal/cut_network.h), as PyTorch's
//    min_cut_rematerialization_partition does.
//  - MemoryBudgetPartition (memory_budget.h): trades saved bytes against
//    estimated recomputation time under a budget.
// Each returns a Partition with a PartitionSummary (partition_types.h).
//
// Usage, for cos(cos(x)):
//
//   AOT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> joint, ir::ParseGraph(R"(
//     graph joint(primals_1: f32[4,3], tangents_1: f32[4,3]) {
//       cos: f32[4,3] = cos(primals_1)
//       cos_1: f32[4,3] = cos(cos)
//       sin: f32[4,3] = sin(cos)
//       neg: f32[4,3] = neg(sin)
//       mul: f32[4,3] = mul(tangents_1, neg)
//       sin_1: f32[4,3] = sin(primals_1)
//       neg_1: f32[4,3] = neg(sin_1)
//       mul_1: f32[4,3] = mul(mul, neg_1)
//       return (cos_1, mul_1)
//     })"));
//   JointInfo info{.num_primals = 1, .num_fwd_outputs = 1};
//   AOT_ASSIGN_OR_RETURN(Partition p, MinCutPartition(*joint, info));
//   std::cout << ir::PrintGraph(*p.forward) << p.summary.ToString();
//   // graph forward(primals_1: f32[4,3]) {
//   //   cos: f32[4,3] = cos(primals_1)
//   //   cos_1: f32[4,3] = cos(cos)
//   //   return (cos_1, primals_1)
//   // }
//   // min_cut: forward 2 nodes, backward 7 nodes
//   //   saved 1 value, 48 bytes: primals_1
//   //   recomputed 1 node, est. 4.8 ns: cos
//
// DefaultPartition saves `cos` and `primals_1` instead (96 bytes) and
// recomputes nothing.
//
// Names stay those of the joint graph: the forward's inputs are the primals,
// the backward's inputs the saved values (same names) then the tangents.
// The joint graph must be functional (no in-place ops) and in program order
// (as the verifier requires); nodes no output needs are dropped.
//
// Note [Saved value order]
// Saved values are listed node results first, in the joint graph's program
// order, then primals in input order: cos(cos(x)) saves (cos, primals_1),
// as PyTorch prints it.
#ifndef AOT_PARTITION_PARTITION_H_
#define AOT_PARTITION_PARTITION_H_

#include "absl/status/statusor.h"
#include "aot/ir/graph.h"
#include "aot/partition/partition_types.h"
#include "aot/partition/recompute_policy.h"

namespace aot::partition {

// Splits `joint` without recomputation: the forward computes the nodes the
// forward outputs need that do not depend on a tangent, the backward every
// other node a gradient needs, and every forward value the backward uses is
// saved. Ignores recompute annotations. InvalidArgument for an `info` that
// does not fit `joint`, a forward output that depends on a tangent, or an
// in-place node. Linear in the graph size.
absl::StatusOr<Partition> DefaultPartition(const ir::Graph& joint, const JointInfo& info);

// Splits `joint` saving the fewest bytes (ValueBytes in cost_model.h) from
// which the backward can compute what it needs, recomputing only nodes that
// `policy` allows (Note [Recomputation rules] in recompute_policy.h). Honours
// the nodes' "recompute" annotations: must_save nodes are never computed by
// the backward, must_recompute results never saved; prefer_save and
// prefer_recompute are broken only when no partition keeps them (each broken
// preference weighs more than all bytes together). Of several
// partitions saving the fewest bytes, returns one that recomputes little and
// leaves to the backward what only the backward needs (Note [The cut
// model]). Errors as DefaultPartition, plus InvalidArgument for a malformed
// annotation. Near-linear in practice (one max-flow).
absl::StatusOr<Partition> MinCutPartition(const ir::Graph& joint, const JointInfo& info,
                                          const RecomputePolicy& policy = DefaultRecomputePolicy());

}  // namespace aot::partition

#endif  // AOT_PARTITION_PARTITION_H_
