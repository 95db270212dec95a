// CUDA runtime errors as absl::Status, and device discovery.
#ifndef AOT_BACKENDS_CUDA_CUDA_STATUS_H_
#define AOT_BACKENDS_CUDA_CUDA_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cuda_runtime_api.h"

namespace aot::cuda {

// Returns OK for cudaSuccess, otherwise a Status naming `what` (the op or call
// that failed) and CUDA's error name and text. Out-of-memory maps to
// ResourceExhausted, a missing device or driver to FailedPrecondition, the
// rest to Internal.
absl::Status CudaStatus(cudaError_t error, absl::string_view what);

// Returns the number of CUDA devices, or FailedPrecondition saying why none
// can be used (no driver, no device, driver older than the runtime).
absl::StatusOr<int> DeviceCount();

// Returns "NAME (sm_XY, N MiB)" for device `ordinal`.
absl::StatusOr<std::string> DeviceDescription(int ordinal);

}  // namespace aot::cuda

#endif  // AOT_BACKENDS_CUDA_CUDA_STATUS_H_
