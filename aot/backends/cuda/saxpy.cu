#include "aot/backends/cuda/saxpy.h"

#include <cstddef>

#include "aot/backends/cuda/cuda_status.h"
#include "aot/base/status_macros.h"

namespace aot::cuda {
namespace {

__global__ void SaxpyKernel(float a, const float* x, float* y, size_t n) {
  size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

}  // namespace

absl::Status Saxpy(float a, const std::vector<float>& x, std::vector<float>& y) {
  if (x.size() != y.size()) {
    return absl::InvalidArgumentError("saxpy: x and y differ in size");
  }
  AOT_RETURN_IF_ERROR(DeviceCount());
  const size_t n = x.size();
  const size_t bytes = n * sizeof(float);
  float* dx = nullptr;
  float* dy = nullptr;
  AOT_RETURN_IF_ERROR(CudaStatus(cudaMalloc(&dx, bytes), "saxpy: cudaMalloc(x)"));
  absl::Status s = CudaStatus(cudaMalloc(&dy, bytes), "saxpy: cudaMalloc(y)");
  if (s.ok()) s = CudaStatus(cudaMemcpy(dx, x.data(), bytes, cudaMemcpyHostToDevice), "saxpy: copy x");
  if (s.ok()) s = CudaStatus(cudaMemcpy(dy, y.data(), bytes, cudaMemcpyHostToDevice), "saxpy: copy y");
  if (s.ok() && n > 0) {
    const int threads = 256;
    const unsigned blocks = static_cast<unsigned>((n + threads - 1) / threads);
    SaxpyKernel<<<blocks, threads>>>(a, dx, dy, n);
    s = CudaStatus(cudaGetLastError(), "saxpy: kernel launch");
  }
  if (s.ok()) s = CudaStatus(cudaMemcpy(y.data(), dy, bytes, cudaMemcpyDeviceToHost), "saxpy: copy back");
  cudaFree(dx);
  cudaFree(dy);
  return s;
}

}  // namespace aot::cuda
