// Strided loops for the CPU kernels that do not use the elementwise engine
// (indexing, creation): element offsets of arbitrary layouts in row-major
// order, scalar conversion between the IR dtypes, and the one routine that
// copies a strided tensor into a dense one (CopyInto, behind Contiguous and
// ContiguousCopy): every kernel that needs a dense operand calls these.
#ifndef AOT_BACKENDS_CPU_STRIDED_H_
#define AOT_BACKENDS_CPU_STRIDED_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>

#include "absl/types/span.h"
#include "aot/tensor/scalar_types.h"
#include "aot/tensor/tensor.h"

namespace aot::cpu {

// Converts one element between the C++ types of the IR dtypes, through the
// compute types (float for the 16-bit floats); nonzero -> true for bool.
template <typename To, typename From>
inline To ConvertScalar(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, bool>) {
    return static_cast<ComputeType<From>>(v) != ComputeType<From>(0);
  } else {
    return static_cast<To>(static_cast<ComputeType<To>>(static_cast<ComputeType<From>>(v)));
  }
}

// Calls f(i, offsets) for every i in [begin, end) of the row-major order of
// `sizes`, where offsets[k] is the element offset of i under strides[k]
// (sum over d of index[d] * strides[k][d]). A rank-0 `sizes` has the one
// element 0. Every stride span has sizes.size() entries.
template <size_t N, typename F>
void ForEachOffset(absl::Span<const int64_t> sizes, const std::array<absl::Span<const int64_t>, N>& strides,
                   int64_t begin, int64_t end, const F& f) {
  std::array<int64_t, N> off{};
  if (begin >= end) return;
  const int rank = static_cast<int>(sizes.size());
  if (rank == 0) {
    f(int64_t{0}, off);
    return;
  }
  SizeVec idx(rank);
  int64_t rem = begin;
  for (int d = rank - 1; d >= 0; --d) {
    idx[d] = rem % sizes[d];
    rem /= sizes[d];
    for (size_t k = 0; k < N; ++k) off[k] += idx[d] * strides[k][d];
  }
  const int last = rank - 1;
  std::array<int64_t, N> inner_stride;
  for (size_t k = 0; k < N; ++k) inner_stride[k] = strides[k][last];
  int64_t i = begin;
  while (true) {
    int64_t n = std::min(end - i, sizes[last] - idx[last]);
    std::array<int64_t, N> o = off;
    for (int64_t j = 0; j < n; ++j) {
      f(i + j, o);
      for (size_t k = 0; k < N; ++k) o[k] += inner_stride[k];
    }
    i += n;
    if (i >= end) return;
    // Carry into the outer dimensions.
    idx[last] += n;
    for (size_t k = 0; k < N; ++k) off[k] += n * inner_stride[k];
    for (int d = last; d > 0 && idx[d] == sizes[d]; --d) {
      idx[d] = 0;
      ++idx[d - 1];
      for (size_t k = 0; k < N; ++k) off[k] += strides[k][d - 1] - sizes[d] * strides[k][d];
    }
  }
}

// Product of sizes[begin, end).
int64_t SizeProduct(absl::Span<const int64_t> sizes, int begin, int end);

// Writes `src` (broadcast to dst's shape, any dtype and strides) into `dst`
// (any strides), converting each element (ConvertScalar). Runs on the
// elementwise engine: one flat parallel loop when both are dense, else
// coalesced rows, with transposed operands in cache-blocked tiles (see
// Note [Strided tiles] in elementwise.h). `src` must not partially overlap
// `dst` (ContiguousCopy first).
void CopyInto(const Tensor& dst, const Tensor& src);

// Returns `t` converted to `dtype` and made contiguous: `t` itself if it
// already is both, else a new CPU tensor (CopyInto). An error tensor for an
// error input or when out of memory; `.Checked()` gives a StatusOr.
Tensor Contiguous(const Tensor& t, DType dtype);
inline Tensor Contiguous(const Tensor& t) { return Contiguous(t, t.dtype()); }

// As Contiguous, but always a new tensor (for sources that alias the
// destination).
Tensor ContiguousCopy(const Tensor& t, DType dtype);
inline Tensor ContiguousCopy(const Tensor& t) { return ContiguousCopy(t, t.dtype()); }

}  // namespace aot::cpu

#endif  // AOT_BACKENDS_CPU_STRIDED_H_
