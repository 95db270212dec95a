#include "aot/backends/cuda/cuda_utils.h"

#include <cstring>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "aot/backends/cuda/cuda.h"
#include "aot/backends/cuda/cuda_status.h"
#include "aot/base/status_macros.h"
#include "cuda_runtime_api.h"

namespace aot::cuda {

DeviceGuard::DeviceGuard(Device device) {
  int current = 0;
  if (cudaGetDevice(&current) != cudaSuccess) {
    cudaGetLastError();
    return;
  }
  if (current != device.index()) {
    saved_ = current;
    cudaSetDevice(device.index());
  }
}

DeviceGuard::~DeviceGuard() {
  if (saved_ >= 0) cudaSetDevice(saved_);
}

Device CallDevice(const OpCall& call) {
  for (const Tensor& t : call.operands) {
    if (t.ok() && t.device().is_cuda()) return t.device();
  }
  if (!call.result_metas.empty() && call.result_metas[0].device.is_cuda()) return call.result_metas[0].device;
  return Device::Cuda(0);
}

Kernel WithDevice(Kernel kernel) {
  return [kernel = std::move(kernel)](const OpCall& call) -> KernelResult {
    DeviceGuard guard(CallDevice(call));
    return kernel(call);
  };
}

absl::Status CheckLaunch(cudaError_t error, absl::string_view op) {
  if (error == cudaSuccess) return absl::OkStatus();
  cudaGetLastError();
  if (error == cudaErrorInvalidValue) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": not supported on CUDA for these operands (",
                                                   cudaGetErrorString(error), ")"));
  }
  return CudaStatus(error, absl::StrCat(op, ": kernel launch"));
}

std::vector<int64_t> ResultSizes(const OpCall& call, int i) {
  return call.result_metas[i].shape.concrete_sizes().value_or(std::vector<int64_t>{});
}

absl::StatusOr<Tensor> NewResult(const OpCall& call, int i, Device device) {
  return NewResult(call, i, device, call.result_metas[i].dtype);
}

absl::StatusOr<Tensor> NewResult(const OpCall& call, int i, Device device, DType dtype) {
  DeviceGuard guard(device);
  return Tensor::Empty(ResultSizes(call, i), dtype, device).Checked();
}

absl::StatusOr<Tensor> Dense(const Tensor& t, DType dtype) {
  AOT_RETURN_IF_ERROR(t.status());
  if (t.dtype() == dtype && t.is_contiguous()) return t;
  if (t.dtype() == dtype) return t.contiguous().Checked();
  Tensor c = t.to(dtype);
  AOT_RETURN_IF_ERROR(c.status());
  return c.contiguous().Checked();
}

absl::StatusOr<ElemArgs> MakeElemArgs(const Tensor& out, std::initializer_list<ElemIn> inputs) {
  ElemArgs a;
  const int out_rank = out.dim();
  const int n = static_cast<int>(inputs.size());
  // Strides per operand over out's dims (0 where broadcast), operand 0 = out.
  std::vector<std::vector<int64_t>> strides(n + 1, std::vector<int64_t>(out_rank, 0));
  for (int d = 0; d < out_rank; ++d) strides[0][d] = out.strides()[d];
  int k = 1;
  for (const ElemIn& in : inputs) {
    if (in.tensor != nullptr) {
      const Tensor& t = *in.tensor;
      const int lead = out_rank - t.dim();
      for (int d = 0; d < t.dim(); ++d) {
        if (t.sizes()[d] != 1) strides[k][lead + d] = t.strides()[d];
      }
      a.in[k - 1].data = t.numel() > 0 ? t.raw_data() : nullptr;
      if (a.in[k - 1].data == nullptr) a.in[k - 1].data = reinterpret_cast<void*>(16);  // Never read.
    } else {
      a.in[k - 1].data = nullptr;
      a.in[k - 1].scalar = in.scalar;
    }
    ++k;
  }
  a.out.data = out.numel() > 0 ? out.raw_data() : nullptr;
  a.numel = out.numel();
  // Dimensions, innermost last, without size-1 ones; merge a dimension into
  // the one inside it when every operand steps through both as one.
  std::vector<int64_t> sizes;
  std::vector<std::vector<int64_t>> st(n + 1);
  for (int d = 0; d < out_rank; ++d) {
    const int64_t s = out.sizes()[d];
    if (s == 1) continue;
    if (!sizes.empty()) {
      bool merge = true;
      for (int j = 0; j <= n; ++j) merge = merge && st[j].back() == strides[j][d] * s;
      if (merge) {
        sizes.back() *= s;
        for (int j = 0; j <= n; ++j) st[j].back() = strides[j][d];
        continue;
      }
    }
    sizes.push_back(s);
    for (int j = 0; j <= n; ++j) st[j].push_back(strides[j][d]);
  }
  if (sizes.empty()) {
    sizes.push_back(1);
    for (int j = 0; j <= n; ++j) st[j].push_back(1);
  }
  if (static_cast<int>(sizes.size()) > kMaxDims) {
    return absl::InvalidArgumentError(absl::StrCat("CUDA elementwise kernels take at most ", kMaxDims,
                                                   " non-mergeable dimensions, got ", sizes.size(), " for ",
                                                   out.meta().ToString()));
  }
  a.rank = static_cast<int>(sizes.size());
  for (int d = 0; d < a.rank; ++d) {
    a.sizes[d] = sizes[d];
    a.out.strides[d] = st[0][d];
    for (int j = 1; j <= n; ++j) a.in[j - 1].strides[d] = st[j][d];
  }
  a.contiguous = a.rank == 1 && (a.out.strides[0] == 1 || a.numel <= 1);
  for (int j = 0; j < n; ++j) {
    if (a.in[j].data != nullptr) a.contiguous = a.contiguous && (a.in[j].strides[0] == 1 || a.numel <= 1);
  }
  return a;
}

namespace {

template <typename T>
uint64_t BitsOf(T v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  return bits;
}

}  // namespace

uint64_t ScalarBits(const ir::AttrValue& v, DType dtype) {
  return VisitDType(dtype, [&]<typename T>() -> uint64_t {
    if constexpr (std::is_same_v<T, bool>) {
      return BitsOf<bool>(v.scalar() != 0);
    } else if (v.is_int()) {
      return BitsOf<T>(static_cast<T>(static_cast<ComputeType<T>>(v.i())));
    } else {
      return BitsOf<T>(static_cast<T>(static_cast<ComputeType<T>>(v.scalar())));
    }
  });
}

uint64_t ScalarBits(double v, DType dtype) {
  return VisitDType(dtype, [&]<typename T>() -> uint64_t {
    if constexpr (std::is_same_v<T, bool>) {
      return BitsOf<bool>(v != 0);
    } else {
      return BitsOf<T>(static_cast<T>(static_cast<ComputeType<T>>(v)));
    }
  });
}

absl::StatusOr<Tensor> HostToDevice(const Tensor& cpu, Device device) {
  AOT_RETURN_IF_ERROR(cpu.status());
  if (!cpu.device().is_cpu()) {
    return absl::InvalidArgumentError(absl::StrCat("host to device copy: source is on ", cpu.device().ToString()));
  }
  Tensor src = cpu.contiguous();
  AOT_RETURN_IF_ERROR(src.status());
  DeviceGuard guard(device);
  AOT_ASSIGN_OR_RETURN(Tensor dst, Tensor::Empty(src.sizes(), src.dtype(), device).Checked());
  const size_t bytes = static_cast<size_t>(src.numel()) * ir::DTypeSize(src.dtype());
  if (bytes > 0) {
    AOT_RETURN_IF_ERROR(CudaStatus(cudaMemcpy(dst.raw_data(), src.raw_data(), bytes, cudaMemcpyHostToDevice),
                                   absl::StrCat("copy to ", device.ToString())));
  }
  return dst;
}

absl::StatusOr<Tensor> DeviceToHost(const Tensor& t) {
  AOT_ASSIGN_OR_RETURN(Tensor src, Dense(t));
  DeviceGuard guard(t.device());
  AOT_ASSIGN_OR_RETURN(Tensor dst, Tensor::Empty(src.sizes(), src.dtype(), Device::Cpu()).Checked());
  const size_t bytes = static_cast<size_t>(src.numel()) * ir::DTypeSize(src.dtype());
  if (bytes > 0) {
    AOT_RETURN_IF_ERROR(CudaStatus(cudaMemcpy(dst.raw_data(), src.raw_data(), bytes, cudaMemcpyDeviceToHost),
                                   absl::StrCat("copy from ", t.device().ToString())));
  }
  return dst;
}

}  // namespace aot::cuda

namespace aot::cuda {

absl::StatusOr<Tensor> CopyToDevice(const Tensor& t, Device device) {
  AOT_RETURN_IF_ERROR(t.status());
  if (!device.is_cuda()) {
    return absl::InvalidArgumentError(absl::StrCat("CopyToDevice: ", device.ToString(), " is not a CUDA device"));
  }
  if (t.device().is_cpu()) return HostToDevice(t, device);
  if (t.device() == device) return Dense(t);
  return t.to(device).Checked();
}

absl::Status Synchronize(Device device) {
  DeviceGuard guard(device);
  return CudaStatus(cudaDeviceSynchronize(), absl::StrCat("synchronize ", device.ToString()));
}

}  // namespace aot::cuda
