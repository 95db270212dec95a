// The caching allocator of CUDA device memory, registered for
// Device::Type::kCuda at start-up (link //aot/backends/cuda:cuda_allocator,
// which the CUDA backend does).
//
//   aot::Tensor x = aot::Tensor::Empty({1024, 1024}, DType::kFloat32, Device::Cuda(0));
//   AllocatorStats s = aot::cuda::MemoryStats(0);   // allocated, reserved, peak
//   aot::cuda::EmptyCache();                          // frees the cached blocks
//
// Note [CUDA caching allocator]
// cudaMalloc and cudaFree synchronize the device and cost tens of
// microseconds, so a freed block is kept in a free list of its size class
// and handed to the next request of that class. Size classes are 512 bytes
// up to 4 KiB, then four per power of two (at most 25% rounding). Reuse is
// stream-ordered: every kernel of the backend runs on the legacy default
// stream of its device, so work queued after the free (the new owner's)
// runs after work queued before it (the old owner's), and a block can be
// reused at once without an event. No cudaMalloc or cudaFree happens on the
// hot path once the cache is warm. When cudaMalloc fails, the allocator
// frees the device's cached blocks and tries once more; if that fails too it
// returns ResourceExhausted naming the bytes asked and the device's free and
// total memory, and never aborts.
//
// The device is the current one (cudaGetDevice): Allocator::Allocate has no
// device argument, so the backend's kernels select the tensor's device
// (DeviceGuard in cuda_utils.h) before they allocate.
#ifndef AOT_BACKENDS_CUDA_CUDA_ALLOCATOR_H_
#define AOT_BACKENDS_CUDA_CUDA_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>

#include "aot/tensor/allocator.h"

namespace aot::cuda {

// Returns the rounded size (size class) of a request of `bytes`.
size_t RoundSize(size_t bytes);

// Returns the statistics of device `device` (allocated_bytes counts bytes
// asked for; reserved_bytes what was taken from cudaMalloc, cached blocks
// included).
AllocatorStats MemoryStats(int device);
// Frees every cached (unused) block on every device.
void EmptyCache();
// Returns the allocator registered for CUDA devices.
Allocator* GetCudaAllocator();

}  // namespace aot::cuda

#endif  // AOT_BACKENDS_CUDA_CUDA_ALLOCATOR_H_
