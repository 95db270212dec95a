// The CUDA backend: kernels for CUDA tensors, registered at start-up under
// DispatchKey::kCUDA, over the caching allocator of cuda_allocator.h. Link
// //aot/backends/cuda (with //aot/backends/cpu for CPU tensors) and put
// tensors on a GPU:
//
//   absl::StatusOr<int> n = aot::cuda::DeviceCount();          // cuda_status.h
//   if (!n.ok()) return n.status();                            // no GPU here
//   AOT_ASSIGN_OR_RETURN(aot::Tensor x, aot::cuda::CopyToDevice(aot::randn({512, 512}, 0), Device::Cuda(0)));
//   aot::Tensor y = x.matmul(x).softmax(-1);                   // runs on the GPU
//   AOT_ASSIGN_OR_RETURN(std::vector<float> v, y.ToVector<float>());   // copies back
//
// Every kernel enqueues its work on the legacy default stream of the
// tensor's device; data comes back synchronously (ToVector, item, to(cpu)).
// Kernel errors are returned as Status naming the op; out of memory is
// ResourceExhausted (see Note [CUDA caching allocator]).
#ifndef AOT_BACKENDS_CUDA_CUDA_H_
#define AOT_BACKENDS_CUDA_CUDA_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aot/tensor/tensor.h"

namespace aot::cuda {

// Copies `t` (on the CPU or a GPU) to `device` (a CUDA device), keeping its
// dtype; the result is contiguous. Tensor::to(Device::Cuda()) does the same
// for CUDA sources; for CPU sources it needs the dispatcher to route the
// copy to this backend (see docs/building.md, "Running on a GPU").
absl::StatusOr<Tensor> CopyToDevice(const Tensor& t, Device device);

// Waits for all work queued on `device`; returns the first asynchronous
// error (an illegal address in a kernel, say) as a Status.
absl::Status Synchronize(Device device);

// Lets float32 matrix products use TF32 tensor cores (off by default, so
// float32 products are float32-accurate).
void SetAllowTf32(bool allow);
bool AllowTf32();

}  // namespace aot::cuda

#endif  // AOT_BACKENDS_CUDA_CUDA_H_
