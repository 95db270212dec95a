#include "aot/backends/cuda/cuda_status.h"

#include "absl/strings/str_cat.h"

namespace aot::cuda {

absl::Status CudaStatus(cudaError_t error, absl::string_view what) {
  if (error == cudaSuccess) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": CUDA error ", cudaGetErrorName(error), ": ",
                                     cudaGetErrorString(error));
  switch (error) {
    case cudaErrorMemoryAllocation:
      return absl::ResourceExhaustedError(message);
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorInvalidDevice:
    case cudaErrorDevicesUnavailable:
    case cudaErrorUnsupportedPtxVersion:
    case cudaErrorNoKernelImageForDevice:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<int> DeviceCount() {
  int count = 0;
  cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    // cudaGetDeviceCount reports a missing driver as an error; clear it so
    // that later calls do not see it.
    cudaGetLastError();
    return absl::FailedPreconditionError(
        absl::StrCat("no usable CUDA device: ", cudaGetErrorName(error), ": ",
                     cudaGetErrorString(error)));
  }
  if (count == 0) return absl::FailedPreconditionError("no usable CUDA device: none found");
  return count;
}

absl::StatusOr<std::string> DeviceDescription(int ordinal) {
  cudaDeviceProp prop;
  absl::Status s = CudaStatus(cudaGetDeviceProperties(&prop, ordinal),
                              absl::StrCat("cudaGetDeviceProperties(", ordinal, ")"));
  if (!s.ok()) return s;
  return absl::StrCat(prop.name, " (sm_", prop.major, prop.minor, ", ",
                      prop.totalGlobalMem >> 20, " MiB)");
}

}  // namespace aot::cuda
