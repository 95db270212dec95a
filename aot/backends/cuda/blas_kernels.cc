// CUDA kernels of the linear-algebra ops (matmul with torch.matmul's vector
// and broadcast-batch rules, mm, bmm, addmm, linear) through cuBLAS.
//
// Note [cuBLAS layouts]
// cuBLAS is column-major; a row-major C = A B is computed as the
// column-major C^T = B^T A^T, so B goes first. A strided matrix that is a
// row-major matrix with a row stride, or the transpose of one, is passed as
// it is with the matching op (N or T) and leading dimension; anything else
// (both strides other than 1, an expanded matrix) is copied first. Batches go
// to cublasGemmStridedBatchedEx when each operand's batch dims collapse into
// one stride (0 for a shared matrix); a contiguous batch times a shared
// matrix (linear) folds into one product. float32 uses CUBLAS_COMPUTE_32F,
// i.e. no TF32, unless SetAllowTf32(true); f16 and bf16 accumulate in f32;
// integer products have no cuBLAS routine and are Unimplemented.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "aot/backends/common/matmul_layout.h"
#include "aot/backends/cuda/cuda.h"
#include "aot/backends/cuda/cuda_utils.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"
#include "cublas_v2.h"

namespace aot::cuda {

namespace {

std::atomic<bool> g_allow_tf32{false};

}  // namespace

void SetAllowTf32(bool allow) { g_allow_tf32.store(allow); }
bool AllowTf32() { return g_allow_tf32.load(); }

namespace {

absl::Status CublasStatus(cublasStatus_t s, absl::string_view what) {
  if (s == CUBLAS_STATUS_SUCCESS) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": cuBLAS error ", cublasGetStatusName(s), ": ", cublasGetStatusString(s));
  if (s == CUBLAS_STATUS_ALLOC_FAILED) return absl::ResourceExhaustedError(message);
  if (s == CUBLAS_STATUS_NOT_INITIALIZED) return absl::FailedPreconditionError(message);
  if (s == CUBLAS_STATUS_INVALID_VALUE || s == CUBLAS_STATUS_NOT_SUPPORTED) {
    return absl::InvalidArgumentError(message);
  }
  return absl::InternalError(message);
}

absl::StatusOr<cublasHandle_t> CublasHandle(int device) {
  static std::mutex mu;
  static cublasHandle_t handles[64] = {};
  if (device < 0 || device >= 64) return absl::InvalidArgumentError(absl::StrCat("cuda:", device));
  std::lock_guard<std::mutex> lock(mu);
  if (handles[device] == nullptr) {
    cublasHandle_t h = nullptr;
    AOT_RETURN_IF_ERROR(CublasStatus(cublasCreate(&h), "cublasCreate"));
    cublasSetStream(h, nullptr);
    handles[device] = h;
  }
  return handles[device];
}

const char* OpName(const OpCall& call) { return call.op->name().c_str(); }

// How a row-major BLAS takes a matrix (see Note [cuBLAS layouts]), and a
// tensor seen as a batch of matrices.
using backends::BlasLayout;
using backends::LayoutOf;
using BatchedOperand = backends::BatchedMatrices;

// The single stride of the batch dims (0 if shared), or nullopt.
std::optional<int64_t> BatchStride(const BatchedOperand& op, absl::Span<const int64_t> batch) {
  std::optional<int64_t> stride;
  int64_t expected = -1;
  for (int d = static_cast<int>(batch.size()) - 1; d >= 0; --d) {
    if (batch[d] == 1) continue;
    const int64_t s = op.batch_strides[d];
    if (!stride) {
      stride = s;
      expected = s * batch[d];
    } else if (s != expected) {
      return std::nullopt;
    } else {
      expected = s * batch[d];
    }
  }
  if (stride && *stride == 0) {
    for (int64_t s : op.batch_strides) {
      if (s != 0) return std::nullopt;
    }
  }
  return stride.value_or(0);
}

// Makes `t` an operand cuBLAS takes: copies it (expanded to the full batch
// when its batch strides do not collapse) if needed.
absl::StatusOr<BatchedOperand> MakeOperand(const Tensor& t, bool vector_is_row, absl::Span<const int64_t> batch) {
  BatchedOperand op = backends::ViewAsMatrices(t, vector_is_row, batch);
  if (LayoutOf(op.rows, op.cols, op.rs, op.cs) && BatchStride(op, batch)) return op;
  Tensor x = t;
  if (!BatchStride(op, batch)) {
    std::vector<int64_t> full(batch.begin(), batch.end());
    const int keep = std::min(t.dim(), 2);
    for (int i = t.dim() - keep; i < t.dim(); ++i) full.push_back(t.size(i));
    x = t.expand(full);
  }
  AOT_ASSIGN_OR_RETURN(Tensor c, Dense(x));
  return backends::ViewAsMatrices(c, vector_is_row, batch);
}

struct GemmTypes {
  cudaDataType_t data;
  cublasComputeType_t compute;
  bool f64 = false;
};

absl::StatusOr<GemmTypes> TypesOf(const OpCall& call, DType d) {
  switch (d) {
    case DType::kFloat32:
      return GemmTypes{CUDA_R_32F, AllowTf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F};
    case DType::kFloat64:
      return GemmTypes{CUDA_R_64F, CUBLAS_COMPUTE_64F, true};
    case DType::kFloat16:
      return GemmTypes{CUDA_R_16F, CUBLAS_COMPUTE_32F};
    case DType::kBFloat16:
      return GemmTypes{CUDA_R_16BF, CUBLAS_COMPUTE_32F};
    case DType::kBool:
      return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": bool tensors are not supported"));
    default:
      return absl::UnimplementedError(absl::StrCat(OpName(call), ": ", ir::DTypeName(d),
                                                   " matrix products have no CUDA kernel (cuBLAS has none)"));
  }
}

int64_t ElemSize(const Tensor& t) { return ir::DTypeSize(t.dtype()); }

// out (contiguous, batch x m x n) = alpha * a @ b + beta * out.
absl::Status BatchedGemm(const OpCall& call, double alpha, const BatchedOperand& a, const BatchedOperand& b, double beta,
                         absl::Span<const int64_t> batch, const Tensor& out) {
  int64_t m = a.rows, n = b.cols, k = a.cols;
  int64_t nbatch = 1;
  for (int64_t s : batch) nbatch *= s;
  if (nbatch == 0 || m == 0 || n == 0) return absl::OkStatus();
  AOT_ASSIGN_OR_RETURN(GemmTypes types, TypesOf(call, out.dtype()));
  AOT_ASSIGN_OR_RETURN(cublasHandle_t h, CublasHandle(out.device().index()));
  std::optional<BlasLayout> la = LayoutOf(a.rows, a.cols, a.rs, a.cs);
  std::optional<BlasLayout> lb = LayoutOf(b.rows, b.cols, b.rs, b.cs);
  std::optional<int64_t> sa = BatchStride(a, batch), sb = BatchStride(b, batch);
  if (!la || !lb || !sa || !sb) return absl::InternalError(absl::StrCat(OpName(call), ": operand layout"));
  // A contiguous batch of A times a shared B: one product of nbatch * m rows.
  if (*sb == 0 && !la->trans && nbatch > 1 && *sa == m * la->ld) {
    m *= nbatch;
    nbatch = 1;
  }
  for (int64_t v : {m, n, k, la->ld, lb->ld}) {
    if (v > INT32_MAX) {
      return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": dimension ", v, " exceeds cuBLAS's 32-bit sizes"));
    }
  }
  const cublasOperation_t op_a = la->trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = lb->trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  const double alpha_d = alpha, beta_d = beta;
  const float alpha_f = static_cast<float>(alpha), beta_f = static_cast<float>(beta);
  const void* pa = types.f64 ? static_cast<const void*>(&alpha_d) : &alpha_f;
  const void* pb = types.f64 ? static_cast<const void*>(&beta_d) : &beta_f;
  const void* A = a.t.raw_data();
  const void* B = b.t.raw_data();
  void* C = out.raw_data();
  if (k == 0) {
    // cuBLAS leaves C alone for k = 0 only when beta is 1; write beta * C.
    if (beta == 0) {
      AOT_RETURN_IF_ERROR(CheckLaunch(cudaMemsetAsync(C, 0, out.numel() * ElemSize(out)), OpName(call)));
      return absl::OkStatus();
    }
  }
  cublasStatus_t s;
  if (nbatch == 1) {
    s = cublasGemmEx(h, op_b, op_a, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), pa, B, types.data,
                     static_cast<int>(lb->ld), A, types.data, static_cast<int>(la->ld), pb, C, types.data,
                     static_cast<int>(n), types.compute, CUBLAS_GEMM_DEFAULT);
  } else {
    s = cublasGemmStridedBatchedEx(h, op_b, op_a, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), pa,
                                   B, types.data, static_cast<int>(lb->ld), *sb, A, types.data,
                                   static_cast<int>(la->ld), *sa, pb, C, types.data, static_cast<int>(n), m * n,
                                   static_cast<int>(nbatch), types.compute, CUBLAS_GEMM_DEFAULT);
  }
  return CublasStatus(s, OpName(call));
}

KernelResult MatmulKernel(const OpCall& call) {
  const Tensor& a = call.input(0);
  const Tensor& b = call.input(1);
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  AOT_RETURN_IF_ERROR(TypesOf(call, a.dtype()).status());
  if (out.numel() == 0) return std::vector<Tensor>{out};
  std::vector<int64_t> out_sizes = ResultSizes(call);
  const int matrix_dims = (a.dim() > 1 ? 1 : 0) + (b.dim() > 1 ? 1 : 0);
  std::vector<int64_t> batch(out_sizes.begin(), out_sizes.end() - matrix_dims);
  AOT_ASSIGN_OR_RETURN(BatchedOperand oa, MakeOperand(a, /*vector_is_row=*/true, batch));
  AOT_ASSIGN_OR_RETURN(BatchedOperand ob, MakeOperand(b, /*vector_is_row=*/false, batch));
  AOT_RETURN_IF_ERROR(BatchedGemm(call, 1, oa, ob, 0, batch, out));
  return std::vector<Tensor>{out};
}

KernelResult AddmmKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  const Tensor& m1 = call.input(1);
  const Tensor& m2 = call.input(2);
  const double beta = call.attr("beta").scalar();
  const double alpha = call.attr("alpha").scalar();
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  AOT_RETURN_IF_ERROR(TypesOf(call, m1.dtype()).status());
  if (out.numel() == 0) return std::vector<Tensor>{out};
  // beta == 0 ignores self (NaN in it does not propagate), as PyTorch.
  if (beta != 0) {
    Tensor filled = out;
    AOT_RETURN_IF_ERROR(filled.copy_(self.expand({out.size(0), out.size(1)})).status());
  }
  AOT_ASSIGN_OR_RETURN(BatchedOperand oa, MakeOperand(m1, true, {}));
  AOT_ASSIGN_OR_RETURN(BatchedOperand ob, MakeOperand(m2, false, {}));
  AOT_RETURN_IF_ERROR(BatchedGemm(call, alpha, oa, ob, beta, {}, out));
  return std::vector<Tensor>{out};
}

KernelResult LinearKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  const Tensor& w = call.input(1);
  const Tensor* bias = call.optional_input(2);
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  AOT_RETURN_IF_ERROR(TypesOf(call, x.dtype()).status());
  if (out.numel() == 0) return std::vector<Tensor>{out};
  if (bias != nullptr) {
    Tensor filled = out;
    std::vector<int64_t> sizes(out.sizes().begin(), out.sizes().end());
    AOT_RETURN_IF_ERROR(filled.copy_(bias->expand(sizes)).status());
  }
  std::vector<int64_t> batch(x.sizes().begin(), x.sizes().end() - std::min(x.dim(), 2));
  AOT_ASSIGN_OR_RETURN(BatchedOperand ox, MakeOperand(x, /*vector_is_row=*/true, batch));
  // w^T: k x n, the strides of w swapped (a contiguous w is a transpose).
  AOT_ASSIGN_OR_RETURN(BatchedOperand ow, MakeOperand(w.t(), /*vector_is_row=*/false, {}));
  ow.batch_strides.assign(batch.size(), 0);
  AOT_RETURN_IF_ERROR(BatchedGemm(call, 1, ox, ow, bias != nullptr ? 1 : 0, batch, out));
  return std::vector<Tensor>{out};
}

AOT_REGISTER_CUDA_KERNEL(kMatmul, MatmulKernel);
AOT_REGISTER_CUDA_KERNEL(kMm, MatmulKernel);
AOT_REGISTER_CUDA_KERNEL(kBmm, MatmulKernel);
AOT_REGISTER_CUDA_KERNEL(kAddmm, AddmmKernel);
AOT_REGISTER_CUDA_KERNEL(kLinear, LinearKernel);

}  // namespace
}  // namespace aot::cuda
