// CUDA kernels of the reductions (sum, mean, amax, amin, argmax, var, std,
// var_mean, logsumexp) and of softmax, log_softmax, layer_norm and their
// backward ops. The host side brings the input into the [outer, r, inner]
// form reduction.cu and norm.cu take: reduced dimensions that are one block
// need no copy; otherwise they are permuted to the end (one dense copy).
// Semantics follow aot/backends/cpu/reduction_kernels.cc and nn_kernels.cc.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "aot/backends/common/norm_checks.h"
#include "aot/backends/cuda/cuda_utils.h"
#include "aot/backends/cuda/device_kernels.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"

namespace aot::cuda {
namespace {

const std::string& Name(const OpCall& call) { return call.op->name(); }

int WrapDim(int64_t dim, int rank) { return static_cast<int>(dim < 0 ? dim + std::max(rank, 1) : dim); }

// A reduction of x viewed as [outer, r, inner] over r.
struct Plan {
  Tensor x;
  int64_t outer = 1, r = 1, inner = 1;
  bool empty_reduced_dim = false;  // A reduced dimension has size 0.
};

// Dense `input` in `dtype`, reduced over `dims` (empty: all).
absl::StatusOr<Plan> MakePlan(const Tensor& input, const std::vector<int64_t>& dims, DType dtype) {
  Plan p;
  AOT_ASSIGN_OR_RETURN(p.x, Dense(input, dtype));
  const int rank = p.x.dim();
  std::vector<bool> mask(rank, dims.empty());
  for (int64_t d : dims) {
    if (rank > 0) mask[WrapDim(d, rank)] = true;
  }
  for (int d = 0; d < rank; ++d) p.empty_reduced_dim |= mask[d] && p.x.size(d) == 0;
  // Are the reduced dims (ignoring size-1 ones) one consecutive block?
  int first = -1, last = -1;
  bool block = true;
  for (int d = 0; d < rank; ++d) {
    if (!mask[d] || p.x.size(d) == 1) continue;
    if (first < 0) first = d;
    if (last >= 0) {
      for (int e = last + 1; e < d; ++e) block &= mask[e] || p.x.size(e) == 1;
    }
    last = d;
  }
  if (block) {
    for (int d = 0; d < rank; ++d) {
      const int64_t s = p.x.size(d);
      if (mask[d]) {
        p.r *= s;
      } else if (first < 0 || d < first) {
        p.outer *= s;
      } else {
        p.inner *= s;
      }
    }
    return p;
  }
  std::vector<int64_t> perm;
  for (int d = 0; d < rank; ++d) {
    if (!mask[d]) perm.push_back(d);
  }
  for (int d = 0; d < rank; ++d) {
    if (mask[d]) perm.push_back(d);
  }
  for (int d = 0; d < rank; ++d) (mask[d] ? p.r : p.outer) *= p.x.size(d);
  AOT_ASSIGN_OR_RETURN(p.x, Dense(p.x.permute(perm)));
  return p;
}

std::vector<int64_t> DimsAttr(const OpCall& call) {
  const ir::AttrValue& d = call.attr("dim");
  return d.is_none() ? std::vector<int64_t>{} : d.ints();
}

absl::Status Launch(const OpCall& call, ReduceOp op, const Plan& p, const Tensor& out, const Tensor* out2,
                    double divisor) {
  ReduceArgs a;
  a.x = p.x.numel() > 0 ? p.x.raw_data() : nullptr;
  a.out = out.numel() > 0 ? out.raw_data() : nullptr;
  a.out2 = out2 != nullptr && out2->numel() > 0 ? out2->raw_data() : nullptr;
  a.outer = p.outer;
  a.r = p.r;
  a.inner = p.inner;
  a.divisor = divisor;
  if (out.numel() == 0) return absl::OkStatus();
  const DT dt = ToDT(p.x.dtype());
  const int64_t bytes = ReduceWorkspaceBytes(op, dt, a);
  Tensor ws;
  if (bytes > 0) {
    AOT_ASSIGN_OR_RETURN(ws, Tensor::Empty({bytes}, DType::kUInt8, out.device()).Checked());
  }
  return CheckLaunch(LaunchReduce(op, dt, a, bytes > 0 ? ws.raw_data() : nullptr), Name(call));
}

absl::Status RequireNonEmpty(const OpCall& call, const Plan& p) {
  if (!p.empty_reduced_dim) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(Name(call), "(): expected reduction dims to have non-zero size, got input ",
                                                 call.input(0).meta().ToString()));
}

KernelResult SumKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  AOT_ASSIGN_OR_RETURN(Plan p, MakePlan(call.input(0), DimsAttr(call), out.dtype()));
  AOT_RETURN_IF_ERROR(Launch(call, ReduceOp::kSum, p, out, nullptr, 1));
  return std::vector<Tensor>{out};
}

KernelResult MeanKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  if (!ir::IsFloating(out.dtype())) {
    return absl::InvalidArgumentError(
        absl::StrCat("mean(): the result dtype must be floating, got ", ir::DTypeName(out.dtype())));
  }
  AOT_ASSIGN_OR_RETURN(Plan p, MakePlan(call.input(0), DimsAttr(call), out.dtype()));
  AOT_RETURN_IF_ERROR(Launch(call, ReduceOp::kMean, p, out, nullptr, static_cast<double>(p.r)));
  return std::vector<Tensor>{out};
}

template <bool kMax>
KernelResult MinMaxKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  AOT_ASSIGN_OR_RETURN(Plan p, MakePlan(call.input(0), call.attr("dim").ints(), out.dtype()));
  AOT_RETURN_IF_ERROR(RequireNonEmpty(call, p));
  AOT_RETURN_IF_ERROR(Launch(call, kMax ? ReduceOp::kMax : ReduceOp::kMin, p, out, nullptr, 1));
  return std::vector<Tensor>{out};
}

KernelResult ArgmaxKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  const ir::AttrValue& dim = call.attr("dim");
  std::vector<int64_t> dims;
  if (!dim.is_none()) dims.push_back(dim.i());
  const Tensor& x = call.input(0);
  if (x.numel() == 0 && dim.is_none()) {
    return absl::InvalidArgumentError(
        absl::StrCat("argmax(): expected a non-empty input when no dim is given, got ", x.meta().ToString()));
  }
  AOT_ASSIGN_OR_RETURN(Plan p, MakePlan(x, dims, x.dtype()));
  AOT_RETURN_IF_ERROR(RequireNonEmpty(call, p));
  AOT_RETURN_IF_ERROR(Launch(call, ReduceOp::kArgmax, p, out, nullptr, 1));
  return std::vector<Tensor>{out};
}

template <ReduceOp kOp>
KernelResult VarKernel(const OpCall& call) {
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev));
  Tensor mean;
  if (kOp == ReduceOp::kVarMean) {
    AOT_ASSIGN_OR_RETURN(mean, NewResult(call, 1, dev));
  }
  AOT_ASSIGN_OR_RETURN(Plan p, MakePlan(call.input(0), DimsAttr(call), out.dtype()));
  const double divisor =
      std::max<double>(0.0, static_cast<double>(p.r) - static_cast<double>(call.attr("correction").i()));
  AOT_RETURN_IF_ERROR(Launch(call, kOp, p, out, kOp == ReduceOp::kVarMean ? &mean : nullptr, divisor));
  if (kOp == ReduceOp::kVarMean) return std::vector<Tensor>{out, mean};
  return std::vector<Tensor>{out};
}

KernelResult LogsumexpKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  AOT_ASSIGN_OR_RETURN(Plan p, MakePlan(call.input(0), call.attr("dim").ints(), out.dtype()));
  AOT_RETURN_IF_ERROR(Launch(call, ReduceOp::kLogsumexp, p, out, nullptr, 1));
  return std::vector<Tensor>{out};
}

// --- softmax / log_softmax ------------------------------------------------------------

// (outer, size, inner) of `sizes` around `dim`.
void SplitAt(absl::Span<const int64_t> sizes, int dim, int64_t* outer, int64_t* d, int64_t* inner) {
  *outer = 1, *d = 1, *inner = 1;
  if (sizes.empty()) return;
  for (int i = 0; i < dim; ++i) *outer *= sizes[i];
  *d = sizes[dim];
  for (int i = dim + 1; i < static_cast<int>(sizes.size()); ++i) *inner *= sizes[i];
}

absl::Status RequireFloatResult(const OpCall& call) {
  if (ir::IsFloating(call.result_metas[0].dtype)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(Name(call), "(): expected floating operands, got ",
                                                 ir::DTypeName(call.result_metas[0].dtype)));
}

template <bool kLog>
KernelResult SoftmaxKernel(const OpCall& call) {
  AOT_RETURN_IF_ERROR(RequireFloatResult(call));
  AOT_ASSIGN_OR_RETURN(Tensor y, NewResult(call, 0, CallDevice(call)));
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(call.input(0), y.dtype()));
  if (x.numel() == 0) return std::vector<Tensor>{y};
  int64_t outer, d, inner;
  SplitAt(x.sizes(), WrapDim(call.attr("dim").i(), x.dim()), &outer, &d, &inner);
  AOT_RETURN_IF_ERROR(
      CheckLaunch(LaunchSoftmax(kLog, ToDT(y.dtype()), x.raw_data(), y.raw_data(), outer, d, inner), Name(call)));
  return std::vector<Tensor>{y};
}

template <bool kLog>
KernelResult SoftmaxBackwardKernel(const OpCall& call) {
  AOT_RETURN_IF_ERROR(RequireFloatResult(call));
  AOT_ASSIGN_OR_RETURN(Tensor gi, NewResult(call, 0, CallDevice(call)));
  AOT_ASSIGN_OR_RETURN(Tensor g, Dense(call.input(0), gi.dtype()));
  AOT_ASSIGN_OR_RETURN(Tensor y, Dense(call.input(1), gi.dtype()));
  if (g.numel() == 0) return std::vector<Tensor>{gi};
  int64_t outer, d, inner;
  SplitAt(g.sizes(), WrapDim(call.attr("dim").i(), g.dim()), &outer, &d, &inner);
  AOT_RETURN_IF_ERROR(CheckLaunch(
      LaunchSoftmaxBackward(kLog, ToDT(gi.dtype()), g.raw_data(), y.raw_data(), gi.raw_data(), outer, d, inner),
      Name(call)));
  return std::vector<Tensor>{gi};
}

// --- layer_norm -------------------------------------------------------------------------

using backends::NormalizedNumel;

absl::StatusOr<Tensor> OptionalDense(const Tensor* t, DType dtype) {
  if (t == nullptr) return Tensor();
  return Dense(*t, dtype);
}

const void* PtrOrNull(const Tensor& t) { return t.defined() && t.numel() > 0 ? t.raw_data() : nullptr; }
void* MutPtrOrNull(const Tensor& t) { return t.defined() && t.numel() > 0 ? t.raw_data() : nullptr; }

KernelResult LayerNormKernel(const OpCall& call) {
  const Device dev = CallDevice(call);
  const DType dt = call.input(0).dtype();
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(call.input(0), dt));
  AOT_ASSIGN_OR_RETURN(Tensor w, OptionalDense(call.optional_input(1), dt));
  AOT_ASSIGN_OR_RETURN(Tensor b, OptionalDense(call.optional_input(2), dt));
  AOT_ASSIGN_OR_RETURN(Tensor y, NewResult(call, 0, dev, dt));
  AOT_ASSIGN_OR_RETURN(Tensor mean, NewResult(call, 1, dev, dt));
  AOT_ASSIGN_OR_RETURN(Tensor rstd, NewResult(call, 2, dev, dt));
  const int64_t n = NormalizedNumel(call);
  const int64_t rows = mean.numel();
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchLayerNorm(ToDT(dt), PtrOrNull(x), PtrOrNull(w), PtrOrNull(b), MutPtrOrNull(y),
                                                  MutPtrOrNull(mean), MutPtrOrNull(rstd), n == 0 ? 0 : rows, n,
                                                  call.attr("eps").f()),
                                  Name(call)));
  return std::vector<Tensor>{y, mean, rstd};
}

KernelResult LayerNormBackwardKernel(const OpCall& call) {
  AOT_RETURN_IF_ERROR(RequireFloatResult(call));
  const Device dev = CallDevice(call);
  const DType dt = call.input(1).dtype();
  AOT_ASSIGN_OR_RETURN(Tensor g, Dense(call.input(0), dt));
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(call.input(1), dt));
  AOT_ASSIGN_OR_RETURN(Tensor mean, Dense(call.input(2), dt));
  AOT_ASSIGN_OR_RETURN(Tensor rstd, Dense(call.input(3), dt));
  AOT_ASSIGN_OR_RETURN(Tensor w, OptionalDense(call.optional_input(4), dt));
  const int64_t n = NormalizedNumel(call);
  AOT_RETURN_IF_ERROR(backends::CheckLayerNormBackwardStats(x, mean, rstd, w, n));
  const int64_t rows = n == 0 ? 0 : x.numel() / n;
  AOT_ASSIGN_OR_RETURN(Tensor gi, NewResult(call, 0, dev, dt));
  AOT_ASSIGN_OR_RETURN(Tensor gw, NewResult(call, 1, dev, dt));
  AOT_ASSIGN_OR_RETURN(Tensor gb, NewResult(call, 2, dev, dt));
  const int64_t bytes = LayerNormBackwardWorkspaceBytes(rows, n);
  Tensor ws;
  if (bytes > 0) {
    AOT_ASSIGN_OR_RETURN(ws, Tensor::Empty({bytes}, DType::kUInt8, dev).Checked());
  }
  AOT_RETURN_IF_ERROR(CheckLaunch(
      LaunchLayerNormBackward(ToDT(dt), PtrOrNull(g), PtrOrNull(x), PtrOrNull(mean), PtrOrNull(rstd), PtrOrNull(w),
                              MutPtrOrNull(gi), MutPtrOrNull(gw), MutPtrOrNull(gb), rows, n, MutPtrOrNull(ws)),
      Name(call)));
  std::vector<Tensor> results{gi, gw, gb};
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].dtype() != call.result_metas[i].dtype) results[i] = results[i].to(call.result_metas[i].dtype);
  }
  return results;
}

AOT_REGISTER_CUDA_KERNEL(kSum, SumKernel);
AOT_REGISTER_CUDA_KERNEL(kMean, MeanKernel);
AOT_REGISTER_CUDA_KERNEL(kAmax, MinMaxKernel<true>);
AOT_REGISTER_CUDA_KERNEL(kAmin, MinMaxKernel<false>);
AOT_REGISTER_CUDA_KERNEL(kArgmax, ArgmaxKernel);
AOT_REGISTER_CUDA_KERNEL(kVar, VarKernel<ReduceOp::kVar>);
AOT_REGISTER_CUDA_KERNEL(kStd, VarKernel<ReduceOp::kStd>);
AOT_REGISTER_CUDA_KERNEL(kVarMean, VarKernel<ReduceOp::kVarMean>);
AOT_REGISTER_CUDA_KERNEL(kLogsumexp, LogsumexpKernel);
AOT_REGISTER_CUDA_KERNEL(kSoftmax, SoftmaxKernel<false>);
AOT_REGISTER_CUDA_KERNEL(kLogSoftmax, SoftmaxKernel<true>);
AOT_REGISTER_CUDA_KERNEL(kSoftmaxBackward, SoftmaxBackwardKernel<false>);
AOT_REGISTER_CUDA_KERNEL(kLogSoftmaxBackward, SoftmaxBackwardKernel<true>);
AOT_REGISTER_CUDA_KERNEL(kLayerNorm, LayerNormKernel);
AOT_REGISTER_CUDA_KERNEL(kLayerNormBackward, LayerNormBackwardKernel);

}  // namespace
}  // namespace aot::cuda
