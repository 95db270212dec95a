#include "aot/backends/common/matmul_layout.h"

#include <algorithm>

namespace aot::backends {

std::optional<BlasLayout> LayoutOf(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  // The stride of a size-1 dimension is never used: pick the one that suits.
  if (cols <= 1) cs = 1;
  if (rows <= 1) rs = std::max<int64_t>(cols, 1);
  if (cs == 1 && rs >= std::max<int64_t>(cols, 1)) return BlasLayout{false, rs};
  // Column-major: the transpose of a row-major cols x rows matrix.
  if (rows <= 1) rs = 1;
  if (cols <= 1) cs = std::max<int64_t>(rows, 1);
  if (rs == 1 && cs >= std::max<int64_t>(rows, 1)) return BlasLayout{true, cs};
  return std::nullopt;
}

BatchedMatrices ViewAsMatrices(const Tensor& x, bool vector_is_row, absl::Span<const int64_t> batch) {
  BatchedMatrices op;
  op.t = x;
  auto sizes = x.sizes();
  auto strides = x.strides();
  const int r = x.dim();
  if (r == 1) {
    if (vector_is_row) {
      op.rows = 1, op.cols = sizes[0], op.rs = 0, op.cs = strides[0];
    } else {
      op.rows = sizes[0], op.cols = 1, op.rs = strides[0], op.cs = 0;
    }
  } else {
    op.rows = sizes[r - 2], op.cols = sizes[r - 1], op.rs = strides[r - 2], op.cs = strides[r - 1];
  }
  const int nb = std::max(r - 2, 0);
  op.batch_strides.assign(batch.size(), 0);
  for (int i = 0; i < nb; ++i) {
    const int d = static_cast<int>(batch.size()) - nb + i;
    op.batch_strides[d] = sizes[i] == 1 ? 0 : strides[i];
  }
  return op;
}

}  // namespace aot::backends
