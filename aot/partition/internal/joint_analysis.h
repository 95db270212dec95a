// A dense view of a joint graph for the partitioners, and what they share
// once a saved set is chosen: the plan (which nodes each graph computes) and
// the construction of the forward and backward graphs.
#ifndef AOT_PARTITION_INTERNAL_JOINT_ANALYSIS_H_
#define AOT_PARTITION_INTERNAL_JOINT_ANALYSIS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "aot/ir/graph.h"
#include "aot/partition/cost_model.h"
#include "aot/partition/partition_types.h"

namespace aot::partition::internal {

// Where a unit (a primal or a node) of the joint graph belongs.
enum class Region : uint8_t {
  kDead,       // No output needs it.
  kForward,    // Tangent-independent and needed by a forward output; every primal.
  kUnclaimed,  // Tangent-independent, needed only by gradients.
  kBackward,   // Depends on a tangent, needed by gradients.
};

// The joint graph as units and values with dense ids. Units are the primals
// (ids 0 .. num_primals-1) then the nodes in program order; values are the
// primals then each node's results, so value ids follow unit order. Tangent
// inputs are neither: operand lists encode tangent t as -(t + 1).
// Refers to the joint graph, which must outlive it and stay unchanged.
class JointAnalysis {
 public:
  // Checks `info` against `joint` and classifies every unit. InvalidArgument
  // for counts out of range, an in-place node, a node before its operands'
  // producers, or a forward output that depends on a tangent.
  static absl::StatusOr<JointAnalysis> Create(const ir::Graph& joint, const JointInfo& info);

  const ir::Graph& joint() const { return *joint_; }
  const JointInfo& info() const { return info_; }
  int num_primals() const { return info_.num_primals; }
  int num_units() const { return static_cast<int>(region_.size()); }
  int num_values() const { return static_cast<int>(values_.size()); }

  bool is_primal(int unit) const { return unit < info_.num_primals; }
  // The node of a unit; nullptr for a primal.
  const ir::Node* node(int unit) const { return nodes_[unit]; }
  Region region(int unit) const { return region_[unit]; }
  // True for kForward and kUnclaimed units: what the cut decides about.
  bool decided_by_cut(int unit) const {
    return region_[unit] == Region::kForward || region_[unit] == Region::kUnclaimed;
  }
  // The values of `unit` are ids [value_begin(unit), value_begin(unit + 1)).
  int value_begin(int unit) const { return value_begin_[unit]; }
  int unit_of(int value) const { return unit_of_[value]; }
  const ir::Value* value(int v) const { return values_[v]; }
  int64_t bytes(int v) const { return bytes_[v]; }
  // The flattened operands of a node unit (empty for a primal).
  absl::Span<const int> operands(int unit) const {
    return absl::MakeConstSpan(operands_.data() + operand_begin_[unit],
                               operand_begin_[unit + 1] - operand_begin_[unit]);
  }
  // True if the backward uses the value directly: it is an operand of a
  // kBackward node or a gradient output, and tangent-independent.
  bool needed(int v) const { return needed_[v]; }
  // The joint outputs as value ids (or encoded tangents).
  absl::Span<const int> outputs() const { return outputs_; }

 private:
  JointAnalysis() = default;

  const ir::Graph* joint_ = nullptr;
  JointInfo info_;
  std::vector<const ir::Node*> nodes_;
  std::vector<Region> region_;
  std::vector<int> value_begin_;
  std::vector<int> unit_of_;
  std::vector<const ir::Value*> values_;
  std::vector<int64_t> bytes_;
  std::vector<int> operand_begin_;
  std::vector<int> operands_;
  std::vector<bool> needed_;
  std::vector<int> outputs_;
};

// Which units each graph computes for a saved set.
struct Plan {
  std::vector<bool> in_forward;   // Per unit.
  std::vector<bool> in_backward;  // Per unit.
  // The saved values the backward uses, in Note [Saved value order].
  std::vector<int> saved;
  int64_t saved_bytes = 0;
  // Units computed by both graphs, in unit order.
  std::vector<int> recomputed;
};

// Returns the plan for saving the values marked in `saved` (per value id).
// The backward computes every unit it needs that is not saved, the forward
// every unit the forward outputs and the saved values need; saved values the
// backward never reaches are dropped. Internal if the backward would need a
// primal that is not saved.
absl::StatusOr<Plan> MakePlan(const JointAnalysis& analysis, const std::vector<bool>& saved);

// Returns the default partition's saved set: every kForward value the
// backward uses.
std::vector<bool> DefaultSavedSet(const JointAnalysis& analysis);

// Returns the estimated time of the plan's recomputed units.
double RecomputeCost(const JointAnalysis& analysis, const Plan& plan, const CostModel& cost_model);

// Builds the forward and backward graphs of `plan` and their summary.
absl::StatusOr<Partition> BuildPartition(const JointAnalysis& analysis, const Plan& plan,
                                         absl::string_view partitioner, const CostModel& cost_model);

}  // namespace aot::partition::internal

#endif  // AOT_PARTITION_INTERNAL_JOINT_ANALYSIS_H_
