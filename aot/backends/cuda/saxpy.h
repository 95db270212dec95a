// y = a * x + y on the GPU: the smallest real kernel, used to check that
// nvcc-built code links and runs. Host vectors in, host vector out.
#ifndef AOT_BACKENDS_CUDA_SAXPY_H_
#define AOT_BACKENDS_CUDA_SAXPY_H_

#include <vector>

#include "absl/status/status.h"

namespace aot::cuda {

// Computes y[i] = a * x[i] + y[i] on device 0. Returns InvalidArgument if the
// sizes differ, FailedPrecondition without a GPU.
absl::Status Saxpy(float a, const std::vector<float>& x, std::vector<float>& y);

}  // namespace aot::cuda

#endif  // AOT_BACKENDS_CUDA_SAXPY_H_
