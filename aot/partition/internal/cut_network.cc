#include "aot/partition/internal/cut_network.h"

#include <algorithm>

#include "absl/status/status.h"
#include "aot/base/check.h"
#include "aot/partition/max_flow.h"

namespace aot::partition::internal {

absl::StatusOr<std::vector<bool>> SolveCut(const JointAnalysis& a, const CutCapacities& caps, int64_t* cut_value) {
  constexpr int64_t kInf = MaxFlow::kInfinity;
  AOT_CHECK_EQ(static_cast<int>(caps.save.size()), a.num_values());
  AOT_CHECK_EQ(static_cast<int>(caps.recompute.size()), a.num_units());
  AOT_CHECK_EQ(static_cast<int>(caps.backward.size()), a.num_units());

  // Network node ids: 0 source, 1 sink, then in(u), f(u) per decided unit,
  // then out(v) per value of those units.
  constexpr int kSource = 0;
  constexpr int kSink = 1;
  std::vector<int> in_node(a.num_units(), -1);
  std::vector<int> out_node(a.num_values(), -1);
  int n = 2;
  for (int unit = 0; unit < a.num_units(); ++unit) {
    if (!a.decided_by_cut(unit)) continue;
    in_node[unit] = n;
    n += 2;  // in(u) = n, f(u) = n + 1.
    for (int v = a.value_begin(unit); v < a.value_begin(unit + 1); ++v) out_node[v] = n++;
  }
  // Tie-breaking: scale by K, add 2 per recomputed unit and 1 per kUnclaimed
  // unit in the forward.
  int64_t scale = 1;
  if (caps.break_ties) {
    int64_t finite = 0;
    int64_t ties = 0;
    auto add = [&finite](int64_t c) {
      if (c < MaxFlow::kInfinity) finite = std::min(MaxFlow::kInfinity, finite + c);
    };
    for (int unit = 0; unit < a.num_units(); ++unit) {
      if (in_node[unit] < 0) continue;
      add(caps.backward[unit]);
      if (!a.is_primal(unit)) add(caps.recompute[unit]);
      for (int v = a.value_begin(unit); v < a.value_begin(unit + 1); ++v) add(caps.save[v]);
      ties += 3;
    }
    if (finite < kInf / 8 / (ties + 1)) scale = ties + 1;
  }
  const bool break_ties = scale > 1;
  auto scaled = [scale](int64_t c) { return c >= kInf ? kInf : c * scale; };

  // Calls add(from, to, capacity) for every edge of the network.
  auto for_each_edge = [&](auto&& add) {
    for (int unit = 0; unit < a.num_units(); ++unit) {
      const int in = in_node[unit];
      if (in < 0) continue;
      const int f = in + 1;
      for (int v = a.value_begin(unit); v < a.value_begin(unit + 1); ++v) {
        if (caps.save[v] > 0) add(in, out_node[v], scaled(caps.save[v]));
        if (a.needed(v)) add(out_node[v], kSink, kInf);
      }
      add(in, f, kInf);
      if (a.is_primal(unit)) {
        add(kSource, in, kInf);
      } else if (caps.backward[unit] > 0) {
        add(kSource, in, scaled(caps.backward[unit]));
      }
      if (a.region(unit) == Region::kForward) add(kSource, f, kInf);
      if (!a.is_primal(unit)) {
        int64_t recompute = scaled(caps.recompute[unit]);
        if (break_ties && recompute < kInf) recompute += 2;
        if (recompute > 0) add(f, in, recompute);
      }
      if (break_ties && a.region(unit) == Region::kUnclaimed) add(f, kSink, 1);
      for (int v : a.operands(unit)) {
        if (v < 0) continue;  // Tangent operands only occur in kBackward units.
        add(out_node[v], in, kInf);
        add(f, in_node[a.unit_of(v)] + 1, kInf);
      }
    }
  };
  MaxFlow flow(n);
  for_each_edge([&flow](int from, int to, int64_t) { flow.CountEdge(from, to); });
  for_each_edge([&flow](int from, int to, int64_t capacity) { flow.AddEdge(from, to, capacity); });
  int64_t value = flow.Solve(kSource, kSink);
  if (value >= kInf) {
    return absl::InvalidArgumentError(
        "partition: no saved set satisfies the constraints (recompute "
        "annotations or policy contradict)");
  }
  if (cut_value != nullptr) *cut_value = value / scale;
  std::vector<bool> source_side = flow.MinCutNearSink();
  std::vector<bool> saved(a.num_values(), false);
  for (int v = 0; v < a.num_values(); ++v) {
    if (out_node[v] < 0) continue;
    saved[v] = source_side[in_node[a.unit_of(v)]] && !source_side[out_node[v]];
  }
  return saved;
}

}  // namespace aot::partition::internal
