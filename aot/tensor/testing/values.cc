#include "aot/tensor/testing/values.h"

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace aot::op_testing {

std::vector<double> Values(const Tensor& t) {
  absl::StatusOr<std::vector<double>> v = t.ToVector<double>();
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *std::move(v) : std::vector<double>{};
}

}  // namespace aot::op_testing
