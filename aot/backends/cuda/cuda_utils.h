// Host-side helpers of the CUDA kernels (private to aot/backends/cuda):
// device selection, result allocation, dense conversion, launch checks, and
// the elementwise plan (broadcast strides, coalesced dimensions) handed to
// the device code in device_kernels.h.
#ifndef AOT_BACKENDS_CUDA_CUDA_UTILS_H_
#define AOT_BACKENDS_CUDA_CUDA_UTILS_H_

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/backends/cuda/device_kernels.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/tensor.h"

namespace aot::cuda {

using KernelResult = absl::StatusOr<std::vector<Tensor>>;

inline DT ToDT(DType d) { return static_cast<DT>(d); }

// Makes `device` (a CUDA device) current for its scope.
class DeviceGuard {
 public:
  explicit DeviceGuard(Device device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int saved_ = -1;
};

// The CUDA device a call runs on: its first CUDA operand's, else its first
// result's.
Device CallDevice(const OpCall& call);

// Returns OK, or the launch error as a Status naming `op`
// ("exp: kernel launch: CUDA error cudaErrorInvalidConfiguration: ...").
absl::Status CheckLaunch(cudaError_t error, absl::string_view op);

// Sizes of result `i` of `call`.
std::vector<int64_t> ResultSizes(const OpCall& call, int i = 0);
// Allocates result `i` of `call` on `device` (contiguous) in `dtype`
// (default: the result's).
absl::StatusOr<Tensor> NewResult(const OpCall& call, int i, Device device);
absl::StatusOr<Tensor> NewResult(const OpCall& call, int i, Device device, DType dtype);

// Returns `t` (a CUDA tensor) converted to `dtype` and contiguous; no copy if
// it already is both.
absl::StatusOr<Tensor> Dense(const Tensor& t, DType dtype);
inline absl::StatusOr<Tensor> Dense(const Tensor& t) { return Dense(t, t.dtype()); }

// An elementwise input: a tensor (broadcast to the output) or a scalar.
struct ElemIn {
  ElemIn(const Tensor& t) : tensor(&t) {}  // NOLINT: implicit for brevity.
  static ElemIn Scalar(uint64_t bits) {
    ElemIn e;
    e.scalar = bits;
    return e;
  }
  const Tensor* tensor = nullptr;
  uint64_t scalar = 0;

 private:
  ElemIn() = default;
};

// Plans an elementwise launch writing `out` (any strides) from `inputs`
// (broadcast to out's shape): drops size-1 dimensions, merges dimensions
// that are contiguous for every operand, and marks the plan contiguous when
// one dense dimension remains. InvalidArgument if more than kMaxDims
// dimensions remain.
absl::StatusOr<ElemArgs> MakeElemArgs(const Tensor& out, std::initializer_list<ElemIn> inputs);

// The bits of a scalar attribute converted to `dtype` as the CPU backend's
// ScalarAsTensor does (integers exactly where the type holds them).
uint64_t ScalarBits(const ir::AttrValue& v, DType dtype);
uint64_t ScalarBits(double v, DType dtype);

// Copies a CPU tensor to CUDA device `device` (H2D, synchronous): the same
// dtype, contiguous.
absl::StatusOr<Tensor> HostToDevice(const Tensor& cpu, Device device);
// Copies a CUDA tensor to a new contiguous CPU tensor of the same dtype.
absl::StatusOr<Tensor> DeviceToHost(const Tensor& t);

// Wraps `kernel` so that it runs with the call's device current (kernels
// allocate and launch on the current device).
Kernel WithDevice(Kernel kernel);

// Registers a CUDA kernel run with its device current.
#define AOT_REGISTER_CUDA_KERNEL(op, kernel) AOT_REGISTER_KERNEL(op, kCUDA, ::aot::cuda::WithDevice(kernel))

}  // namespace aot::cuda

#endif  // AOT_BACKENDS_CUDA_CUDA_UTILS_H_
