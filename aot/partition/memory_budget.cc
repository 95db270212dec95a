#include "aot/partition/memory_budget.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "aot/base/check.h"
#include "aot/base/status_macros.h"
#include "aot/partition/internal/cut_network.h"
#include "aot/partition/internal/joint_analysis.h"
#include "aot/partition/max_flow.h"

namespace aot::partition {
namespace {

using internal::JointAnalysis;

struct Candidate {
  TradeoffPoint point;
  std::vector<bool> saved;  // Exactly the saved values the plan uses.
};

absl::StatusOr<Candidate> Evaluate(const JointAnalysis& a, const std::vector<bool>& saved,
                                   const CostModel& cost_model) {
  AOT_ASSIGN_OR_RETURN(internal::Plan plan, internal::MakePlan(a, saved));
  Candidate c;
  c.point.saved_bytes = plan.saved_bytes;
  c.point.recompute_cost = internal::RecomputeCost(a, plan, cost_model);
  c.point.num_saved = static_cast<int>(plan.saved.size());
  c.point.num_recomputed = static_cast<int>(plan.recomputed.size());
  c.saved.assign(a.num_values(), false);
  for (int v : plan.saved) c.saved[v] = true;
  return c;
}

// The cut problems of one planner: fixed rules, and the units whose
// recomputation is the decision.
class CutProblems {
 public:
  CutProblems(const JointAnalysis& a, const CostModel& cost_model) : a_(a), cost_model_(cost_model) {}

  absl::Status Init(const RecomputePolicy& policy) {
    constexpr int64_t kInf = MaxFlow::kInfinity;
    base_.save.assign(a_.num_values(), 0);
    base_.recompute.assign(a_.num_units(), kInf);
    base_.backward.assign(a_.num_units(), 0);
    must_recompute_save_.assign(a_.num_values(), false);
    cost_.assign(a_.num_units(), 0);
    for (int v = 0; v < a_.num_values(); ++v) base_.save[v] = a_.bytes(v);

    // Only units that are ancestors of what the backward uses can be
    // computed by it.
    std::vector<bool> feeds_backward(a_.num_units(), false);
    for (int v = 0; v < a_.num_values(); ++v) {
      if (a_.needed(v)) feeds_backward[a_.unit_of(v)] = true;
    }
    for (int unit = a_.num_units() - 1; unit >= 0; --unit) {
      if (!feeds_backward[unit] || !a_.decided_by_cut(unit)) continue;
      for (int v : a_.operands(unit)) {
        if (v >= 0) feeds_backward[a_.unit_of(v)] = true;
      }
    }

    for (int unit = a_.num_primals(); unit < a_.num_units(); ++unit) {
      if (!a_.decided_by_cut(unit)) continue;
      AOT_ASSIGN_OR_RETURN(RecomputeHint hint, GetRecomputeHint(*a_.node(unit)));
      const bool save = hint == RecomputeHint::kMustSave || hint == RecomputeHint::kPreferSave;
      const bool recompute = hint == RecomputeHint::kMustRecompute || hint == RecomputeHint::kPreferRecompute;
      if (save) base_.backward[unit] = kInf;
      if (recompute) {
        base_.recompute[unit] = 0;
        for (int v = a_.value_begin(unit); v < a_.value_begin(unit + 1); ++v) {
          base_.save[v] = kInf;
          must_recompute_save_[v] = true;
        }
      }
      cost_[unit] = cost_model_.RecomputeCost(*a_.node(unit));
      if (!save && !recompute && feeds_backward[unit] && CanRecompute(*a_.node(unit), policy, hint)) {
        decisions_.push_back(unit);
      }
    }
    return absl::OkStatus();
  }

  const std::vector<int>& decisions() const { return decisions_; }
  int num_cuts() const { return num_cuts_; }

  // Fewest bytes with the decision units in `allowed` free to recompute.
  absl::StatusOr<Candidate> MinBytes(const std::vector<bool>& allowed) {
    internal::CutCapacities caps = base_;
    caps.break_ties = true;
    for (size_t i = 0; i < decisions_.size(); ++i) {
      if (allowed[i]) caps.recompute[decisions_[i]] = 0;
    }
    return Solve(caps);
  }

  // Least bytes + lambda * recompute time, every decision unit allowed.
  absl::StatusOr<Candidate> Weighted(double lambda) {
    double total_bytes = 0, total_cost = 0;
    for (int v = 0; v < a_.num_values(); ++v) total_bytes += static_cast<double>(a_.bytes(v));
    for (int unit : decisions_) total_cost += cost_[unit];
    // Integer capacities, scaled so that their sum stays near 2^50.
    const double scale = std::ldexp(1.0, 50) / std::max(1.0, total_bytes + lambda * total_cost);
    internal::CutCapacities caps = base_;
    for (int v = 0; v < a_.num_values(); ++v) {
      if (!must_recompute_save_[v]) caps.save[v] = std::llround(static_cast<double>(a_.bytes(v)) * scale);
    }
    for (int unit : decisions_) caps.recompute[unit] = std::llround(cost_[unit] * lambda * scale);
    return Solve(caps);
  }

 private:
  absl::StatusOr<Candidate> Solve(const internal::CutCapacities& caps) {
    ++num_cuts_;
    AOT_ASSIGN_OR_RETURN(std::vector<bool> saved, internal::SolveCut(a_, caps));
    return Evaluate(a_, saved, cost_model_);
  }

  const JointAnalysis& a_;
  const CostModel& cost_model_;
  internal::CutCapacities base_;
  std::vector<bool> must_recompute_save_;
  std::vector<double> cost_;
  std::vector<int> decisions_;
  int num_cuts_ = 0;
};

// The Eisner-Severance search of the lower convex hull between the
// fewest-bytes and the no-recompute candidates.
absl::Status HullSearch(CutProblems& problems, int max_cuts, std::vector<Candidate>& out) {
  std::vector<bool> all(problems.decisions().size(), true);
  std::vector<bool> none(problems.decisions().size(), false);
  AOT_ASSIGN_OR_RETURN(Candidate low, problems.MinBytes(all));
  AOT_ASSIGN_OR_RETURN(Candidate high, problems.MinBytes(none));
  std::deque<std::pair<TradeoffPoint, TradeoffPoint>> segments = {{low.point, high.point}};
  out.push_back(std::move(low));
  out.push_back(std::move(high));
  while (!segments.empty() && problems.num_cuts() < max_cuts) {
    auto [lo, hi] = segments.front();
    segments.pop_front();
    const double db = static_cast<double>(hi.saved_bytes - lo.saved_bytes);
    const double dc = lo.recompute_cost - hi.recompute_cost;
    if (db <= 0 || dc <= 0) continue;
    const double lambda = db / dc;  // Both ends weigh the same at lambda.
    AOT_ASSIGN_OR_RETURN(Candidate mid, problems.Weighted(lambda));
    const double line = static_cast<double>(lo.saved_bytes) + lambda * lo.recompute_cost;
    const double weight = static_cast<double>(mid.point.saved_bytes) + lambda * mid.point.recompute_cost;
    if (weight < line * (1 - 1e-9)) {
      segments.push_back({lo, mid.point});
      segments.push_back({mid.point, hi});
    }
    out.push_back(std::move(mid));
  }
  return absl::OkStatus();
}

}  // namespace

MemoryBudgetPlanner::~MemoryBudgetPlanner() = default;

absl::StatusOr<std::unique_ptr<MemoryBudgetPlanner>> MemoryBudgetPlanner::Create(
    const ir::Graph& joint, const JointInfo& info, const RecomputePolicy& policy, const CostModel& cost_model,
    const MemoryBudgetOptions& options) {
  auto planner = std::unique_ptr<MemoryBudgetPlanner>(new MemoryBudgetPlanner);
  AOT_ASSIGN_OR_RETURN(JointAnalysis analysis, JointAnalysis::Create(joint, info));
  planner->analysis_ = std::make_unique<JointAnalysis>(std::move(analysis));
  planner->cost_model_ = cost_model;
  const JointAnalysis& a = *planner->analysis_;

  AOT_ASSIGN_OR_RETURN(internal::Plan default_plan, internal::MakePlan(a, internal::DefaultSavedSet(a)));
  planner->default_saved_bytes_ = default_plan.saved_bytes;

  CutProblems problems(a, planner->cost_model_);
  AOT_RETURN_IF_ERROR(problems.Init(policy));
  std::vector<Candidate> candidates;
  const int n = static_cast<int>(problems.decisions().size());
  if (n <= options.max_exact_nodes && n < 30) {
    planner->exact_ = true;
    std::vector<bool> allowed(n);
    for (uint32_t mask = 0; mask < (1u << n); ++mask) {
      for (int i = 0; i < n; ++i) allowed[i] = (mask >> i) & 1;
      AOT_ASSIGN_OR_RETURN(Candidate c, problems.MinBytes(allowed));
      candidates.push_back(std::move(c));
    }
  } else {
    AOT_RETURN_IF_ERROR(HullSearch(problems, std::max(2, options.max_cuts), candidates));
  }
  planner->num_cuts_ = problems.num_cuts();

  // The Pareto front: by bytes, keeping only points faster than all before.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) {
    if (x.point.saved_bytes != y.point.saved_bytes) return x.point.saved_bytes < y.point.saved_bytes;
    return x.point.recompute_cost < y.point.recompute_cost;
  });
  for (Candidate& c : candidates) {
    if (!planner->frontier_.empty() && c.point.recompute_cost >= planner->frontier_.back().recompute_cost) continue;
    planner->frontier_.push_back(c.point);
    planner->saved_sets_.push_back(std::move(c.saved));
  }
  AOT_CHECK(!planner->frontier_.empty());
  return planner;
}

int MemoryBudgetPlanner::ChooseIndex(double budget) const {
  budget = std::isnan(budget) ? 1.0 : std::clamp(budget, 0.0, 1.0);
  const double limit = budget * static_cast<double>(default_saved_bytes_);
  int chosen = 0;
  for (int i = 1; i < static_cast<int>(frontier_.size()); ++i) {
    if (static_cast<double>(frontier_[i].saved_bytes) <= limit) chosen = i;
  }
  return chosen;
}

absl::StatusOr<Partition> MemoryBudgetPlanner::MakePartition(double budget) const {
  if (!(budget >= 0 && budget <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("memory budget must be in [0, 1], got ", budget));
  }
  int i = ChooseIndex(budget);
  AOT_ASSIGN_OR_RETURN(internal::Plan plan, internal::MakePlan(*analysis_, saved_sets_[i]));
  AOT_ASSIGN_OR_RETURN(Partition p, internal::BuildPartition(*analysis_, plan, "memory_budget", cost_model_));
  p.summary.budget_bytes = static_cast<int64_t>(std::floor(budget * static_cast<double>(default_saved_bytes_)));
  return p;
}

absl::StatusOr<Partition> MemoryBudgetPartition(const ir::Graph& joint, const JointInfo& info, double budget,
                                                const RecomputePolicy& policy, const CostModel& cost_model) {
  if (!(budget >= 0 && budget <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("memory budget must be in [0, 1], got ", budget));
  }
  AOT_ASSIGN_OR_RETURN(std::unique_ptr<MemoryBudgetPlanner> planner,
                       MemoryBudgetPlanner::Create(joint, info, policy, cost_model));
  return planner->MakePartition(budget);
}

}  // namespace aot::partition
