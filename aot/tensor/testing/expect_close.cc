#include "aot/tensor/testing/expect_close.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace aot::op_testing {

void ExpectClose(const Tensor& got, const Tensor& want, double tol, absl::string_view got_name,
                 absl::string_view want_name) {
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(want.ok()) << want.status();
  ASSERT_EQ(got.dtype(), want.dtype());
  ASSERT_EQ(std::vector<int64_t>(got.sizes().begin(), got.sizes().end()),
            std::vector<int64_t>(want.sizes().begin(), want.sizes().end()));
  std::vector<double> x = *got.ToVector<double>(), y = *want.ToVector<double>();
  ASSERT_EQ(x.size(), y.size());
  int bad = 0;
  for (size_t i = 0; i < x.size() && bad < 5; ++i) {
    const bool same = (std::isnan(x[i]) && std::isnan(y[i])) || x[i] == y[i] ||
                      std::abs(x[i] - y[i]) <= tol * (1 + std::abs(y[i]));
    if (!same) {
      ++bad;
      ADD_FAILURE() << "element " << i << ": " << got_name << " " << x[i] << ", " << want_name << " " << y[i]
                    << " (difference " << x[i] - y[i] << ")";
    }
  }
}

}  // namespace aot::op_testing
