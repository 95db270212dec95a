#include "aot/partition/internal/brute_force.h"

#include "aot/base/check.h"

namespace aot::partition::internal {
namespace {

// Adds `v` and the values it is computed from to `out`.
void Ancestors(const ir::Value* v, std::set<const ir::Value*>& out) {
  std::vector<const ir::Value*> stack = {v};
  while (!stack.empty()) {
    const ir::Value* x = stack.back();
    stack.pop_back();
    if (!out.insert(x).second || x->producer() == nullptr) continue;
    for (int i = 0; i < x->producer()->num_operands(); ++i) stack.push_back(x->producer()->operand(i));
  }
}

}  // namespace

BruteForce::BruteForce(const ir::Graph& joint, const JointInfo& info, const RecomputePolicy& policy,
                       const CostModel& cost_model, bool preferences_are_rules)
    : joint_(joint),
      info_(info),
      policy_(policy),
      cost_model_(cost_model),
      preferences_are_rules_(preferences_are_rules) {
  for (int i = info.num_primals; i < joint.num_inputs(); ++i) tangent_dependent_.insert(joint.input(i));
  for (const ir::Node* n : joint.node_range()) {
    bool dependent = false;
    for (int i = 0; i < n->num_operands(); ++i) dependent = dependent || tangent_dependent_.count(n->operand(i));
    if (dependent) {
      for (int r = 0; r < n->num_results(); ++r) tangent_dependent_.insert(n->result(r));
    }
  }
  std::set<const ir::Value*> forward_values;
  for (int i = 0; i < info.num_fwd_outputs; ++i) Ancestors(joint.output(i), forward_values);
  for (const ir::Value* v : forward_values) {
    if (v->producer() != nullptr) forward_nodes_.insert(v->producer());
  }
  // The backward: nodes on a path from a tangent to a gradient.
  std::set<const ir::Value*> backward_values;
  for (int i = info.num_fwd_outputs; i < joint.num_outputs(); ++i) Ancestors(joint.output(i), backward_values);
  std::set<const ir::Value*> needs;
  for (const ir::Value* v : backward_values) {
    if (!tangent_dependent_.count(v) || v->producer() == nullptr) continue;
    const ir::Node* n = v->producer();
    for (int i = 0; i < n->num_operands(); ++i) {
      if (!tangent_dependent_.count(n->operand(i))) needs.insert(n->operand(i));
    }
  }
  for (int i = info.num_fwd_outputs; i < joint.num_outputs(); ++i) {
    if (!tangent_dependent_.count(joint.output(i))) needs.insert(joint.output(i));
  }
  needs_.assign(needs.begin(), needs.end());
  std::set<const ir::Value*> candidates;
  for (const ir::Value* v : needs_) Ancestors(v, candidates);
  // Deterministic order: inputs, then node results in program order.
  for (const ir::Value* in : joint.inputs()) {
    if (candidates.count(in)) candidates_.push_back(in);
  }
  for (const ir::Node* n : joint.node_range()) {
    for (int r = 0; r < n->num_results(); ++r) {
      if (candidates.count(n->result(r))) candidates_.push_back(n->result(r));
    }
  }
}

std::optional<BruteForceOption> BruteForce::EvaluateSet(const std::set<const ir::Value*>& saved) const {
  // What the backward computes, walking up from its needs to saved values.
  std::set<const ir::Node*> backward;
  std::set<const ir::Value*> used;
  std::vector<const ir::Value*> stack = needs_;
  while (!stack.empty()) {
    const ir::Value* v = stack.back();
    stack.pop_back();
    if (saved.count(v)) {
      used.insert(v);
      continue;
    }
    if (v->producer() == nullptr) return std::nullopt;  // A primal it cannot make.
    if (!backward.insert(v->producer()).second) continue;
    for (int i = 0; i < v->producer()->num_operands(); ++i) stack.push_back(v->producer()->operand(i));
  }
  // What the forward computes.
  std::set<const ir::Node*> forward = forward_nodes_;
  std::set<const ir::Value*> needed_by_saved;
  for (const ir::Value* v : used) Ancestors(v, needed_by_saved);
  for (const ir::Value* v : needed_by_saved) {
    if (v->producer() != nullptr) forward.insert(v->producer());
  }

  BruteForceOption option;
  for (const ir::Node* n : backward) {
    absl::StatusOr<RecomputeHint> hint = GetRecomputeHint(*n);
    AOT_CHECK(hint.ok()) << hint.status();
    if (*hint == RecomputeHint::kMustSave) return std::nullopt;
    if (*hint == RecomputeHint::kPreferSave) {
      if (preferences_are_rules_) return std::nullopt;
      ++option.violations;
    }
    if (forward.count(n)) {
      if (!CanRecompute(*n, policy_, *hint)) return std::nullopt;
      option.recompute_cost += cost_model_.RecomputeCost(*n);
    }
  }
  for (const ir::Value* v : used) {
    option.saved.insert(v->name());
    option.saved_bytes += ValueBytes(v->meta());
    if (v->producer() == nullptr) continue;
    absl::StatusOr<RecomputeHint> hint = GetRecomputeHint(*v->producer());
    AOT_CHECK(hint.ok()) << hint.status();
    if (*hint == RecomputeHint::kMustRecompute) return std::nullopt;
    if (*hint == RecomputeHint::kPreferRecompute) {
      if (preferences_are_rules_) return std::nullopt;
      ++option.violations;
    }
  }
  return option;
}

std::optional<BruteForceOption> BruteForce::Evaluate(const std::set<std::string>& saved) const {
  std::set<const ir::Value*> values;
  for (const std::string& name : saved) {
    const ir::Value* v = joint_.FindValue(name);
    AOT_CHECK(v != nullptr) << name;
    values.insert(v);
  }
  return EvaluateSet(values);
}

std::vector<BruteForceOption> BruteForce::EnumerateAll() const {
  const int n = static_cast<int>(candidates_.size());
  AOT_CHECK(n <= 22) << "too many candidates for brute force: " << n;
  std::vector<BruteForceOption> out;
  for (uint32_t mask = 0; mask < (1u << n); ++mask) {
    std::set<const ir::Value*> saved;
    for (int i = 0; i < n; ++i) {
      if ((mask >> i) & 1) saved.insert(candidates_[i]);
    }
    if (std::optional<BruteForceOption> o = EvaluateSet(saved)) out.push_back(*std::move(o));
  }
  return out;
}

}  // namespace aot::partition::internal
