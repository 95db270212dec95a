// How the matmul kernels of every backend see their operands: a tensor as a
// batch of strided matrices (torch.matmul's vectors and broadcast batch
// dims), and whether a row-major BLAS (CPU BLAS, cuBLAS through its
// transposes) can take a strided matrix without a copy.
#ifndef AOT_BACKENDS_COMMON_MATMUL_LAYOUT_H_
#define AOT_BACKENDS_COMMON_MATMUL_LAYOUT_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"
#include "aot/tensor/tensor.h"

namespace aot::backends {

// How a matrix is handed to a row-major BLAS: as stored (trans = false,
// element (r, c) at r * ld + c) or as the transpose of a stored row-major
// matrix (trans = true, element (r, c) at c * ld + r).
struct BlasLayout {
  bool trans = false;
  int64_t ld = 1;
};

// Returns the layout that passes a rows x cols matrix with strides (rs, cs)
// to BLAS without a copy, or nullopt if there is none (e.g. both strides
// differ from 1, or a zero stride from expand()). Strides of size-1
// dimensions are ignored.
std::optional<BlasLayout> LayoutOf(int64_t rows, int64_t cols, int64_t rs, int64_t cs);

// A batch of matrices inside a tensor: the matrix dims, and the batch dims
// right-aligned to the result's batch shape (stride 0 where broadcast).
struct BatchedMatrices {
  Tensor t;  // The tensor viewed (kept alive).
  int64_t rows = 0, cols = 0, rs = 0, cs = 0;
  std::vector<int64_t> batch_strides;
};

// Views `x` (no copy) as a batch of matrices: a 1-D `x` is a row vector when
// `vector_is_row`, else a column vector; its batch dims are aligned to
// `batch`, which they broadcast to.
BatchedMatrices ViewAsMatrices(const Tensor& x, bool vector_is_row, absl::Span<const int64_t> batch);

}  // namespace aot::backends

#endif  // AOT_BACKENDS_COMMON_MATMUL_LAYOUT_H_
