#include "aot/partition/internal/joint_analysis.h"

#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "aot/base/check.h"
#include "aot/base/status_macros.h"

namespace aot::partition::internal {

absl::StatusOr<JointAnalysis> JointAnalysis::Create(const ir::Graph& joint, const JointInfo& info) {
  if (info.num_primals < 0 || info.num_primals > joint.num_inputs()) {
    return absl::InvalidArgumentError(absl::StrCat("JointInfo: num_primals is ", info.num_primals,
                                                   " but joint graph ", joint.name(), " has ", joint.num_inputs(),
                                                   " inputs"));
  }
  if (info.num_fwd_outputs < 0 || info.num_fwd_outputs > joint.num_outputs()) {
    return absl::InvalidArgumentError(absl::StrCat("JointInfo: num_fwd_outputs is ", info.num_fwd_outputs,
                                                   " but joint graph ", joint.name(), " has ",
                                                   joint.num_outputs(), " outputs"));
  }
  const int num_primals = info.num_primals;
  const int num_units = num_primals + joint.num_nodes();
  JointAnalysis a;
  a.joint_ = &joint;
  a.info_ = info;
  a.nodes_.reserve(num_units);
  a.value_begin_.reserve(num_units + 1);
  a.operand_begin_.reserve(num_units + 1);
  a.values_.reserve(num_units);
  a.unit_of_.reserve(num_units);
  a.bytes_.reserve(num_units);

  for (int i = 0; i < num_primals; ++i) {
    a.nodes_.push_back(nullptr);
    a.value_begin_.push_back(i);
    a.operand_begin_.push_back(0);
    a.values_.push_back(joint.input(i));
    a.unit_of_.push_back(i);
    a.bytes_.push_back(ValueBytes(joint.input(i)->meta()));
  }
  // Value ids, without hashing: by Value::id() (dense per graph, in
  // creation order) through `index_by_id`: an input's entry is its index
  // (tangents map to -(t + 1)), a result's its value id once its node has
  // been seen; kUnseen otherwise. Reading only the value (not its producer
  // node, which for a saved forward value used by the backward is far away
  // in memory) keeps this pass to one cache line per operand.
  constexpr int kUnseen = std::numeric_limits<int>::min();
  std::vector<int> index_by_id(joint.value_id_bound(), kUnseen);
  for (int i = 0; i < joint.num_inputs(); ++i) {
    index_by_id[joint.input(i)->id()] = i < num_primals ? i : -(i - num_primals + 1);
  }
  auto id_of = [&](const ir::Value* v) -> std::optional<int> {
    if (v->graph() != &joint) return std::nullopt;
    const int id = v->id();
    if (id < 0 || id >= static_cast<int>(index_by_id.size()) || index_by_id[id] == kUnseen) return std::nullopt;
    return index_by_id[id];
  };

  std::vector<bool> tangent_dependent(num_units, false);
  for (const ir::Node* node : joint.node_range()) {
    const int unit = static_cast<int>(a.nodes_.size());
    if (node->op().is_inplace()) {
      return absl::InvalidArgumentError(absl::StrCat("node ", node->name(), " (", node->op().name(),
                                                     "): in-place ops cannot be partitioned; functionalize the "
                                                     "joint graph first"));
    }
    a.nodes_.push_back(node);
    a.operand_begin_.push_back(static_cast<int>(a.operands_.size()));
    bool dependent = false;
    for (int k = 0; k < node->num_operands(); ++k) {
      std::optional<int> id = id_of(node->operand(k));
      if (!id.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat("node ", node->name(), " (", node->op().name(),
                                                       "): operand ", k, " (", node->operand(k)->name(),
                                                       ") is not defined before it"));
      }
      a.operands_.push_back(*id);
      dependent = dependent || *id < 0 || tangent_dependent[a.unit_of_[*id]];
    }
    tangent_dependent[unit] = dependent;
    a.value_begin_.push_back(static_cast<int>(a.values_.size()));
    for (int r = 0; r < node->num_results(); ++r) {
      const ir::Value* v = node->result(r);
      index_by_id[v->id()] = static_cast<int>(a.values_.size());
      a.values_.push_back(v);
      a.unit_of_.push_back(unit);
      // Here, while the node's results are in cache: a pass of its own
      // would read every value of the graph again.
      a.bytes_.push_back(ValueBytes(v->meta()));
    }
  }
  a.value_begin_.push_back(static_cast<int>(a.values_.size()));
  a.operand_begin_.push_back(static_cast<int>(a.operands_.size()));

  // Outputs; liveness from the forward outputs and from the gradients.
  std::vector<bool> live_forward(num_units, false);
  std::vector<bool> live_backward(num_units, false);
  for (int i = 0; i < joint.num_outputs(); ++i) {
    std::optional<int> id = id_of(joint.output(i));
    AOT_CHECK(id.has_value()) << "output " << i << " is not a value of the graph";
    int v = *id;
    a.outputs_.push_back(v);
    bool forward = i < info.num_fwd_outputs;
    if (forward && (v < 0 || tangent_dependent[a.unit_of_[v]])) {
      return absl::InvalidArgumentError(absl::StrCat("forward output ", i, " (", joint.output(i)->name(),
                                                     ") depends on a tangent; check JointInfo (num_primals ",
                                                     info.num_primals, ", num_fwd_outputs ", info.num_fwd_outputs,
                                                     ")"));
    }
    if (v < 0) continue;
    (forward ? live_forward : live_backward)[a.unit_of_[v]] = true;
  }
  for (int unit = num_units - 1; unit >= num_primals; --unit) {
    if (!live_forward[unit] && !live_backward[unit]) continue;
    for (int v : a.operands(unit)) {
      if (v < 0) continue;
      int p = a.unit_of_[v];
      if (live_forward[unit]) live_forward[p] = true;
      if (live_backward[unit]) live_backward[p] = true;
    }
  }

  a.region_.resize(num_units);
  for (int unit = 0; unit < num_units; ++unit) {
    Region r;
    if (unit < num_primals) {
      r = Region::kForward;
    } else if (tangent_dependent[unit]) {
      r = live_backward[unit] ? Region::kBackward : Region::kDead;
    } else if (live_forward[unit]) {
      r = Region::kForward;
    } else {
      r = live_backward[unit] ? Region::kUnclaimed : Region::kDead;
    }
    a.region_[unit] = r;
  }

  a.needed_.assign(a.values_.size(), false);
  for (int unit = num_primals; unit < num_units; ++unit) {
    if (a.region_[unit] != Region::kBackward) continue;
    for (int v : a.operands(unit)) {
      if (v >= 0 && a.decided_by_cut(a.unit_of_[v])) a.needed_[v] = true;
    }
  }
  for (int i = info.num_fwd_outputs; i < joint.num_outputs(); ++i) {
    int v = a.outputs_[i];
    if (v >= 0 && a.decided_by_cut(a.unit_of_[v])) a.needed_[v] = true;
  }
  return a;
}

absl::StatusOr<Plan> MakePlan(const JointAnalysis& a, const std::vector<bool>& saved) {
  AOT_CHECK_EQ(static_cast<int>(saved.size()), a.num_values());
  const int num_units = a.num_units();
  Plan plan;
  plan.in_backward.assign(num_units, false);
  plan.in_forward.assign(num_units, false);
  for (int unit = 0; unit < num_units; ++unit) {
    plan.in_backward[unit] = a.region(unit) == Region::kBackward;
    plan.in_forward[unit] = a.region(unit) == Region::kForward;
  }

  // The backward: from what it uses directly up to saved values.
  std::vector<bool> used(a.num_values(), false);
  std::vector<int> stack;
  for (int v = 0; v < a.num_values(); ++v) {
    if (a.needed(v)) stack.push_back(v);
  }
  while (!stack.empty()) {
    int v = stack.back();
    stack.pop_back();
    if (saved[v]) {
      used[v] = true;
      continue;
    }
    int unit = a.unit_of(v);
    if (a.is_primal(unit)) {
      return absl::InternalError(
          absl::StrCat("partition: the backward needs primal ", a.value(v)->name(), " but it is not saved"));
    }
    if (plan.in_backward[unit]) continue;
    plan.in_backward[unit] = true;
    for (int o : a.operands(unit)) {
      if (o >= 0) stack.push_back(o);
    }
  }

  // The forward: what the forward outputs need (the kForward units, closed
  // under operands) and what the saved values need.
  for (int v = 0; v < a.num_values(); ++v) {
    if (used[v]) stack.push_back(a.unit_of(v));
  }
  while (!stack.empty()) {
    int unit = stack.back();
    stack.pop_back();
    if (plan.in_forward[unit]) continue;
    plan.in_forward[unit] = true;
    for (int o : a.operands(unit)) {
      if (o >= 0) stack.push_back(a.unit_of(o));
    }
  }

  // Note [Saved value order]: node results in program order, then primals.
  for (int v = a.num_primals(); v < a.num_values(); ++v) {
    if (used[v]) plan.saved.push_back(v);
  }
  for (int v = 0; v < a.num_primals(); ++v) {
    if (used[v]) plan.saved.push_back(v);
  }
  for (int v : plan.saved) plan.saved_bytes += a.bytes(v);
  for (int unit = a.num_primals(); unit < num_units; ++unit) {
    if (plan.in_forward[unit] && plan.in_backward[unit]) plan.recomputed.push_back(unit);
  }
  return plan;
}

std::vector<bool> DefaultSavedSet(const JointAnalysis& a) {
  std::vector<bool> saved(a.num_values(), false);
  for (int unit = a.num_primals(); unit < a.num_units(); ++unit) {
    Region r = a.region(unit);
    if (r != Region::kBackward && r != Region::kUnclaimed) continue;
    for (int v : a.operands(unit)) {
      if (v >= 0 && a.region(a.unit_of(v)) == Region::kForward) saved[v] = true;
    }
  }
  for (int v = 0; v < a.num_values(); ++v) {
    if (a.needed(v) && a.region(a.unit_of(v)) == Region::kForward) saved[v] = true;
  }
  return saved;
}

double RecomputeCost(const JointAnalysis& a, const Plan& plan, const CostModel& cost_model) {
  double total = 0;
  for (int unit : plan.recomputed) total += cost_model.RecomputeCost(*a.node(unit));
  return total;
}

namespace {

// Copies node `unit` of the joint graph into `g`, mapping operands through
// `values` (by value id) and `tangents`, and records its results in `values`.
absl::Status CopyNode(const JointAnalysis& a, int unit, ir::Graph* g, std::vector<ir::Value*>& values,
                      const std::vector<ir::Value*>& tangents) {
  const ir::Node& n = *a.node(unit);
  absl::Span<const int> operands = a.operands(unit);
  absl::InlinedVector<ir::Value*, 4> mapped_operands;
  mapped_operands.reserve(operands.size());
  for (size_t k = 0; k < operands.size(); ++k) {
    int v = operands[k];
    ir::Value* mapped = v >= 0 ? values[v] : tangents[-v - 1];
    AOT_CHECK(mapped != nullptr) << "operand " << k << " of " << n.name() << " is not available in " << g->name();
    mapped_operands.push_back(mapped);
  }
  AOT_ASSIGN_OR_RETURN(ir::Node * copy, g->CreateCopy(n, mapped_operands));
  for (int r = 0; r < n.num_results(); ++r) values[a.value_begin(unit) + r] = copy->result(r);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Partition> BuildPartition(const JointAnalysis& a, const Plan& plan, absl::string_view partitioner,
                                         const CostModel& cost_model) {
  const ir::Graph& joint = a.joint();
  const int num_primals = a.num_primals();
  const int num_fwd_outputs = a.info().num_fwd_outputs;
  Partition p;

  // forward(primals) -> (forward outputs..., saved...)
  p.forward = std::make_unique<ir::Graph>("forward");
  std::vector<ir::Value*> values(a.num_values(), nullptr);
  for (int i = 0; i < num_primals; ++i) values[i] = p.forward->AddInput(joint.input(i)->name(), joint.input(i)->meta());
  for (int unit = num_primals; unit < a.num_units(); ++unit) {
    if (plan.in_forward[unit]) AOT_RETURN_IF_ERROR(CopyNode(a, unit, p.forward.get(), values, {}));
  }
  std::vector<ir::Value*> outputs;
  for (int i = 0; i < num_fwd_outputs; ++i) outputs.push_back(values[a.outputs()[i]]);
  for (int v : plan.saved) outputs.push_back(values[v]);
  p.forward->SetOutputs(outputs);

  // backward(saved..., tangents...) -> gradients
  p.backward = std::make_unique<ir::Graph>("backward");
  values.assign(a.num_values(), nullptr);
  for (int v : plan.saved) values[v] = p.backward->AddInput(a.value(v)->name(), a.value(v)->meta());
  std::vector<ir::Value*> tangents;
  for (int i = num_primals; i < joint.num_inputs(); ++i) {
    tangents.push_back(p.backward->AddInput(joint.input(i)->name(), joint.input(i)->meta()));
  }
  PartitionSummary& s = p.summary;
  for (int unit = num_primals; unit < a.num_units(); ++unit) {
    if (!plan.in_backward[unit]) continue;
    AOT_RETURN_IF_ERROR(CopyNode(a, unit, p.backward.get(), values, tangents));
    // The recomputed units (plan.recomputed, in the same order), summarised
    // while the node is in cache: a pass of their own read each again (every
    // forward node of bench:compile_latency's chain, 30000 at N = 10000).
    if (plan.in_forward[unit]) {
      const ir::Node& n = *a.node(unit);
      s.recomputed.push_back(n.name());
      s.recompute_cost += cost_model.RecomputeCost(n);
    }
  }
  AOT_CHECK_EQ(s.recomputed.size(), plan.recomputed.size());
  outputs.clear();
  for (int i = num_fwd_outputs; i < joint.num_outputs(); ++i) {
    int v = a.outputs()[i];
    outputs.push_back(v >= 0 ? values[v] : tangents[-v - 1]);
  }
  p.backward->SetOutputs(outputs);

  s.partitioner = std::string(partitioner);
  for (int v : plan.saved) s.saved.push_back(a.value(v)->name());
  s.saved_bytes = plan.saved_bytes;
  s.num_forward_nodes = p.forward->num_nodes();
  s.num_backward_nodes = p.backward->num_nodes();
  return p;
}

}  // namespace aot::partition::internal
