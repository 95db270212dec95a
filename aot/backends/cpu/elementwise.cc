#include "aot/backends/cpu/elementwise.h"

namespace aot::cpu::internal {

absl::InlinedVector<int64_t, 6> BroadcastStrides(const Tensor& t, absl::Span<const int64_t> out_sizes) {
  const int rank = static_cast<int>(out_sizes.size());
  absl::InlinedVector<int64_t, 6> s(rank, 0);
  const int lead = rank - t.dim();
  for (int i = 0; i < t.dim(); ++i) {
    s[lead + i] = t.sizes()[i] == 1 && out_sizes[lead + i] != 1 ? 0 : t.strides()[i];
  }
  return s;
}

bool IsDense(const Tensor& t, absl::Span<const int64_t> sizes) {
  if (t.dim() != static_cast<int>(sizes.size())) return false;
  for (int i = 0; i < t.dim(); ++i) {
    if (t.sizes()[i] != sizes[i]) return false;
  }
  return t.is_contiguous();
}

Plan MakePlan(absl::Span<const int64_t> out_sizes, absl::Span<const absl::InlinedVector<int64_t, 6>> strides) {
  Plan plan;
  plan.num_operands = static_cast<int>(strides.size());
  // Drop size-1 dimensions, then merge dimension d into d+1 when every
  // operand's stride makes them one run.
  for (size_t d = 0; d < out_sizes.size(); ++d) {
    if (out_sizes[d] == 1) continue;
    plan.sizes.push_back(out_sizes[d]);
    for (int k = 0; k < plan.num_operands; ++k) plan.strides[k].push_back(strides[k][d]);
  }
  if (plan.sizes.empty()) {
    plan.sizes.push_back(1);
    for (int k = 0; k < plan.num_operands; ++k) plan.strides[k].push_back(0);
    return plan;
  }
  Plan merged;
  merged.num_operands = plan.num_operands;
  merged.sizes.push_back(plan.sizes[0]);
  for (int k = 0; k < plan.num_operands; ++k) merged.strides[k].push_back(plan.strides[k][0]);
  for (size_t d = 1; d < plan.sizes.size(); ++d) {
    bool can_merge = true;
    for (int k = 0; k < plan.num_operands; ++k) {
      if (merged.strides[k].back() != plan.strides[k][d] * plan.sizes[d]) can_merge = false;
    }
    if (can_merge) {
      merged.sizes.back() *= plan.sizes[d];
      for (int k = 0; k < plan.num_operands; ++k) merged.strides[k].back() = plan.strides[k][d];
    } else {
      merged.sizes.push_back(plan.sizes[d]);
      for (int k = 0; k < plan.num_operands; ++k) merged.strides[k].push_back(plan.strides[k][d]);
    }
  }
  return merged;
}

}  // namespace aot::cpu::internal
