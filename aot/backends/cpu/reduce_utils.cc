#include "aot/backends/cpu/reduce_utils.h"

namespace aot::cpu {

std::vector<bool> ReduceMask(const std::vector<int64_t>& dims, int rank) {
  std::vector<bool> mask(rank, dims.empty());
  for (int64_t d : dims) {
    int w = WrapDim(d, rank);
    if (w < rank) mask[w] = true;  // A scalar's dim 0 reduces nothing.
  }
  return mask;
}

ReduceLayout MakeReduceLayout(absl::Span<const int64_t> sizes, const std::vector<bool>& reduce) {
  struct Group {
    int64_t size;
    int64_t stride;
    bool reduced;
  };
  const int rank = static_cast<int>(sizes.size());
  std::vector<int64_t> strides(rank);
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; --d) {
    strides[d] = s;
    s *= sizes[d];
  }
  // Drop size-1 dims and merge neighbours with the same role (the input is
  // contiguous, so a merged group is one stride).
  std::vector<Group> groups;
  for (int d = 0; d < rank; ++d) {
    if (sizes[d] == 1) continue;
    if (!groups.empty() && groups.back().reduced == reduce[d]) {
      groups.back().size *= sizes[d];
      groups.back().stride = strides[d];
    } else {
      groups.push_back({sizes[d], strides[d], static_cast<bool>(reduce[d])});
    }
  }
  ReduceLayout layout;
  layout.outer_offsets = {0};
  layout.reduced_offsets = {0};
  if (groups.empty()) return layout;
  layout.inner = groups.back().size;
  layout.inner_reduced = groups.back().reduced;
  groups.pop_back();
  for (const Group& g : groups) {
    std::vector<int64_t>& offsets = g.reduced ? layout.reduced_offsets : layout.outer_offsets;
    std::vector<int64_t> next;
    next.reserve(offsets.size() * g.size);
    for (int64_t base : offsets) {
      for (int64_t i = 0; i < g.size; ++i) next.push_back(base + i * g.stride);
    }
    offsets = std::move(next);
  }
  return layout;
}

}  // namespace aot::cpu
