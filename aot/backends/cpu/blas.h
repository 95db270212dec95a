// Matrix products for the CPU kernels (matmul, linear, convolution): one
// entry point, Gemm, over the libraries chosen in docs/design/cpu_backend.md
// (float32, float16 and bfloat16: oneDNN's sgemm; float64: OpenBLAS
// dgemm/dgemv/ddot; integers: Eigen), for any element type.
//
// Operands are strided matrix views; a view BLAS can take as it is (a
// row-major matrix with a row stride, or the transpose of one) is passed with
// the matching transpose flag and leading dimension, without copying.
//
//   StridedMatrix<float> a{x, m, k, /*rs=*/lda, /*cs=*/1};
//   StridedMatrix<float> b{w, k, n, /*rs=*/1, /*cs=*/ldw};   // w is [n, k]
//   AOT_RETURN_IF_ERROR(Gemm<float>("linear", 1.f, a, b, 0.f, y, /*ldc=*/n));
#ifndef AOT_BACKENDS_CPU_BLAS_H_
#define AOT_BACKENDS_CPU_BLAS_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "aot/backends/common/matmul_layout.h"

namespace aot::cpu {

// A rows x cols matrix at `data`: element (r, c) is data[r * rs + c * cs].
template <typename T>
struct StridedMatrix {
  const T* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t rs = 0;
  int64_t cs = 0;
};

// How a matrix is handed to a row-major BLAS, and whether it can be without
// a copy (aot/backends/common/matmul_layout.h).
using backends::BlasLayout;
using backends::LayoutOf;

// C = alpha * A B + beta * C, where A is m x k, B is k x n and C is m x n
// row-major with row stride ldc (>= n). beta == 0 overwrites C (NaN in C is
// not propagated, as in BLAS). float goes to oneDNN's sgemm, double to
// OpenBLAS (gemm, gemv or dot by shape); both need operands for which
// LayoutOf succeeds. float16 and bfloat16 operands (any strides) are widened
// to float for oneDNN's sgemm and the product rounded back once (float
// accumulation). The integer types go to Eigen's general matrix product (any
// strides; products wrap on overflow).
// Returns InvalidArgument naming `op` if a double dimension exceeds what
// OpenBLAS can index (2^31 - 1), ResourceExhausted if the float copies of
// 16-bit operands cannot be allocated.
template <typename T>
absl::Status Gemm(const char* op, T alpha, const StridedMatrix<T>& a, const StridedMatrix<T>& b, T beta, T* c,
                  int64_t ldc);

}  // namespace aot::cpu

#endif  // AOT_BACKENDS_CPU_BLAS_H_
