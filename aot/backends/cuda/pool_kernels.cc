// CUDA kernels of 2-D pooling (max_pool2d_with_indices, avg_pool2d,
// adaptive_avg_pool2d and their backward ops) and of batch_norm and
// batch_norm_backward: shape checks here, device code in pool.cu. Geometry,
// edge rules and error messages follow aot/backends/cpu/pool_kernels.cc and
// nn_kernels.cc; floating dtypes only (integer pooling is Unimplemented on
// CUDA). Unlike the CPU kernel, max_pool2d_with_indices_backward does not
// check its indices (that would synchronize): an index outside its plane
// adds nothing.
#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "aot/backends/common/pool_geometry.h"
#include "aot/backends/cuda/cuda_utils.h"
#include "aot/backends/cuda/device_kernels.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"

namespace aot::cuda {
namespace {

const std::string& Name(const OpCall& call) { return call.op->name(); }

using backends::AdaptiveOutputSize;
using backends::CheckAdaptiveGradOutput;
using backends::CheckPoolGradOutput;
using backends::PoolWindow;

// The CUDA backend pools floating-point tensors only.
absl::Status CheckInput(const OpCall& call, const Tensor& self) {
  AOT_RETURN_IF_ERROR(backends::CheckPoolInput(call, self));
  if (!ir::IsFloating(self.dtype())) {
    return absl::UnimplementedError(absl::StrCat(
        Name(call), ": the CUDA backend pools floating-point tensors only, got ", self.meta().ToString()));
  }
  return absl::OkStatus();
}

// The device kernels' arguments for window `w`.
PoolArgs ArgsOf(const PoolWindow& w) {
  PoolArgs a;
  a.planes = w.planes, a.h = w.h, a.w = w.w, a.oh = w.oh, a.ow = w.ow;
  a.kh = w.kh, a.kw = w.kw, a.sh = w.sh, a.sw = w.sw, a.ph = w.ph, a.pw = w.pw, a.dh = w.dh, a.dw = w.dw;
  return a;
}

// The window geometry of max_pool2d (with dilation) or avg_pool2d over
// `self`.
absl::StatusOr<PoolWindow> WindowGeometry(const OpCall& call, const Tensor& self, bool dilation) {
  AOT_RETURN_IF_ERROR(CheckInput(call, self));
  return backends::PoolWindowOf(call, self, dilation);
}

absl::Status ReadAvgOptions(const OpCall& call, PoolArgs* g) {
  g->count_include_pad = call.attr("count_include_pad").b();
  const ir::AttrValue& d = call.attr("divisor_override");
  if (!d.is_none()) {
    if (d.i() <= 0) return absl::InvalidArgumentError(absl::StrCat(Name(call), ": divisor_override must be positive"));
    g->divisor_override = d.i();
  }
  return absl::OkStatus();
}

KernelResult MaxPool2dKernel(const OpCall& call) {
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(PoolWindow w, WindowGeometry(call, call.input(0), /*dilation=*/true));
  const PoolArgs g = ArgsOf(w);
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(call.input(0)));
  AOT_ASSIGN_OR_RETURN(Tensor y, NewResult(call, 0, dev));
  AOT_ASSIGN_OR_RETURN(Tensor ind, NewResult(call, 1, dev));
  AOT_RETURN_IF_ERROR(CheckLaunch(
      LaunchMaxPool2d(ToDT(x.dtype()), x.raw_data(), y.raw_data(), static_cast<int64_t*>(ind.raw_data()), g),
      Name(call)));
  return std::vector<Tensor>{y, ind};
}

KernelResult MaxPool2dBackwardKernel(const OpCall& call) {
  const Device dev = CallDevice(call);
  const Tensor& self = call.input(1);
  AOT_ASSIGN_OR_RETURN(PoolWindow w, WindowGeometry(call, self, /*dilation=*/true));
  AOT_RETURN_IF_ERROR(CheckPoolGradOutput(call, call.input(0), self, w));
  const PoolArgs g = ArgsOf(w);
  const Tensor& indices = call.input(2);
  if (indices.dtype() != DType::kInt64 || indices.sizes() != call.input(0).sizes()) {
    return absl::InvalidArgumentError(absl::StrCat(Name(call), ": indices ", indices.meta().ToString(),
                                                   " must be i64 with the shape of grad_output ",
                                                   call.input(0).meta().ToString()));
  }
  AOT_ASSIGN_OR_RETURN(Tensor go, Dense(call.input(0)));
  AOT_ASSIGN_OR_RETURN(Tensor ind, Dense(indices));
  AOT_ASSIGN_OR_RETURN(Tensor gi, NewResult(call, 0, dev));
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchMaxPool2dBackward(ToDT(go.dtype()), go.raw_data(),
                                                          static_cast<const int64_t*>(ind.raw_data()),
                                                          gi.raw_data(), g),
                                  Name(call)));
  return std::vector<Tensor>{gi};
}

KernelResult AvgPool2dKernel(const OpCall& call) {
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(PoolWindow w, WindowGeometry(call, call.input(0), /*dilation=*/false));
  PoolArgs g = ArgsOf(w);
  AOT_RETURN_IF_ERROR(ReadAvgOptions(call, &g));
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(call.input(0)));
  AOT_ASSIGN_OR_RETURN(Tensor y, NewResult(call, 0, dev));
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchAvgPool2d(ToDT(x.dtype()), x.raw_data(), y.raw_data(), g), Name(call)));
  return std::vector<Tensor>{y};
}

KernelResult AvgPool2dBackwardKernel(const OpCall& call) {
  const Device dev = CallDevice(call);
  const Tensor& self = call.input(1);
  AOT_ASSIGN_OR_RETURN(PoolWindow w, WindowGeometry(call, self, /*dilation=*/false));
  AOT_RETURN_IF_ERROR(CheckPoolGradOutput(call, call.input(0), self, w));
  PoolArgs g = ArgsOf(w);
  AOT_RETURN_IF_ERROR(ReadAvgOptions(call, &g));
  AOT_ASSIGN_OR_RETURN(Tensor go, Dense(call.input(0)));
  AOT_ASSIGN_OR_RETURN(Tensor gi, NewResult(call, 0, dev));
  AOT_RETURN_IF_ERROR(
      CheckLaunch(LaunchAvgPool2dBackward(ToDT(go.dtype()), go.raw_data(), gi.raw_data(), g), Name(call)));
  return std::vector<Tensor>{gi};
}

KernelResult AdaptiveAvgPool2dKernel(const OpCall& call) {
  const Device dev = CallDevice(call);
  const Tensor& self = call.input(0);
  AOT_RETURN_IF_ERROR(CheckInput(call, self));
  AOT_ASSIGN_OR_RETURN(auto o, AdaptiveOutputSize(call));
  PoolArgs g = ArgsOf(backends::PoolPlanes(self));
  std::tie(g.oh, g.ow) = o;
  AOT_ASSIGN_OR_RETURN(Tensor y, NewResult(call, 0, dev));
  if (y.numel() == 0) return std::vector<Tensor>{y};
  if (g.h * g.w == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(Name(call), ": input ", self.meta().ToString(), " has an empty plane to average"));
  }
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(self));
  AOT_RETURN_IF_ERROR(
      CheckLaunch(LaunchAdaptiveAvgPool2d(ToDT(x.dtype()), x.raw_data(), y.raw_data(), g), Name(call)));
  return std::vector<Tensor>{y};
}

KernelResult AdaptiveAvgPool2dBackwardKernel(const OpCall& call) {
  const Device dev = CallDevice(call);
  const Tensor& grad = call.input(0);
  const Tensor& self = call.input(1);
  AOT_RETURN_IF_ERROR(CheckInput(call, self));
  AOT_RETURN_IF_ERROR(CheckAdaptiveGradOutput(call, grad, self));
  const int r = self.dim();
  PoolArgs g = ArgsOf(backends::PoolPlanes(self));
  g.oh = grad.size(r - 2);
  g.ow = grad.size(r - 1);
  AOT_ASSIGN_OR_RETURN(Tensor go, Dense(grad));
  AOT_ASSIGN_OR_RETURN(Tensor gi, NewResult(call, 0, dev));
  AOT_RETURN_IF_ERROR(
      CheckLaunch(LaunchAdaptiveAvgPool2dBackward(ToDT(go.dtype()), go.raw_data(), gi.raw_data(), g), Name(call)));
  return std::vector<Tensor>{gi};
}

// --- batch_norm ------------------------------------------------------------------------------

// The dtype of per-channel statistics: float32 for the 16-bit floats.
DType ComputeDType(DType d) { return d == DType::kFloat64 ? DType::kFloat64 : DType::kFloat32; }

absl::StatusOr<Tensor> OptionalDense(const Tensor* t, DType dtype) {
  if (t == nullptr || !t->defined()) return Tensor();
  return Dense(*t, dtype);
}

const void* PtrOrNull(const Tensor& t) { return t.defined() && t.numel() > 0 ? t.raw_data() : nullptr; }
void* MutPtrOrNull(const Tensor& t) { return t.defined() && t.numel() > 0 ? t.raw_data() : nullptr; }

// The device workspace of batch_norm's kernels (undefined if none).
absl::StatusOr<Tensor> Workspace(DType dt, const BatchNormArgs& a, Device dev) {
  const int64_t bytes = BatchNormWorkspaceBytes(ToDT(dt), a);
  if (bytes == 0) return Tensor();
  return Tensor::Empty({bytes}, DType::kUInt8, dev).Checked();
}

absl::StatusOr<BatchNormArgs> BatchNormShape(const OpCall& call, const Tensor& x) {
  if (x.dim() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(Name(call), "(): expected an input of at least 2 dimensions, got ", x.meta().ToString()));
  }
  if (!ir::IsFloating(x.dtype())) {
    return absl::InvalidArgumentError(
        absl::StrCat(Name(call), "(): expected floating operands, got ", x.meta().ToString()));
  }
  BatchNormArgs a;
  a.n = x.size(0);
  a.c = x.size(1);
  a.s = a.n * a.c == 0 ? 0 : x.numel() / (a.n * a.c);
  a.training = call.attr("training").b();
  a.eps = call.attr("eps").f();
  return a;
}

absl::Status CheckPerChannel(const OpCall& call, const Tensor& x, std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts) {
    if (t->defined() && t->numel() != x.size(1)) {
      return absl::InvalidArgumentError(absl::StrCat(Name(call), "(): per-channel operand ", t->meta().ToString(),
                                                     " must have ", x.size(1), " values (the channels of input ",
                                                     x.meta().ToString(), ")"));
    }
  }
  return absl::OkStatus();
}

// Converts each result to its declared dtype.
KernelResult Finish(const OpCall& call, std::vector<Tensor> results) {
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].dtype() != call.result_metas[i].dtype) {
      AOT_ASSIGN_OR_RETURN(results[i], results[i].to(call.result_metas[i].dtype).Checked());
    }
  }
  return results;
}

KernelResult BatchNormKernel(const OpCall& call) {
  const Device dev = CallDevice(call);
  const DType dt = call.input(0).dtype();
  AOT_ASSIGN_OR_RETURN(BatchNormArgs a, BatchNormShape(call, call.input(0)));
  a.momentum = call.attr("momentum").f();
  const DType cd = ComputeDType(dt);
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(call.input(0)));
  AOT_ASSIGN_OR_RETURN(Tensor w, OptionalDense(call.optional_input(1), cd));
  AOT_ASSIGN_OR_RETURN(Tensor b, OptionalDense(call.optional_input(2), cd));
  AOT_ASSIGN_OR_RETURN(Tensor rm, OptionalDense(call.optional_input(3), cd));
  AOT_ASSIGN_OR_RETURN(Tensor rv, OptionalDense(call.optional_input(4), cd));
  AOT_RETURN_IF_ERROR(CheckPerChannel(call, x, {&w, &b, &rm, &rv}));
  if (a.training && a.n * a.s == 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch_norm(): expected more than 1 value per channel when training, got input ", x.meta().ToString()));
  }
  if (!a.training && a.c > 0 && !(rm.defined() && rv.defined())) {
    return absl::InvalidArgumentError("batch_norm(): inference (training=false) needs running_mean and running_var");
  }
  std::vector<Tensor> r(5);
  AOT_ASSIGN_OR_RETURN(r[0], NewResult(call, 0, dev, dt));
  for (int i = 1; i < 5; ++i) {
    AOT_ASSIGN_OR_RETURN(r[i], NewResult(call, i, dev, cd));
  }
  AOT_ASSIGN_OR_RETURN(Tensor ws, Workspace(dt, a, dev));
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchBatchNorm(ToDT(dt), PtrOrNull(x), PtrOrNull(w), PtrOrNull(b), PtrOrNull(rm),
                                                  PtrOrNull(rv), r[0].raw_data(), r[1].raw_data(), r[2].raw_data(),
                                                  r[3].raw_data(), r[4].raw_data(), a, MutPtrOrNull(ws)),
                                  Name(call)));
  return Finish(call, std::move(r));
}

KernelResult BatchNormBackwardKernel(const OpCall& call) {
  const Device dev = CallDevice(call);
  const DType dt = call.input(1).dtype();
  AOT_ASSIGN_OR_RETURN(BatchNormArgs a, BatchNormShape(call, call.input(1)));
  const DType cd = ComputeDType(dt);
  AOT_ASSIGN_OR_RETURN(Tensor g, Dense(call.input(0), dt));
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(call.input(1)));
  AOT_ASSIGN_OR_RETURN(Tensor w, OptionalDense(call.optional_input(2), cd));
  AOT_ASSIGN_OR_RETURN(Tensor rm, OptionalDense(call.optional_input(3), cd));
  AOT_ASSIGN_OR_RETURN(Tensor rv, OptionalDense(call.optional_input(4), cd));
  AOT_ASSIGN_OR_RETURN(Tensor sm, OptionalDense(call.optional_input(5), cd));
  AOT_ASSIGN_OR_RETURN(Tensor si, OptionalDense(call.optional_input(6), cd));
  AOT_RETURN_IF_ERROR(CheckPerChannel(call, x, {&w, &rm, &rv, &sm, &si}));
  if (g.sizes() != x.sizes()) {
    return absl::InvalidArgumentError(absl::StrCat(Name(call), "(): grad_out ", g.meta().ToString(),
                                                   " must have the shape of input ", x.meta().ToString()));
  }
  // The statistics that normalised the input, as the CPU kernel picks them.
  BnStats stats;
  const Tensor* stat_mean = nullptr;
  const Tensor* stat_b = nullptr;
  if (a.training) {
    const bool saved = sm.defined() && si.defined();
    stats = saved ? BnStats::kSaved : BnStats::kRecompute;
    if (saved) stat_mean = &sm, stat_b = &si;
  } else if (rm.defined() && rv.defined()) {
    stats = BnStats::kRunning;
    stat_mean = &rm, stat_b = &rv;
  } else if (sm.defined() && si.defined()) {
    stats = BnStats::kSaved;
    stat_mean = &sm, stat_b = &si;
  } else {
    return absl::InvalidArgumentError(
        "batch_norm_backward(): inference (training=false) needs running_mean and running_var, or save_mean "
        "and save_invstd");
  }
  AOT_ASSIGN_OR_RETURN(Tensor gi, NewResult(call, 0, dev, dt));
  AOT_ASSIGN_OR_RETURN(Tensor gw, NewResult(call, 1, dev, cd));
  AOT_ASSIGN_OR_RETURN(Tensor gb, NewResult(call, 2, dev, cd));
  AOT_ASSIGN_OR_RETURN(Tensor ws, Workspace(dt, a, dev));
  AOT_RETURN_IF_ERROR(CheckLaunch(
      LaunchBatchNormBackward(ToDT(dt), PtrOrNull(g), PtrOrNull(x), PtrOrNull(w), stats,
                              stat_mean != nullptr ? PtrOrNull(*stat_mean) : nullptr,
                              stat_b != nullptr ? PtrOrNull(*stat_b) : nullptr, gi.raw_data(), gw.raw_data(),
                              gb.raw_data(), a, MutPtrOrNull(ws)),
      Name(call)));
  return Finish(call, {gi, gw, gb});
}

AOT_REGISTER_CUDA_KERNEL(kMaxPool2dWithIndices, MaxPool2dKernel);
AOT_REGISTER_CUDA_KERNEL(kMaxPool2dWithIndicesBackward, MaxPool2dBackwardKernel);
AOT_REGISTER_CUDA_KERNEL(kAvgPool2d, AvgPool2dKernel);
AOT_REGISTER_CUDA_KERNEL(kAvgPool2dBackward, AvgPool2dBackwardKernel);
AOT_REGISTER_CUDA_KERNEL(kAdaptiveAvgPool2d, AdaptiveAvgPool2dKernel);
AOT_REGISTER_CUDA_KERNEL(kAdaptiveAvgPool2dBackward, AdaptiveAvgPool2dBackwardKernel);
AOT_REGISTER_CUDA_KERNEL(kBatchNorm, BatchNormKernel);
AOT_REGISTER_CUDA_KERNEL(kBatchNormBackward, BatchNormBackwardKernel);

}  // namespace
}  // namespace aot::cuda
