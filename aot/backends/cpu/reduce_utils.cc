#include "aot/backends/cpu/reduce_utils.h"

#include <cstring>

namespace aot::cpu {
namespace {

// Copies the strided elements of `src` (sizes, strides) into dense `dst`,
// converting S to D.
template <typename S, typename D>
void StridedCopy(const S* src, absl::Span<const int64_t> sizes, absl::Span<const int64_t> strides, D* dst,
                 int64_t numel) {
  const int rank = static_cast<int>(sizes.size());
  auto convert = [](S v) { return static_cast<D>(static_cast<ComputeType<D>>(static_cast<ComputeType<S>>(v))); };
  if (rank == 0) {
    dst[0] = convert(src[0]);
    return;
  }
  const int64_t inner = sizes[rank - 1], inner_stride = strides[rank - 1];
  const int64_t rows = numel / inner;
  ParallelFor(rows, std::max<int64_t>(1, kGrain / inner), [&](int64_t b, int64_t e) {
    // Odometer over the outer dims, starting at row b.
    std::vector<int64_t> index(rank, 0);
    int64_t offset = 0, rem = b;
    for (int d = rank - 2; d >= 0; --d) {
      index[d] = rem % sizes[d];
      rem /= sizes[d];
      offset += index[d] * strides[d];
    }
    for (int64_t row = b; row < e; ++row) {
      const S* s = src + offset;
      D* out = dst + row * inner;
      if (inner_stride == 1) {
        for (int64_t i = 0; i < inner; ++i) out[i] = convert(s[i]);
      } else {
        for (int64_t i = 0; i < inner; ++i) out[i] = convert(s[i * inner_stride]);
      }
      for (int d = rank - 2; d >= 0; --d) {
        offset += strides[d];
        if (++index[d] < sizes[d]) break;
        offset -= index[d] * strides[d];
        index[d] = 0;
      }
    }
  });
}

}  // namespace

absl::StatusOr<Tensor> ToDense(const Tensor& t, DType dtype) {
  if (!t.ok()) return t.status();
  if (t.dtype() == dtype && t.is_contiguous()) return t;
  Tensor out = Tensor::Empty(t.sizes(), dtype, t.device());
  if (!out.ok()) return out.status();
  const int64_t numel = t.numel();
  if (numel == 0) return out;
  VisitDType(t.dtype(), [&]<typename S>() {
    VisitDType(dtype, [&]<typename D>() {
      StridedCopy<S, D>(t.data_ptr<S>(), t.sizes(), t.strides(), out.data_ptr<D>(), numel);
    });
  });
  return out;
}

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
