#include "aot/backends/cpu/blas.h"

#include <algorithm>
#include <climits>
#include <type_traits>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/tensor/scalar_types.h"
#include "aot/tensor/tensor.h"
#include "cblas.h"
#include "oneapi/dnnl/dnnl.h"

namespace aot::cpu {

namespace {

// Zeroes or scales the m x n matrix C by beta (the K == 0 product, and what
// gemv/dot leave to us so that beta == 0 never reads C).
template <typename T>
void ScaleC(int64_t m, int64_t n, T beta, T* c, int64_t ldc) {
  using C = ComputeType<T>;
  for (int64_t i = 0; i < m; ++i) {
    T* row = c + i * ldc;
    if (static_cast<C>(beta) == C(0)) {
      std::fill(row, row + n, T(C(0)));
    } else if (static_cast<C>(beta) != C(1)) {
      for (int64_t j = 0; j < n; ++j) row[j] = T(static_cast<C>(beta) * static_cast<C>(row[j]));
    }
  }
}

// The integer types, which BLAS does not have: Eigen's general matrix
// product (blocked and packed for the caches; any strides, since it packs
// its operands), in T, so that overflow wraps as PyTorch's does.
template <typename T>
void EigenGemm(T alpha, const StridedMatrix<T>& a, const StridedMatrix<T>& b, T beta, T* c, int64_t ldc) {
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Strides = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
  using Operand = Eigen::Map<const Matrix, Eigen::Unaligned, Strides>;
  // Row-major: the outer stride steps rows, the inner one columns. The
  // stride of a size-1 dimension is never used; Eigen wants it positive.
  auto view = [](const StridedMatrix<T>& x) {
    return Operand(x.data, x.rows, x.cols,
                   Strides(x.rows > 1 ? x.rs : std::max<int64_t>(x.cols, 1), x.cols > 1 ? x.cs : 1));
  };
  Eigen::Map<Matrix, Eigen::Unaligned, Eigen::OuterStride<>> out(c, a.rows, b.cols, Eigen::OuterStride<>(ldc));
  if (beta == T(0)) {
    out.noalias() = alpha * (view(a) * view(b));
  } else {
    if (beta != T(1)) out *= beta;
    out.noalias() += alpha * (view(a) * view(b));
  }
}

// The typed CBLAS entry points (OpenBLAS; float32 goes to oneDNN).
template <typename T>
struct Cblas;
template <>
struct Cblas<double> {
  static constexpr auto gemm = cblas_dgemm;
  static constexpr auto gemv = cblas_dgemv;
  static constexpr auto dot = cblas_ddot;
};

CBLAS_TRANSPOSE Trans(bool t) { return t ? CblasTrans : CblasNoTrans; }

template <typename T>
absl::Status BlasGemm(const char* op, T alpha, const StridedMatrix<T>& a, const StridedMatrix<T>& b, T beta, T* c,
                      int64_t ldc) {
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  std::optional<BlasLayout> la = LayoutOf(a.rows, a.cols, a.rs, a.cs);
  std::optional<BlasLayout> lb = LayoutOf(b.rows, b.cols, b.rs, b.cs);
  if (!la || !lb) {
    return absl::InternalError(absl::StrCat(op, ": an operand's strides cannot be passed to BLAS"));
  }
  for (int64_t v : {m, n, k, la->ld, lb->ld, ldc}) {
    if (v > INT_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat(op, ": dimension ", v, " exceeds the 32-bit indices of the CPU BLAS library"));
    }
  }
  const int im = static_cast<int>(m), in = static_cast<int>(n), ik = static_cast<int>(k);
  const int lda = static_cast<int>(la->ld), ldb = static_cast<int>(lb->ld), ildc = static_cast<int>(ldc);
  // Element strides of A along k and of B along k, for the vector forms.
  const int a_k = la->trans ? lda : 1;
  const int b_k = lb->trans ? 1 : ldb;
  if (m == 1 && n == 1) {
    T dot = Cblas<T>::dot(ik, a.data, a_k, b.data, b_k);
    c[0] = alpha * dot + (beta == T(0) ? T(0) : beta * c[0]);
  } else if (n == 1) {
    // c[:, 0] = alpha * A b + beta * c; A is m x k, or its transpose k x m.
    ScaleC<T>(m, 1, beta, c, ldc);
    if (la->trans) {
      Cblas<T>::gemv(CblasRowMajor, CblasTrans, ik, im, alpha, a.data, lda, b.data, b_k, T(1), c, ildc);
    } else {
      Cblas<T>::gemv(CblasRowMajor, CblasNoTrans, im, ik, alpha, a.data, lda, b.data, b_k, T(1), c, ildc);
    }
  } else if (m == 1) {
    // c[0, :] = alpha * B^T a + beta * c.
    ScaleC<T>(1, n, beta, c, ldc);
    if (lb->trans) {
      Cblas<T>::gemv(CblasRowMajor, CblasNoTrans, in, ik, alpha, b.data, ldb, a.data, a_k, T(1), c, 1);
    } else {
      Cblas<T>::gemv(CblasRowMajor, CblasTrans, ik, in, alpha, b.data, ldb, a.data, a_k, T(1), c, 1);
    }
  } else {
    Cblas<T>::gemm(CblasRowMajor, Trans(la->trans), Trans(lb->trans), im, in, ik, alpha, a.data, lda, b.data, ldb,
                   beta, c, ildc);
  }
  return absl::OkStatus();
}

// float32: oneDNN's sgemm (row-major, 64-bit dimensions), for every shape:
// it has its own gemv kernels for m == 1 or n == 1, and runs on the OpenMP
// threads the other kernels use.
absl::Status OneDnnSgemm(const char* op, float alpha, const StridedMatrix<float>& a, const StridedMatrix<float>& b,
                         float beta, float* c, int64_t ldc) {
  std::optional<BlasLayout> la = LayoutOf(a.rows, a.cols, a.rs, a.cs);
  std::optional<BlasLayout> lb = LayoutOf(b.rows, b.cols, b.rs, b.cs);
  if (!la || !lb) {
    return absl::InternalError(absl::StrCat(op, ": an operand's strides cannot be passed to BLAS"));
  }
  dnnl_status_t st = dnnl_sgemm(la->trans ? 'T' : 'N', lb->trans ? 'T' : 'N', a.rows, b.cols, a.cols, alpha, a.data,
                                la->ld, b.data, lb->ld, beta, c, ldc);
  if (st != dnnl_success) {
    return absl::InternalError(absl::StrCat(op, ": oneDNN sgemm failed with status ", static_cast<int>(st)));
  }
  return absl::OkStatus();
}

// float16 and bfloat16: the operands widened to dense float matrices
// (exactly), oneDNN's sgemm, and the product rounded back once. That is the
// float accumulation the 16-bit types get everywhere (ComputeType) at
// sgemm's speed; the copies cost O(mk + kn + mn) against the product's
// O(mnk). beta == 0 leaves C unread, as in BLAS.
template <typename T>
absl::Status WidenedGemm(const char* op, T alpha, const StridedMatrix<T>& a, const StridedMatrix<T>& b, T beta,
                         T* c, int64_t ldc) {
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  // A dense row-major float copy of `s`, or an error when out of memory.
  auto widen = [](const StridedMatrix<T>& s) -> absl::StatusOr<Tensor> {
    Tensor w = Tensor::Empty({s.rows, s.cols}, DType::kFloat32);
    if (!w.ok()) return w.status();
    float* out = w.data_ptr<float>();
    ParallelFor(s.rows, std::max<int64_t>(1, kGrain / s.cols), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* row = s.data + r * s.rs;
        float* dst = out + r * s.cols;
        for (int64_t j = 0; j < s.cols; ++j) dst[j] = static_cast<float>(row[j * s.cs]);
      }
    });
    return w;
  };
  absl::StatusOr<Tensor> wa = widen(a), wb = widen(b);
  if (!wa.ok()) return wa.status();
  if (!wb.ok()) return wb.status();
  const float be = static_cast<float>(beta);
  absl::StatusOr<Tensor> wc =
      be != 0.0f ? widen(StridedMatrix<T>{c, m, n, ldc, 1}) : Tensor::Empty({m, n}, DType::kFloat32).Checked();
  if (!wc.ok()) return wc.status();
  float* prod = wc->data_ptr<float>();
  absl::Status st = OneDnnSgemm(op, static_cast<float>(alpha), {wa->data_ptr<float>(), m, k, k, 1},
                                {wb->data_ptr<float>(), k, n, n, 1}, be, prod, n);
  if (!st.ok()) return st;
  ParallelFor(m, std::max<int64_t>(1, kGrain / n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t j = 0; j < n; ++j) c[r * ldc + j] = T(prod[r * n + j]);
    }
  });
  return absl::OkStatus();
}

}  // namespace

template <typename T>
absl::Status Gemm(const char* op, T alpha, const StridedMatrix<T>& a, const StridedMatrix<T>& b, T beta, T* c,
                  int64_t ldc) {
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  if (b.rows != k) {
    return absl::InternalError(absl::StrCat(op, ": inner dimensions ", k, " and ", b.rows, " differ"));
  }
  if (m == 0 || n == 0) return absl::OkStatus();
  if (k == 0) {
    ScaleC<T>(m, n, beta, c, ldc);
    return absl::OkStatus();
  }
  if constexpr (std::is_same_v<T, float>) {
    return OneDnnSgemm(op, alpha, a, b, beta, c, ldc);
  } else if constexpr (std::is_same_v<T, double>) {
    return BlasGemm<T>(op, alpha, a, b, beta, c, ldc);
  } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return WidenedGemm<T>(op, alpha, a, b, beta, c, ldc);
  } else {
    EigenGemm<T>(alpha, a, b, beta, c, ldc);
    return absl::OkStatus();
  }
}

#define AOT_INSTANTIATE_GEMM(T)                                                                          \
  template absl::Status Gemm<T>(const char*, T, const StridedMatrix<T>&, const StridedMatrix<T>&, T, T*, \
                                int64_t);
AOT_INSTANTIATE_GEMM(float)
AOT_INSTANTIATE_GEMM(double)
AOT_INSTANTIATE_GEMM(Half)
AOT_INSTANTIATE_GEMM(BFloat16)
AOT_INSTANTIATE_GEMM(int32_t)
AOT_INSTANTIATE_GEMM(int64_t)
AOT_INSTANTIATE_GEMM(uint8_t)
#undef AOT_INSTANTIATE_GEMM

}  // namespace aot::cpu
