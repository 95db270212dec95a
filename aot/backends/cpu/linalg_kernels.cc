// CPU kernels of the linear-algebra ops: matmul (torch.matmul semantics:
// vectors, broadcast batch dimensions), mm, bmm, addmm and linear.
//
// Every product goes through Gemm (blas.h). Operands are passed as strided
// views: a transposed matrix (x.t(), a permuted batch) reaches BLAS through
// its transpose flag; only a layout BLAS cannot express (both strides other
// than 1, an expanded matrix) is copied. Batches that are rows of one matrix
// (a batched or leading-dims operand times a shared matrix, as in linear) are
// folded into one call; other batches loop over Gemm. BLAS threads each call
// itself, so nothing here runs in parallel around it.
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "aot/backends/cpu/blas.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/backends/cpu/strided.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"

namespace aot::cpu {
namespace {

const char* OpName(const OpCall& call) { return call.op->name().c_str(); }

using BatchedOperand = backends::BatchedMatrices;

// Views `t` as a batch of rows x cols matrices (backends::ViewAsMatrices),
// copying it if its matrices have a layout BLAS cannot take.
BatchedOperand MakeOperand(const Tensor& t, bool vector_is_row, absl::Span<const int64_t> batch) {
  BatchedOperand op = backends::ViewAsMatrices(t, vector_is_row, batch);
  if (!LayoutOf(op.rows, op.cols, op.rs, op.cs)) op = backends::ViewAsMatrices(Contiguous(t), vector_is_row, batch);
  return op;
}

template <typename T>
StridedMatrix<T> MatrixAt(const BatchedOperand& op, int64_t offset) {
  return StridedMatrix<T>{op.t.data_ptr<T>() + offset, op.rows, op.cols, op.rs, op.cs};
}

// If every batch matrix of `op` is a block of rows of one row-major matrix
// (batch strides chain into the row stride), returns that matrix's row
// stride; the batch then folds into the rows of one product.
std::optional<int64_t> FoldedRowStride(const BatchedOperand& op, absl::Span<const int64_t> batch) {
  std::optional<BlasLayout> l = LayoutOf(op.rows, op.cols, op.rs, op.cs);
  if (!l || l->trans) return std::nullopt;
  // (size, stride) of the dims that fold, outermost first, size-1 dims left out.
  std::vector<std::pair<int64_t, int64_t>> dims;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i] != 1) dims.push_back({batch[i], op.batch_strides[i]});
  }
  if (op.rows != 1) dims.push_back({op.rows, l->ld});
  if (dims.empty()) return std::max<int64_t>(op.cols, 1);
  for (size_t i = 0; i + 1 < dims.size(); ++i) {
    if (dims[i].second != dims[i + 1].first * dims[i + 1].second) return std::nullopt;
  }
  int64_t ld = dims.back().second;
  if (ld < std::max<int64_t>(op.cols, 1)) return std::nullopt;
  return ld;
}

// out (contiguous, batch x m x n) = alpha * a @ b + beta * out, batched over
// `batch`.
template <typename T>
absl::Status BatchedGemm(const char* name, T alpha, const BatchedOperand& a, const BatchedOperand& b, T beta,
                         absl::Span<const int64_t> batch, T* out) {
  const int64_t m = a.rows, n = b.cols;
  int64_t nbatch = 1;
  for (int64_t s : batch) nbatch *= s;
  if (nbatch == 0 || m == 0 || n == 0) return absl::OkStatus();
  bool b_shared = true;
  for (int64_t s : b.batch_strides) b_shared &= s == 0;
  if (b_shared) {
    if (std::optional<int64_t> ld = FoldedRowStride(a, batch)) {
      StridedMatrix<T> am{a.t.data_ptr<T>(), nbatch * m, a.cols, *ld, 1};
      return Gemm<T>(name, alpha, am, MatrixAt<T>(b, 0), beta, out, n);
    }
  }
  const int rank = static_cast<int>(batch.size());
  std::vector<int64_t> idx(rank, 0);
  int64_t a_off = 0, b_off = 0;
  for (int64_t i = 0; i < nbatch; ++i) {
    AOT_RETURN_IF_ERROR(Gemm<T>(name, alpha, MatrixAt<T>(a, a_off), MatrixAt<T>(b, b_off), beta, out + i * m * n, n));
    for (int d = rank - 1; d >= 0; --d) {
      a_off += a.batch_strides[d];
      b_off += b.batch_strides[d];
      if (++idx[d] < batch[d]) break;
      a_off -= batch[d] * a.batch_strides[d];
      b_off -= batch[d] * b.batch_strides[d];
      idx[d] = 0;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCpuDType(const OpCall& call, DType dtype) {
  if (dtype == DType::kBool) {
    return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": bool tensors are not supported"));
  }
  return absl::OkStatus();
}

// Calls f.template operator()<T>() for the element type of `dtype` (not bool).
template <typename F>
absl::Status VisitGemmDType(DType dtype, F&& f) {
  return VisitDType(dtype, [&]<typename T>() -> absl::Status {
    if constexpr (std::is_same_v<T, bool>) {
      return absl::InternalError("bool matrix product");
    } else {
      return f.template operator()<T>();
    }
  });
}

// --- matmul, mm, bmm ------------------------------------------------------------

KernelResult MatmulKernel(const OpCall& call) {
  const Tensor& a = call.input(0);
  const Tensor& b = call.input(1);
  AOT_RETURN_IF_ERROR(CheckCpuDType(call, a.dtype()));
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  if (out.numel() == 0) return std::vector<Tensor>{out};
  // The batch shape: the result's dims before the matrix dims that remain.
  std::vector<int64_t> out_sizes = ResultSizes(call);
  int matrix_dims = (a.dim() > 1 ? 1 : 0) + (b.dim() > 1 ? 1 : 0);
  std::vector<int64_t> batch(out_sizes.begin(), out_sizes.end() - matrix_dims);
  BatchedOperand oa = MakeOperand(a, /*vector_is_row=*/true, batch);
  BatchedOperand ob = MakeOperand(b, /*vector_is_row=*/false, batch);
  AOT_RETURN_IF_ERROR(oa.t.status());
  AOT_RETURN_IF_ERROR(ob.t.status());
  AOT_RETURN_IF_ERROR(VisitGemmDType(a.dtype(), [&]<typename T>() {
    return BatchedGemm<T>(OpName(call), T(1), oa, ob, T(0), batch, out.data_ptr<T>());
  }));
  return std::vector<Tensor>{out};
}

// --- addmm ----------------------------------------------------------------------

// Writes `self` broadcast to m x n into the contiguous `out`.
template <typename T>
void BroadcastInto(const Tensor& self, int64_t m, int64_t n, T* out) {
  const T* s = self.data_ptr<T>();
  int64_t rs = 0, cs = 0;
  if (self.dim() == 2) {
    rs = self.size(0) == 1 ? 0 : self.strides()[0];
    cs = self.size(1) == 1 ? 0 : self.strides()[1];
  } else if (self.dim() == 1) {
    cs = self.size(0) == 1 ? 0 : self.strides()[0];
  }
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) out[i * n + j] = s[i * rs + j * cs];
  }
}

KernelResult AddmmKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  const Tensor& m1 = call.input(1);
  const Tensor& m2 = call.input(2);
  AOT_RETURN_IF_ERROR(CheckCpuDType(call, m1.dtype()));
  const double beta = call.attr("beta").scalar();
  const double alpha = call.attr("alpha").scalar();
  if (ir::IsIntegral(m1.dtype()) && (beta != std::trunc(beta) || alpha != std::trunc(alpha))) {
    // As PyTorch: an integer product cannot take a fractional factor.
    return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": beta ", beta, " and alpha ", alpha,
                                                   " must be integers for integer operands (",
                                                   ir::DTypeName(m1.dtype()), ")"));
  }
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  if (out.numel() == 0) return std::vector<Tensor>{out};
  const int64_t m = m1.size(0), n = m2.size(1);
  BatchedOperand oa = MakeOperand(m1, true, {});
  BatchedOperand ob = MakeOperand(m2, false, {});
  AOT_RETURN_IF_ERROR(oa.t.status());
  AOT_RETURN_IF_ERROR(ob.t.status());
  AOT_RETURN_IF_ERROR(VisitGemmDType(m1.dtype(), [&]<typename T>() {
    T* o = out.data_ptr<T>();
    // beta == 0 ignores self (NaN in it does not propagate), as PyTorch.
    if (beta != 0) BroadcastInto<T>(self, m, n, o);
    using C = ComputeType<T>;
    return BatchedGemm<T>(OpName(call), T(static_cast<C>(alpha)), oa, ob, T(static_cast<C>(beta)), {}, o);
  }));
  return std::vector<Tensor>{out};
}

// --- linear ---------------------------------------------------------------------

KernelResult LinearKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  const Tensor& w = call.input(1);
  const Tensor* bias = call.optional_input(2);
  AOT_RETURN_IF_ERROR(CheckCpuDType(call, x.dtype()));
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  if (out.numel() == 0) return std::vector<Tensor>{out};
  const int64_t n = w.size(0);
  // matmul(x, w^T): x's leading dims (all but the last two) are the batch;
  // when they are rows of one matrix (e.g. a contiguous x) the product is a
  // single Gemm.
  std::vector<int64_t> batch(x.sizes().begin(), x.sizes().end() - std::min(x.dim(), 2));
  BatchedOperand ox = MakeOperand(x, /*vector_is_row=*/true, batch);
  AOT_RETURN_IF_ERROR(ox.t.status());
  // w^T: k x n with the strides of w swapped (a contiguous w is a transpose).
  BatchedOperand ow;
  ow.t = w;
  ow.rows = w.size(1), ow.cols = n, ow.rs = w.strides()[1], ow.cs = w.strides()[0];
  ow.batch_strides.assign(batch.size(), 0);
  if (!LayoutOf(ow.rows, ow.cols, ow.rs, ow.cs)) {
    ow.t = Contiguous(w);
    AOT_RETURN_IF_ERROR(ow.t.status());
    ow.rs = 1, ow.cs = ow.rows;
  }
  AOT_RETURN_IF_ERROR(VisitGemmDType(x.dtype(), [&]<typename T>() {
    T* o = out.data_ptr<T>();
    const int64_t rows = out.numel() / n;
    if (bias != nullptr) {
      const T* bp = bias->data_ptr<T>();
      const int64_t bs = bias->strides()[0];
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t j = 0; j < n; ++j) o[r * n + j] = bp[j * bs];
      }
    }
    using C = ComputeType<T>;
    return BatchedGemm<T>(OpName(call), T(C(1)), ox, ow, T(C(bias != nullptr ? 1 : 0)), batch, o);
  }));
  return std::vector<Tensor>{out};
}

AOT_REGISTER_KERNEL(kMatmul, kCPU, MatmulKernel);
AOT_REGISTER_KERNEL(kMm, kCPU, MatmulKernel);
AOT_REGISTER_KERNEL(kBmm, kCPU, MatmulKernel);
AOT_REGISTER_KERNEL(kAddmm, kCPU, AddmmKernel);
AOT_REGISTER_KERNEL(kLinear, kCPU, LinearKernel);

}  // namespace
}  // namespace aot::cpu
