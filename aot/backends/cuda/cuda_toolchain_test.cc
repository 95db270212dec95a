// Checks the CUDA toolchain end to end: nvcc-built device code (sm_90a + PTX)
// linked with the static runtime runs and computes the right numbers. Skips,
// saying why, where no GPU is usable.
#include <cstdio>
#include <vector>

#include "aot/backends/cuda/cuda_status.h"
#include "aot/backends/cuda/saxpy.h"
#include "gtest/gtest.h"

namespace aot::cuda {
namespace {

class CudaToolchainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<int> count = DeviceCount();
    if (!count.ok()) GTEST_SKIP() << "needs a CUDA GPU: " << count.status();
    absl::StatusOr<std::string> desc = DeviceDescription(0);
    ASSERT_TRUE(desc.ok()) << desc.status();
    std::printf("device 0: %s\n", desc->c_str());
  }
};

TEST_F(CudaToolchainTest, SaxpyComputesOnDevice) {
  const int n = 1 << 20;
  std::vector<float> x(n), y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = static_cast<float>(i % 1000);
    y[i] = 1.0f;
  }
  ASSERT_TRUE(Saxpy(2.0f, x, y).ok());
  for (int i = 0; i < n; i += 4099) EXPECT_EQ(y[i], 2.0f * (i % 1000) + 1.0f) << i;
  EXPECT_EQ(y[n - 1], 2.0f * ((n - 1) % 1000) + 1.0f);
}

TEST(SaxpyTest, SizeMismatchIsInvalidArgument) {
  std::vector<float> x(3), y(4);
  EXPECT_EQ(Saxpy(1.0f, x, y).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CudaStatusTest, MapsErrorsToCanonicalCodes) {
  EXPECT_TRUE(CudaStatus(cudaSuccess, "x").ok());
  absl::Status oom = CudaStatus(cudaErrorMemoryAllocation, "matmul");
  EXPECT_EQ(oom.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(oom.message().find("matmul: CUDA error cudaErrorMemoryAllocation"),
            absl::string_view::npos)
      << oom;
  EXPECT_EQ(CudaStatus(cudaErrorNoDevice, "x").code(), absl::StatusCode::kFailedPrecondition);
}

TEST(CudaStatusTest, DeviceCountWithoutGpuIsFailedPrecondition) {
  absl::StatusOr<int> count = DeviceCount();
  if (count.ok()) {
    EXPECT_GT(*count, 0);
  } else {
    EXPECT_EQ(count.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(count.status().message().find("no usable CUDA device"), absl::string_view::npos);
  }
}

}  // namespace
}  // namespace aot::cuda
