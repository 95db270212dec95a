// Which ops a partitioner may run a second time in the backward
// (RecomputePolicy), and the per-node "recompute" annotation users set to
// steer it (RecomputeHint), like selective activation checkpointing.
//
//   RecomputePolicy policy = DefaultRecomputePolicy();
//   policy.Disallow(ir::OpKind::kSoftmax);   // Always save softmax results.
//   policy.Allow(ir::OpKind::kMm);           // Matmuls may be recomputed too.
//   node->set_annotation(kRecomputeAnnotation, "must_save");
//   AOT_ASSIGN_OR_RETURN(Partition p, MinCutPartition(joint, info, policy));
//
// See Note [Recomputation rules] for what "recompute" means to the
// partitioners.
#ifndef AOT_PARTITION_RECOMPUTE_POLICY_H_
#define AOT_PARTITION_RECOMPUTE_POLICY_H_

#include <bitset>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/ir/graph.h"
#include "aot/ir/op.h"

namespace aot::partition {

// Note [Recomputation rules]
// A node of the joint graph that the forward computes may be computed again
// by the backward (recomputed) instead of saving its results, when:
//  - its op kind is allowed by the RecomputePolicy, or its node carries a
//    must_recompute / prefer_recompute annotation (a user's override);
//  - it is not an in-place op (the graph should be functional anyway);
//  - it is not a random op (kRandom) without its explicit `seed` operand:
//    with the seed (an i64[2] tensor: seed and offset) it draws the same
//    numbers twice, without it a second run would silently differ. No
//    policy or annotation overrides this; an annotation that asks for it is
//    an InvalidArgument error.
// A node the backward needs that is not recomputable is either computed only
// in the backward (when the forward does not need it) or computed in the
// forward and its results saved: it never runs twice.

// The set of op kinds the partitioners may recompute. A value: copy it,
// change it, pass it to a partitioner.
class RecomputePolicy {
 public:
  // Allows nothing: no node is recomputed (unless annotated).
  RecomputePolicy() = default;

  // Allows `kind` (or stops allowing it). Returns *this for chaining.
  RecomputePolicy& Allow(ir::OpKind kind);
  RecomputePolicy& Disallow(ir::OpKind kind);
  // Returns true if the policy allows `kind`.
  bool allows(ir::OpKind kind) const { return allowed_[static_cast<int>(kind)]; }
  // The allowed kinds, in OpKind order.
  std::vector<ir::OpKind> allowed_kinds() const;

  // "recompute policy: 97 ops (neg, abs, ...)".
  std::string ToString() const;

  friend bool operator==(const RecomputePolicy& a, const RecomputePolicy& b) {
    return a.allowed_ == b.allowed_;
  }

 private:
  std::bitset<ir::kNumOps> allowed_;
};

// The default policy: memory-bound ops, cheap to run again. Allowed are the
// ops flagged kElementwise, kShapeOnly (views, reshapes, cat), kReduction or
// kCreation, plus softmax, log_softmax, layer_norm, batch_norm, triu, tril,
// index_select, gather and embedding; never kComputeIntensive ops (matmul,
// conv) nor in-place ops. Random ops (rand, randn, dropout) are allowed, and
// Note [Recomputation rules] still requires their seed operand.
RecomputePolicy DefaultRecomputePolicy();

// The annotation key partitioners read: node->annotation("recompute").
inline constexpr absl::string_view kRecomputeAnnotation = "recompute";

// A user's instruction for one node's results (the values of its
// "recompute" annotation, in lower or upper case).
enum class RecomputeHint {
  kNone,             // No annotation: the partitioner decides.
  kMustSave,         // "must_save": never computed by the backward.
  kPreferSave,       // "prefer_save": as must_save unless impossible (min-cut).
  kMustRecompute,    // "must_recompute": never saved; recomputed if needed.
  kPreferRecompute,  // "prefer_recompute": saved only if no cut avoids it.
};

// Returns the annotation's value name ("must_save"), "" for kNone.
absl::string_view RecomputeHintName(RecomputeHint hint);

// Returns the hint of `node`'s "recompute" annotation. InvalidArgument for an
// unknown value, and for asking to recompute a node that may never be (an
// in-place op or a random op without its seed; Note [Recomputation rules]);
// the message names the node.
absl::StatusOr<RecomputeHint> GetRecomputeHint(const ir::Node& node);

// Returns true if `node`'s op draws random numbers and `node` lacks its explicit
// seed operand.
bool IsUnseededRandom(const ir::Node& node);

// Returns true if the partitioners may recompute `node` under `policy` and
// `hint` (Note [Recomputation rules]).
bool CanRecompute(const ir::Node& node, const RecomputePolicy& policy, RecomputeHint hint);

}  // namespace aot::partition

#endif  // AOT_PARTITION_RECOMPUTE_POLICY_H_
